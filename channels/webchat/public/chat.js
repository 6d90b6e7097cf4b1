// The patient chat page. Plain browser JavaScript, no build step. Every text from the patient or the
// clinic is put on the page with textContent, never as HTML.
(() => {
  const SESSION_KEY = 'careline.chat.session';
  const LAST_KEY = 'careline.chat.lastMessageId';
  const OUTBOX_KEY = 'careline.chat.outbox';
  const MAX_CHARS = 2000;

  const $ = (id) => document.getElementById(id);
  const list = $('messages');
  const connection = $('connection');
  const notice = $('notice');
  const composer = $('composer');
  const bodyInput = $('body');
  const composerError = $('composer-error');
  const typing = $('typing');

  // localStorage may be unavailable (private mode, blocked third-party storage in the widget's frame):
  // the chat still works, it only forgets the session on reload.
  const store = {
    get(key) {
      try {
        return window.localStorage.getItem(key);
      } catch {
        return null;
      }
    },
    set(key, value) {
      try {
        if (value === null) window.localStorage.removeItem(key);
        else window.localStorage.setItem(key, value);
      } catch {
        /* not persisted */
      }
    },
  };

  // Arriving from a secure link: its single-use handoff is in the URL fragment, which the browser
  // never sends to a server. Read once and removed from the address bar and the history entry.
  const handoffMatch = /^#handoff=([A-Za-z0-9_-]{43})$/.exec(window.location.hash);
  let handoff = handoffMatch ? handoffMatch[1] : null;
  if (handoffMatch) window.history.replaceState(null, '', window.location.pathname + window.location.search);

  const shown = new Map(); // message id -> list item
  const unread = new Set(); // outbound ids shown but not yet reported read
  // Messages typed but not acknowledged: resent with the same clientId after a reconnect (idempotent).
  const outbox = new Map(JSON.parse(store.get(OUTBOX_KEY) || '[]'));
  const saveOutbox = () => store.set(OUTBOX_KEY, JSON.stringify([...outbox]));

  function newClientId() {
    if (window.crypto?.randomUUID) return window.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  // The staff inbox's one format (web/inbox/format.ts): the time today, with the date otherwise.
  function formatTime(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return '';
    const now = new Date();
    if (date.toDateString() === now.toDateString()) {
      return date.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
    }
    return date.toLocaleString([], {
      ...(date.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }),
      month: 'short',
      day: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
    });
  }

  function describeStatus(direction, status) {
    if (direction === 'inbound')
      return status === 'sending' ? 'Sending…' : status === 'failed' ? 'Not sent' : 'Sent';
    return 'Clinic';
  }

  /** Adds or updates one message bubble; the text goes in with textContent only. */
  function render(message) {
    const key = message.id || `client:${message.clientId}`;
    let item = shown.get(key);
    if (!item && message.clientId) item = shown.get(`client:${message.clientId}`);
    if (!item) {
      item = document.createElement('li');
      const text = document.createElement('span');
      text.className = 'text';
      const meta = document.createElement('span');
      meta.className = 'meta';
      item.append(text, meta);
      list.append(item);
    }
    item.className = `message ${message.direction}${message.status === 'failed' ? ' failed' : ''}`;
    item.querySelector('.text').textContent = message.body;
    item.querySelector('.meta').textContent =
      `${describeStatus(message.direction, message.status)} ${formatTime(message.createdAt)}`.trim();
    if (message.id) {
      shown.delete(`client:${message.clientId}`);
      shown.set(message.id, item);
    } else {
      shown.set(key, item);
    }
    list.scrollTop = list.scrollHeight;
  }

  function remember(id) {
    if (id) store.set(LAST_KEY, id);
  }

  // The session token and the last message seen go in the handshake, re-read at every (re)connect.
  const socket = window.io('/chat', {
    auth: (cb) => {
      const auth = {};
      const session = store.get(SESSION_KEY);
      const last = store.get(LAST_KEY);
      if (session) auth.session = session;
      if (last && session) auth.lastMessageId = last;
      cb(auth);
    },
  });

  function reportRead() {
    if (document.visibilityState !== 'visible') return;
    for (const id of unread) socket.emit('read', { messageId: id });
    unread.clear();
  }
  document.addEventListener('visibilitychange', reportRead);

  /** An outbound message arrived (live or in the history): shown, acknowledged, read when visible. */
  function receive(message) {
    const fresh = !shown.has(message.id);
    render(message);
    remember(message.id);
    if (message.direction === 'outbound' && fresh) {
      if (message.status === 'sent' || message.status === 'queued')
        socket.emit('delivered', { messageId: message.id });
      if (message.status !== 'read') unread.add(message.id);
      typing.hidden = true;
    }
    reportRead();
  }

  // Whether this session has a history: the pre-chat form is for a visitor who has not written yet.
  let wroteBefore = false;

  /** Asked once: after the first message (or with a history) the chat is the plain composer. */
  function closeIntro() {
    wroteBefore = true;
    // Being texted is about a conversation: offered once there is one.
    $('texts').hidden = false;
    const intro = $('intro');
    if (intro.hidden) return;
    intro.hidden = true;
    $('body-label').textContent = 'Your message';
    $('body-label').classList.add('visually-hidden');
    bodyInput.placeholder = 'Type your message';
  }

  function send(clientId, body, name) {
    socket.timeout(10_000).emit('message', { clientId, body, ...(name ? { name } : {}) }, (err, answer) => {
      if (err) return; // still in the outbox: resent after the reconnect
      if (answer.ok) {
        outbox.delete(clientId);
        saveOutbox();
        render({ id: answer.messageId, clientId, direction: 'inbound', body, status: 'received' });
        remember(answer.messageId);
        return;
      }
      outbox.delete(clientId);
      saveOutbox();
      render({ clientId, direction: 'inbound', body, status: 'failed' });
      composerError.hidden = false;
      composerError.textContent =
        answer.code === 'rate_limited'
          ? 'You are sending messages too quickly. Please wait a moment and try again.'
          : answer.code === 'message_too_long' || answer.code === 'payload_too_large'
            ? `Messages can be at most ${MAX_CHARS} characters.`
            : 'That message could not be sent. Please try again.';
    });
  }

  socket.on('session', (info) => {
    // A new session (first visit, or the stored one was refused) starts a new history.
    if (store.get(SESSION_KEY) !== info.token) store.set(LAST_KEY, null);
    store.set(SESSION_KEY, info.token);
    showVerified(info.verified);
    if (handoff) redeemHandoff();
  });

  /** "Usually replies within 4 hours", from the queue's answer time. */
  function describeReplyTime(minutes) {
    if (!Number.isFinite(minutes) || minutes <= 0) return '';
    if (minutes < 60) return `Usually replies within ${minutes} minute${minutes === 1 ? '' : 's'}`;
    const hours = Math.round(minutes / 60);
    if (hours < 24) return `Usually replies within ${hours} hour${hours === 1 ? '' : 's'}`;
    const days = Math.round(hours / 24);
    return `Usually replies within ${days === 1 ? 'a day' : `${days} days`}`;
  }

  // The clinic's name, logo, colour, greeting and reply time (GET /chat/appearance.json). Texts go in
  // with textContent; the colour through the CSSOM, which the page's CSP (no inline style) allows.
  function showAppearance(look) {
    if (look.clinicName) {
      $('chat-title').textContent = `Chat with ${look.clinicName}`;
      document.title = `Chat with ${look.clinicName}`;
    }
    const logo = $('clinic-logo');
    if (look.logoUrl) {
      // A logo that does not load leaves no broken-image box behind (the name is in the heading).
      logo.addEventListener('error', () => {
        logo.hidden = true;
      });
      logo.src = look.logoUrl;
      logo.hidden = false;
    }
    if (look.color && look.textColor) {
      const header = document.querySelector('.chat-header');
      header.style.setProperty('--clinic-color', look.color);
      header.style.setProperty('--clinic-text', look.textColor);
      header.classList.add('branded');
    }
    const greeting = $('greeting');
    greeting.textContent = look.greeting || '';
    greeting.hidden = !look.greeting;
    // The pre-chat form, for a visitor who has not written yet: their name, and what it is about
    // (the first message, so triage reads it like any other).
    if (look.preChatForm && !wroteBefore && !store.get(LAST_KEY) && outbox.size === 0) {
      $('intro').hidden = false;
      $('body-label').textContent = 'What is it about?';
      $('body-label').classList.remove('visually-hidden');
      bodyInput.placeholder = 'What would you like to ask the clinic?';
    }
    const replyTime = $('reply-time');
    replyTime.textContent = describeReplyTime(look.replyWithinMinutes);
    replyTime.hidden = !replyTime.textContent;
  }
  window
    .fetch('/chat/appearance.json', { credentials: 'omit' })
    .then((res) => (res.ok ? res.json() : null))
    .then((look) => look && showAppearance(look))
    .catch(() => undefined); // the plain page still works

  socket.on('welcome', (info) => {
    if (info.clinicName) document.title = `Chat with ${info.clinicName}`;
    notice.hidden = !info.notice;
    notice.textContent = info.notice || '';
  });

  socket.on('history', (page) => {
    if (page.messages.length > 0) closeIntro();
    for (const message of page.messages) {
      if (message.direction === 'outbound') receive(message);
      else {
        render(message);
        remember(message.id);
        if (message.clientId) outbox.delete(message.clientId);
      }
    }
    saveOutbox();
    for (const [clientId, body] of outbox) send(clientId, body);
  });

  socket.on('message', (message) => {
    if (message.direction === 'outbound') receive(message);
    else render(message); // sent from this visitor's other tab
  });

  socket.on('typing', (info) => {
    const from = info && typeof info.from === 'string' && info.from !== 'Clinic' ? info.from : null;
    typing.textContent = from ? `${from} at the clinic is typing…` : 'The clinic is typing…';
    typing.hidden = false;
    clearTimeout(typing.timer);
    typing.timer = setTimeout(() => {
      typing.hidden = true;
    }, 4000);
  });

  socket.on('verified', () => showVerified(true));

  socket.on('connect', () => {
    connection.textContent = 'Connected';
  });
  socket.on('disconnect', () => {
    connection.textContent = 'Reconnecting…';
  });
  socket.on('connect_error', (err) => {
    if (err.message === 'invalid_session') {
      // The stored session is not one this clinic issued: start afresh.
      store.set(SESSION_KEY, null);
      store.set(LAST_KEY, null);
      socket.connect();
      return;
    }
    connection.textContent = 'Cannot connect right now. Retrying…';
  });

  composer.addEventListener('submit', (event) => {
    event.preventDefault();
    composerError.hidden = true;
    const body = bodyInput.value;
    if (body.trim() === '') return;
    if (body.length > MAX_CHARS) {
      composerError.hidden = false;
      composerError.textContent = `Messages can be at most ${MAX_CHARS} characters.`;
      return;
    }
    const clientId = newClientId();
    outbox.set(clientId, body);
    saveOutbox();
    render({ clientId, direction: 'inbound', body, status: 'sending', createdAt: new Date().toISOString() });
    bodyInput.value = '';
    const name = $('intro').hidden ? '' : $('intro-name').value.trim().slice(0, 80);
    closeIntro();
    send(clientId, body, name);
  });

  bodyInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  let lastTyping = 0;
  bodyInput.addEventListener('input', () => {
    if (Date.now() - lastTyping > 3000) {
      lastTyping = Date.now();
      socket.emit('typing');
    }
  });

  // "Text me when you reply": the phone is checked on the server (libphonenumber), and the answer is
  // the same whether or not the number is on file anywhere.
  const textsForm = $('texts-form');
  const textsMessage = $('texts-message');
  const textsErrors = {
    invalid_phone:
      'That does not look like a phone number. Please include the area code, for example 555 123 4567.',
    consent_required: 'Please tick the box to agree to be texted.',
    no_conversation: 'Please send your message first, then ask us to text you.',
    unavailable: 'This clinic cannot send texts right now.',
    rate_limited: 'Too many tries. Please wait and try again later.',
  };
  textsForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const request = { phone: $('texts-phone').value, consent: $('texts-consent').checked };
    socket.timeout(10_000).emit('texts.request', request, (err, answer) => {
      if (err || !answer.ok) {
        textsMessage.classList.add('error');
        textsMessage.textContent = textsErrors[answer?.code] || 'Something went wrong. Please try again.';
        return;
      }
      textsMessage.classList.remove('error');
      textsMessage.textContent =
        'Thank you. If you leave this page, we will text you when we reply. Reply STOP to any text to stop them.';
      textsForm.hidden = true;
    });
  });

  // Verification: the same neutral answer whatever the clinic found, as the server gives.
  const verifyMessage = $('verify-message');
  const startForm = $('verify-start');
  const confirmForm = $('verify-confirm');
  function showVerified(verified) {
    $('verified-status').hidden = !verified;
    startForm.hidden = Boolean(verified);
    if (verified) confirmForm.hidden = true;
  }
  const verifyErrors = {
    invalid_date_of_birth: 'Please enter your date of birth.',
    invalid_phone: 'Please enter a valid phone number.',
    invalid_email: 'Please enter a valid email address.',
    rate_limited: 'Too many tries. Please wait and try again later.',
    verification_failed: 'That code did not work. Check it, or ask for a new one.',
  };
  function redeemHandoff() {
    const token = handoff;
    handoff = null;
    socket.timeout(10_000).emit('verify.handoff', { handoff: token }, (err, answer) => {
      if (!err && answer.ok) {
        // Shown, not tucked away: the patient came here from the secure message and should see it worked.
        $('verify').open = true;
        verifyMessage.textContent = 'You are verified through your secure message.';
        showVerified(true);
        return;
      }
      $('verify').open = true;
      verifyMessage.textContent =
        'The link from your secure message has expired or was already used. You can verify with a code instead.';
    });
  }
  startForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const via = startForm.elements.via.value;
    const claim = { dateOfBirth: $('dob').value };
    claim[via === 'email' ? 'email' : 'phone'] = $('address').value;
    socket.timeout(10_000).emit('verify.start', claim, (err, answer) => {
      if (err || !answer.ok) {
        verifyMessage.textContent = verifyErrors[answer?.code] || 'Something went wrong. Please try again.';
        return;
      }
      verifyMessage.textContent =
        'If these details match our records, we sent a 6-digit code. It is valid for 10 minutes.';
      confirmForm.hidden = false;
      $('code').focus();
    });
  });
  confirmForm.addEventListener('submit', (event) => {
    event.preventDefault();
    socket.timeout(10_000).emit('verify.confirm', { code: $('code').value.trim() }, (err, answer) => {
      if (err || !answer.ok) {
        verifyMessage.textContent = verifyErrors[answer?.code] || 'Something went wrong. Please try again.';
        return;
      }
      verifyMessage.textContent = 'Thank you, you are verified.';
      showVerified(true);
    });
  });
})();
