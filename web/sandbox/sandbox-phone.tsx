import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, api } from '../shared/api';

interface SandboxChannel {
  channel: string;
  identityKind: string;
  canReply: boolean;
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
  const end = useRef<HTMLLIElement>(null);

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

  useEffect(() => {
    if (!channel) return;
    api<{ addresses: { address: string }[] }>(
      'GET',
      `/sandbox/addresses?channel=${encodeURIComponent(channel)}`,
    ).then(
      (answer) => setKnown(answer.addresses.map((a) => a.address)),
      () => setKnown([]),
    );
  }, [channel]);

  const loadThread = useCallback(async () => {
    if (!channel || !address) return;
    try {
      const answer = await api<{ address: string; messages: PhoneMessage[] }>(
        'GET',
        `/sandbox/threads?channel=${encodeURIComponent(channel)}&address=${encodeURIComponent(address)}`,
      );
      setMessages(answer.messages);
      setError(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : 'could not load messages');
    }
  }, [channel, address]);

  // The sandbox records sends as they happen; poll while a phone is open.
  useEffect(() => {
    setMessages([]);
    void loadThread();
    const timer = setInterval(() => void loadThread(), 2000);
    return () => clearInterval(timer);
  }, [loadThread]);

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
        <a href="/inbox">Inbox</a>
      </header>
      <form className="sandbox-pick" onSubmit={open}>
        <label>
          Channel
          <select value={channel} onChange={(e) => setChannel(e.target.value)}>
            {(channels ?? []).map((c) => (
              <option key={c.channel} value={c.channel}>
                {c.channel}
              </option>
            ))}
          </select>
        </label>
        <label>
          {current?.identityKind === 'email' ? 'Email address' : 'Phone number'}
          <input
            list="known-addresses"
            value={addressInput}
            placeholder={current?.identityKind === 'email' ? 'patient@example.com' : '+14155550123'}
            onChange={(e) => setAddressInput(e.target.value)}
          />
        </label>
        <datalist id="known-addresses">
          {known.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <button type="submit">Open</button>
        {current?.identityKind === 'phone' && (
          <button type="button" onClick={() => setAddressInput(randomPhone())}>
            New number
          </button>
        )}
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {address && (
        <section className="phone" aria-label={`Phone ${address}`}>
          <h2>{address}</h2>
          <ol className="phone-messages" aria-label="Phone messages">
            {messages.map((m) => (
              // Inbound to the hub = sent by this phone.
              <li key={m.id} className={m.direction === 'inbound' ? 'mine' : 'theirs'}>
                <p>{m.body}</p>
                <span className="muted">
                  {new Date(m.createdAt).toLocaleTimeString()} ·{' '}
                  {m.direction === 'inbound' ? 'sent' : m.status}
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
                placeholder="Text the clinic…"
              />
              <button type="submit" disabled={sending || !text.trim()}>
                Send
              </button>
            </form>
          ) : (
            <p className="muted">This channel cannot play the patient yet.</p>
          )}
        </section>
      )}
    </main>
  );
}
