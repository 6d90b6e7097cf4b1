import { type FormEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { channelLabel, formatWhen } from '../inbox/format';
import { InboxLive } from '../inbox/live';
import { ApiError, api } from '../shared/api';

/** Polling is the fallback: fast while the /inbox socket is down, slow while events arrive live. */
const POLL_LIVE_MS = 15_000;
const POLL_OFFLINE_MS = 3_000;
/** Message events that touch the open thread: a new message or a delivery status. */
const THREAD_EVENTS = new Set(['message.created', 'message.status', 'resync.required']);

interface SandboxChannel {
  channel: string;
  identityKind: string;
  canReply: boolean;
  /** A page of the hub where the patient is played instead (web chat: /chat). */
  patientPage?: string;
}

interface PhoneMessage {
  id: string;
  direction: 'inbound' | 'outbound';
  body: string;
  status: string;
  createdAt: string;
}

function randomPhone(): string {
  // 555-01xx numbers are reserved for fiction.
  return `+1415555${String(Math.floor(Math.random() * 100)).padStart(2, '0')}${String(
    Math.floor(Math.random() * 100),
  ).padStart(2, '0')}`;
}

/**
 * Plays a patient's phone (or mailbox) against a hub whose channels run in sandbox mode: what the hub
 * sent to an address, what that address sent, and a box to send as the patient.
 */
export function SandboxPhone() {
  const [channels, setChannels] = useState<SandboxChannel[] | null>(null);
  const [channel, setChannel] = useState('');
  const [known, setKnown] = useState<string[]>([]);
  const [addressInput, setAddressInput] = useState('');
  const [address, setAddress] = useState('');
  const [messages, setMessages] = useState<PhoneMessage[]>([]);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [connected, setConnected] = useState(false);
  const end = useRef<HTMLLIElement>(null);
  // The thread's conversations: their message events mean "load the thread again".
  const conversationIds = useRef<Set<string>>(new Set());

  // The staff socket, authenticated by the same session cookie as the API.
  const live = useMemo(() => new InboxLive(), []);
  useEffect(() => {
    const off = live.onStatus(setConnected);
    live.connect();
    return () => {
      off();
      live.close();
    };
  }, [live]);

  useEffect(() => {
    api<{ channels: SandboxChannel[] }>('GET', '/sandbox/channels').then(
      (answer) => {
        setChannels(answer.channels);
        setChannel((now) => now || answer.channels[0]?.channel || '');
      },
      (err: unknown) => setError(err instanceof Error ? err.message : 'could not load channels'),
    );
  }, []);

  const current = channels?.find((c) => c.channel === channel) ?? null;
  const onPage = current?.patientPage ?? null;

  useEffect(() => {
    if (!channel || onPage) return;
    api<{ addresses: { address: string }[] }>(
      'GET',
      `/sandbox/addresses?channel=${encodeURIComponent(channel)}`,
    ).then(
      (answer) => setKnown(answer.addresses.map((a) => a.address)),
      () => setKnown([]),
    );
  }, [channel, onPage]);

  const loadThread = useCallback(async () => {
    if (!channel || !address) return;
    try {
      const answer = await api<{ address: string; conversationIds?: string[]; messages: PhoneMessage[] }>(
        'GET',
        `/sandbox/threads?channel=${encodeURIComponent(channel)}&address=${encodeURIComponent(address)}`,
      );
      conversationIds.current = new Set(answer.conversationIds ?? []);
      setMessages(answer.messages);
      setError(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : 'could not load messages');
    }
  }, [channel, address]);

  // A new phone starts empty.
  useEffect(() => {
    conversationIds.current = new Set();
    setMessages([]);
    void loadThread();
  }, [loadThread]);

  // Live: the thread's message events (or any new message while it has none yet) reload it.
  useEffect(() => {
    if (!address) return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = live.on((event) => {
      if (!THREAD_EVENTS.has(event.type)) return;
      const ours = conversationIds.current;
      const relevant =
        event.type === 'resync.required' ||
        (event.conversationId ? ours.has(event.conversationId) : false) ||
        (ours.size === 0 && event.type === 'message.created');
      if (!relevant || timer) return;
      timer = setTimeout(() => {
        timer = null;
        void loadThread();
      }, 100);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [live, address, loadThread]);

  // The fallback poll, and a catch-up whenever the socket (re)connects.
  useEffect(() => {
    if (!address) return;
    if (connected) void loadThread();
    const timer = setInterval(() => void loadThread(), connected ? POLL_LIVE_MS : POLL_OFFLINE_MS);
    return () => clearInterval(timer);
  }, [address, connected, loadThread]);

  const count = messages.length;
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when a message arrives
  useEffect(() => {
    // Braces on purpose: scrollIntoView returns a promise in recent Chromium, and an effect may return only a cleanup.
    end.current?.scrollIntoView({ block: 'end' });
  }, [count]);

  const open = (event: FormEvent) => {
    event.preventDefault();
    setAddress(addressInput.trim());
  };

  const send = async (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim() || !address) return;
    setSending(true);
    try {
      await api('POST', `/sandbox/${channel}/inbound`, { from: address, body: text });
      setText('');
      setError(null);
      await loadThread();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'send failed');
    } finally {
      setSending(false);
    }
  };

  if (channels && channels.length === 0) {
    return (
      <main className="sandbox">
        <h1>Sandbox phone</h1>
        <p>No channel runs in sandbox mode on this hub: messages go to real phones and mailboxes.</p>
        <a href="/inbox">Back to the inbox</a>
      </main>
    );
  }

  return (
    <main className="sandbox">
      <header className="topbar">
        <h1>Sandbox phone</h1>
        <span className={`connection ${connected ? 'ok' : 'off'}`} role="status" aria-label="Connection">
          {connected ? 'live' : 'polling'}
        </span>
        <a href="/inbox">Inbox</a>
      </header>
      {!onPage && (
        <p className="muted">
          Web chat needs no sandbox:{' '}
          <a href="/chat" target="_blank" rel="noopener">
            open /chat in another tab
          </a>{' '}
          and write as the patient there.
        </p>
      )}
      <form className="sandbox-pick" onSubmit={open}>
        <label>
          Channel
          <select
            value={channel}
            onChange={(e) => {
              // An address belongs to one kind of channel: a new channel starts with none open.
              setChannel(e.target.value);
              setAddress('');
              setAddressInput('');
            }}
          >
            {(channels ?? []).map((c) => (
              <option key={c.channel} value={c.channel}>
                {channelLabel(c.channel)}
              </option>
            ))}
          </select>
        </label>
        {!onPage && (
          <label>
            {current?.identityKind === 'email' ? 'Email address' : 'Phone number'}
            <input
              list="known-addresses"
              value={addressInput}
              placeholder={current?.identityKind === 'email' ? 'patient@example.com' : '+14155550123'}
              onChange={(e) => setAddressInput(e.target.value)}
            />
          </label>
        )}
        <datalist id="known-addresses">
          {known.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        {!onPage && <button type="submit">Open</button>}
        {!onPage && current?.identityKind === 'phone' && (
          <button type="button" onClick={() => setAddressInput(randomPhone())}>
            New number
          </button>
        )}
      </form>
      {onPage && (
        <p className="muted">
          The {channelLabel(current?.channel)} channel has no provider to stand in for.{' '}
          <a href={onPage} target="_blank" rel="noopener">
            Open {onPage} in another tab
          </a>{' '}
          and write as the patient there; replies from the inbox appear there live.
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {address && !onPage && (
        <section
          className="phone"
          aria-label={`${current?.identityKind === 'email' ? 'Mailbox' : 'Phone'} ${address}`}
        >
          <h2>{address}</h2>
          <ol className="phone-messages" aria-label="Phone messages">
            {messages.map((m) => (
              // Inbound to the hub = sent by this phone.
              <li key={m.id} className={m.direction === 'inbound' ? 'mine' : 'theirs'}>
                <p>{m.body}</p>
                <span className="muted">
                  {formatWhen(m.createdAt)} · {m.direction === 'inbound' ? 'sent' : m.status}
                </span>
              </li>
            ))}
            <li ref={end} />
          </ol>
          {current?.canReply ? (
            <form onSubmit={send} className="phone-compose">
              <input
                aria-label="Message from the patient"
                value={text}
                onChange={(e) => setText(e.target.value)}
                placeholder={current?.identityKind === 'email' ? 'Email the clinic…' : 'Text the clinic…'}
              />
              <button type="submit" disabled={sending || !text.trim()}>
                Send
              </button>
            </form>
          ) : (
            <p className="muted">This channel cannot play the patient here: the README says how to try it.</p>
          )}
        </section>
      )}
    </main>
  );
}
