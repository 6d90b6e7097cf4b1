import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { api } from '../shared/api';

export interface ChatAppearance {
  logoUrl: string | null;
  color: string | null;
  greeting: string | null;
  preChatForm: boolean;
  greetingMax: number;
}

/** The page's own blue (channels/webchat/public/chat.css), offered when the clinic has none. */
const PLAIN_COLOR = '#1f5fa8';

/**
 * Admin settings for how the patient web chat looks: the clinic's logo, colour and greeting. The
 * clinic's name is the one in the settings above; the reply time is the front desk queue's.
 */
export function ChatAppearanceSettingsSection({ loaded }: { loaded: ChatAppearance | null }) {
  const [saved, setSaved] = useState<ChatAppearance | null>(null);
  const [logoUrl, setLogoUrl] = useState('');
  const [useColor, setUseColor] = useState(false);
  const [color, setColor] = useState(PLAIN_COLOR);
  const [greeting, setGreeting] = useState('');
  const [preChatForm, setPreChatForm] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const show = useCallback((look: ChatAppearance) => {
    setSaved(look);
    setLogoUrl(look.logoUrl ?? '');
    setUseColor(look.color !== null);
    setColor(look.color ?? PLAIN_COLOR);
    setGreeting(look.greeting ?? '');
    setPreChatForm(look.preChatForm);
  }, []);

  // Read once by the admin screen (GET /settings), for all its sections.
  useEffect(() => {
    if (loaded) show(loaded);
  }, [loaded, show]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const answer = await api<{ settings: { chatAppearance: ChatAppearance } }>('PATCH', '/settings', {
        // Empty strings clear a field: the plain page's.
        chatAppearance: {
          logoUrl: logoUrl.trim(),
          color: useColor ? color : '',
          greeting: greeting.trim(),
          preChatForm,
        },
      });
      show(answer.settings.chatAppearance);
      setError(null);
      setStatus('Web chat appearance saved');
    } catch (err) {
      setStatus(null);
      setError(err instanceof Error ? err.message : 'could not save');
    }
  };

  return (
    // The admin screen's section markup, written out: importing it from admin.tsx would loop back.
    <section aria-label="Web chat appearance settings" className="admin-section">
      <h2>Web chat appearance</h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {saved && (
        <form onSubmit={save} className="admin-form" aria-label="Web chat appearance">
          <label>
            Logo address (https://…, empty for none)
            <input type="url" value={logoUrl} onChange={(e) => setLogoUrl(e.target.value)} />
          </label>
          <label>
            <input type="checkbox" checked={useColor} onChange={(e) => setUseColor(e.target.checked)} />
            Use the clinic's colour in the chat header
          </label>
          {useColor && (
            <label>
              Header colour
              <input type="color" value={color} onChange={(e) => setColor(e.target.value)} />
            </label>
          )}
          <label>
            Greeting shown above the conversation
            <textarea
              rows={2}
              maxLength={saved.greetingMax}
              value={greeting}
              onChange={(e) => setGreeting(e.target.value)}
            />
          </label>
          <label>
            <input type="checkbox" checked={preChatForm} onChange={(e) => setPreChatForm(e.target.checked)} />
            Ask a new visitor their name and what it is about before they write
          </label>
          <button type="submit">Save web chat appearance</button>
        </form>
      )}
      {status && <output className="ok">{status}</output>}
    </section>
  );
}
