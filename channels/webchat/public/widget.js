// The clinic's one script tag: <script src="https://HUB/chat/widget.js" async></script>
// Adds a floating "Chat with us" button that opens the hub's /chat page in a frame. Plain JavaScript;
// styles are set through the DOM, so a strict CSP on the clinic's site does not need to allow them.
(() => {
  const script = document.currentScript;
  if (!script || window.__carelineChatWidget) return;
  window.__carelineChatWidget = true;
  const origin = new URL(script.src, document.baseURI).origin;
  const label = script.dataset.label || 'Chat with us';

  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = label;
  button.setAttribute('aria-expanded', 'false');
  button.setAttribute('aria-controls', 'careline-chat-frame');
  Object.assign(button.style, {
    position: 'fixed',
    right: '1.25rem',
    bottom: '1.25rem',
    zIndex: '2147483646',
    padding: '.75rem 1.1rem',
    border: '0',
    borderRadius: '2rem',
    background: '#1f5fa8',
    color: '#fff',
    font: '600 1rem system-ui, sans-serif',
    boxShadow: '0 2px 8px rgba(0,0,0,.3)',
    cursor: 'pointer',
  });

  let frame = null;
  function open() {
    if (!frame) {
      frame = document.createElement('iframe');
      frame.id = 'careline-chat-frame';
      frame.title = label;
      frame.src = `${origin}/chat`;
      Object.assign(frame.style, {
        position: 'fixed',
        right: '1.25rem',
        bottom: '4.75rem',
        zIndex: '2147483647',
        width: 'min(24rem, calc(100vw - 2.5rem))',
        height: 'min(36rem, calc(100vh - 6.5rem))',
        border: '1px solid #d5dbe1',
        borderRadius: '8px',
        background: '#fff',
        boxShadow: '0 4px 16px rgba(0,0,0,.25)',
      });
      document.body.append(frame);
    }
    frame.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    frame.focus();
  }
  function close() {
    if (frame) frame.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    button.focus();
  }

  // The clinic's colour and name (GET /chat/appearance.json, public and readable from any site). A
  // site whose CSP does not let the fetch through keeps the plain blue button.
  fetch(`${origin}/chat/appearance.json`, { credentials: 'omit' })
    .then((res) => (res.ok ? res.json() : null))
    .then((look) => {
      if (look?.color && look.textColor) {
        button.style.background = look.color;
        button.style.color = look.textColor;
      }
      if (look?.clinicName && !script.dataset.label)
        button.setAttribute('aria-label', `${label}: ${look.clinicName}`);
    })
    .catch(() => undefined);

  button.addEventListener('click', () => (frame && !frame.hidden ? close() : open()));
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && frame && !frame.hidden) close();
  });

  const attach = () => document.body.append(button);
  if (document.body) attach();
  else document.addEventListener('DOMContentLoaded', attach);
})();
