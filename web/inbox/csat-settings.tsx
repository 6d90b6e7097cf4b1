import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { api } from '../shared/api';

export interface Csat {
  enabled: boolean;
  windowHours: number;
}

type SettingsAnswer = { settings: { csat: Csat } };

/**
 * Admin setting for the rating question sent after staff resolve a conversation ("How did we do?
 * Reply 1-5"): on or off, and how long a bare number in reply counts as the rating.
 */
export function CsatSettingsSection({ loaded: settings }: { loaded: Csat | null }) {
  const [loaded, setLoaded] = useState(false);
  const [enabled, setEnabled] = useState(false);
  const [windowHours, setWindowHours] = useState('24');
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);

  const apply = useCallback((csat: Csat) => {
    setEnabled(csat.enabled);
    setWindowHours(String(csat.windowHours));
    setLoaded(true);
  }, []);

  // Read once by the admin screen (GET /settings), for all its sections.
  useEffect(() => {
    if (settings) apply(settings);
  }, [settings, apply]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const csat = { enabled, windowHours: Math.round(Number(windowHours)) };
      apply((await api<SettingsAnswer>('PATCH', '/settings', { csat })).settings.csat);
      setOutcome({ ok: true, text: 'Rating question saved' });
    } catch (err) {
      setOutcome({ ok: false, text: err instanceof Error ? err.message : 'could not save' });
    }
  };

  return (
    <section aria-label="Patient rating settings" className="admin-section">
      <h2>Patient rating</h2>
      {loaded && (
        <form onSubmit={submit} className="admin-form" aria-label="Patient rating">
          <label>
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
            After a conversation is resolved, ask the patient “How did we do? Reply 1-5”
          </label>
          <label>
            A reply counts as the rating for (hours)
            <input
              type="number"
              min={1}
              max={168}
              value={windowHours}
              onChange={(e) => setWindowHours(e.target.value)}
            />
          </label>
          <span className="muted">
            Asked once per conversation, on the channel the patient wrote on. A reply with more than the
            number is a new message for the clinic.
          </span>
          <button type="submit">Save rating question</button>
        </form>
      )}
      {outcome &&
        (outcome.ok ? (
          <output className="ok">{outcome.text}</output>
        ) : (
          <p role="alert" className="error">
            {outcome.text}
          </p>
        ))}
    </section>
  );
}
