import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { api } from '../shared/api';

export interface Acknowledgement {
  enabled: boolean;
  windowMinutes: number;
  texts: Record<string, string>;
  textMax: number;
}

/** The languages the shipped acknowledgement speaks; the clinic may word each its own way. */
const LANGUAGES = [
  { code: 'en', name: 'English' },
  { code: 'es', name: 'Spanish' },
];

/**
 * Admin settings for the automatic "we got your message" reply: on or off, how often per
 * conversation, and the clinic's own wording per language (empty: the shipped wording, which
 * promises the reply time of the message's urgency).
 */
export function AcknowledgementSettingsSection({ loaded }: { loaded: Acknowledgement | null }) {
  const [saved, setSaved] = useState<Acknowledgement | null>(null);
  const [enabled, setEnabled] = useState(false);
  const [hours, setHours] = useState('4');
  const [texts, setTexts] = useState<Record<string, string>>({});
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const show = useCallback((a: Acknowledgement) => {
    setSaved(a);
    setEnabled(a.enabled);
    setHours(String(a.windowMinutes / 60));
    setTexts(a.texts);
  }, []);

  // Read once by the admin screen (GET /settings), for all its sections.
  useEffect(() => {
    if (loaded) show(loaded);
  }, [loaded, show]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!saved) return;
    const windowMinutes = Math.round(Number(hours) * 60);
    try {
      const answer = await api<{ settings: { acknowledgement: Acknowledgement } }>('PATCH', '/settings', {
        acknowledgement: {
          enabled,
          windowMinutes,
          // Every language shown is sent: an emptied box goes back to the shipped wording.
          texts: Object.fromEntries(LANGUAGES.map((l) => [l.code, texts[l.code]?.trim() ?? ''])),
        },
      });
      show(answer.settings.acknowledgement);
      setError(null);
      setStatus('Acknowledgement saved');
    } catch (err) {
      setStatus(null);
      setError(err instanceof Error ? err.message : 'could not save');
    }
  };

  return (
    // The admin screen's section markup, written out: importing it from admin.tsx would loop back.
    <section aria-label="Message acknowledgement settings" className="admin-section">
      <h2>Message acknowledgement</h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {saved && (
        <form onSubmit={save} className="admin-form" aria-label="Message acknowledgement">
          <label>
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
            Answer every routine or urgent message with a short acknowledgement
          </label>
          <label>
            At most once per conversation every (hours)
            <input
              type="number"
              min={0.25}
              max={168}
              step={0.25}
              value={hours}
              onChange={(e) => setHours(e.target.value)}
            />
          </label>
          {LANGUAGES.map((l) => (
            <label key={l.code}>
              Wording in {l.name}
              <textarea
                rows={2}
                maxLength={saved.textMax}
                value={texts[l.code] ?? ''}
                placeholder={
                  l.code === 'es'
                    ? 'Recibimos su mensaje. La clínica suele responder en menos de N horas; si es una emergencia, llame al 911.'
                    : 'We got your message. The clinic usually replies within N hours; if this is an emergency, call 911.'
                }
                onChange={(e) => setTexts((now) => ({ ...now, [l.code]: e.target.value }))}
              />
            </label>
          ))}
          <span className="muted">
            Empty uses the built-in wording, which names the reply time of the message's urgency. An emergency
            always gets the safety reply instead.
          </span>
          <button type="submit">Save acknowledgement</button>
        </form>
      )}
      {status && <output className="ok">{status}</output>}
    </section>
  );
}
