import { type FormEvent, Fragment, useCallback, useEffect, useState } from 'react';
import type * as Api from '../../contracts/inbox-api';
import { api, getSession } from '../shared/api';
import { channelLabel, knownChannels, shortTime } from './format';
import { PatientTags } from './patient-tags';

/** Languages offered first; a contact's other code still shows and can be kept. */
const LANGUAGES: { code: string; name: string }[] = [
  { code: 'en', name: 'English' },
  { code: 'es', name: 'Spanish' },
  { code: 'fr', name: 'French' },
  { code: 'pt', name: 'Portuguese' },
  { code: 'zh', name: 'Chinese' },
  { code: 'vi', name: 'Vietnamese' },
  { code: 'ar', name: 'Arabic' },
  { code: 'ru', name: 'Russian' },
];
const languageName = (code: string | null) =>
  code ? (LANGUAGES.find((l) => l.code === code)?.name ?? code) : 'unknown';

const timeZones: string[] = (() => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
})();

interface Draft {
  name: string;
  dateOfBirth: string;
  language: string;
  timeZone: string;
  channelPreferences: string[];
  attributes: { label: string; value: string }[];
}

const draftOf = (c: Api.ContactView): Draft => ({
  name: c.name ?? '',
  dateOfBirth: c.dateOfBirth ?? '',
  language: c.language ?? '',
  timeZone: c.timeZone ?? '',
  channelPreferences: c.channelPreferences,
  attributes: Object.entries(c.attributes).map(([label, value]) => ({ label, value })),
});

/** Only what changed, so an agent's save never carries the date of birth she may not set. */
function changes(before: Api.ContactView, draft: Draft): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const orNull = (s: string) => s.trim() || null;
  if (orNull(draft.name) !== before.name) out.name = orNull(draft.name);
  if (orNull(draft.dateOfBirth) !== before.dateOfBirth) out.dateOfBirth = orNull(draft.dateOfBirth);
  if (orNull(draft.language) !== before.language) out.language = orNull(draft.language);
  if (orNull(draft.timeZone) !== before.timeZone) out.timeZone = orNull(draft.timeZone);
  if (draft.channelPreferences.join() !== before.channelPreferences.join()) {
    out.channelPreferences = draft.channelPreferences;
  }
  const attributes = Object.fromEntries(
    draft.attributes.filter((a) => a.label.trim()).map((a) => [a.label.trim(), a.value.trim()]),
  );
  if (JSON.stringify(attributes) !== JSON.stringify(before.attributes)) out.attributes = attributes;
  return out;
}

interface Props {
  contactId: string;
  conversationId: string;
  /** Called after a save, so the thread shows the new name. */
  onChanged: () => void;
  onOpenConversation?: (id: string) => void;
}

/**
 * Who the patient is, in the patient panel: name, date of birth, language, time zone, channel
 * preferences and the clinic's own attributes, editable in place (the date of birth by supervisors
 * and admins only: it opens secure links; the server enforces it), the tags campaign audiences
 * select on, and the patient's other conversations.
 */
export function PatientDetails({ contactId, conversationId, onChanged, onOpenConversation }: Props) {
  const [contact, setContact] = useState<Api.ContactView | null>(null);
  const [past, setPast] = useState<Api.ContactConversationView[]>([]);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const mayChangeBirthDate = getSession()?.staff.role !== 'agent';

  const load = useCallback(async () => {
    try {
      const [one, list] = await Promise.all([
        api<Api.ContactResponse>('GET', `/contacts/${contactId}`),
        api<Api.ContactConversationsResponse>('GET', `/contacts/${contactId}/conversations`),
      ]);
      setContact(one.contact);
      setPast(list.conversations);
    } catch (err) {
      setError(err instanceof Error ? err.message : 'could not load the patient');
    }
  }, [contactId]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: reload when the open conversation changes too
  useEffect(() => {
    setDraft(null);
    setError(null);
    void load();
  }, [load, conversationId]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!contact || !draft || saving) return;
    const body = changes(contact, draft);
    if (Object.keys(body).length === 0) {
      setDraft(null);
      return;
    }
    setSaving(true);
    setError(null);
    try {
      const saved = await api<Api.ContactResponse>('PATCH', `/contacts/${contactId}`, body);
      setContact(saved.contact);
      setDraft(null);
      onChanged();
    } catch (err) {
      setError(err instanceof Error ? err.message : 'could not save');
    } finally {
      setSaving(false);
    }
  };

  const others = past.filter((c) => c.id !== conversationId);
  const set = (patch: Partial<Draft>) => setDraft((d) => (d ? { ...d, ...patch } : d));

  return (
    <section className="patient-details" aria-label="Patient details">
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {contact && !draft && (
        <>
          <dl>
            <dt>Name</dt>
            <dd>{contact.name ?? <span className="muted">not on file</span>}</dd>
            <dt>Date of birth</dt>
            <dd>{contact.dateOfBirth ?? <span className="muted">not on file</span>}</dd>
            <dt>Language</dt>
            <dd>{languageName(contact.language)}</dd>
            <dt>Time zone</dt>
            <dd>{contact.timeZone ?? <span className="muted">the clinic's</span>}</dd>
            <dt>Prefers</dt>
            <dd>
              {contact.channelPreferences.length > 0 ? (
                contact.channelPreferences.map(channelLabel).join(', ')
              ) : (
                <span className="muted">no preference</span>
              )}
            </dd>
            {Object.entries(contact.attributes).map(([label, value]) => (
              <Fragment key={label}>
                <dt>{label}</dt>
                <dd>{value}</dd>
              </Fragment>
            ))}
          </dl>
          <button type="button" onClick={() => setDraft(draftOf(contact))}>
            Edit patient
          </button>
        </>
      )}
      {contact && draft && (
        <form className="patient-form" aria-label="Edit patient" onSubmit={save}>
          <label>
            Name
            <input value={draft.name} maxLength={200} onChange={(e) => set({ name: e.target.value })} />
          </label>
          <label>
            Date of birth
            <input
              type="date"
              value={draft.dateOfBirth}
              disabled={!mayChangeBirthDate}
              max={new Date().toISOString().slice(0, 10)}
              onChange={(e) => set({ dateOfBirth: e.target.value })}
            />
          </label>
          {!mayChangeBirthDate && (
            <p className="muted">A supervisor or admin changes the date of birth: it opens secure links.</p>
          )}
          <label>
            Language
            <select value={draft.language} onChange={(e) => set({ language: e.target.value })}>
              <option value="">Unknown</option>
              {draft.language && !LANGUAGES.some((l) => l.code === draft.language) && (
                <option value={draft.language}>{draft.language}</option>
              )}
              {LANGUAGES.map((l) => (
                <option key={l.code} value={l.code}>
                  {l.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Time zone
            <input
              list="patient-time-zones"
              value={draft.timeZone}
              placeholder="e.g. America/Chicago"
              onChange={(e) => set({ timeZone: e.target.value })}
            />
          </label>
          <datalist id="patient-time-zones">
            {timeZones.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
          <fieldset>
            <legend>Prefers to be reached by</legend>
            {knownChannels()
              .filter((known) => known.delivers)
              .map(({ channel }) => (
                <label key={channel}>
                  <input
                    type="checkbox"
                    checked={draft.channelPreferences.includes(channel)}
                    onChange={(e) =>
                      set({
                        channelPreferences: e.target.checked
                          ? [...draft.channelPreferences, channel]
                          : draft.channelPreferences.filter((c) => c !== channel),
                      })
                    }
                  />
                  {channelLabel(channel)}
                </label>
              ))}
          </fieldset>
          <fieldset>
            <legend>Other details</legend>
            {draft.attributes.map((a, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place; a label may be blank or repeated while typing
              <div key={index} className="attribute-row">
                <input
                  aria-label={`Detail ${index + 1} label`}
                  placeholder="Label, e.g. MRN"
                  maxLength={60}
                  value={a.label}
                  onChange={(e) =>
                    set({
                      attributes: draft.attributes.map((x, i) =>
                        i === index ? { ...x, label: e.target.value } : x,
                      ),
                    })
                  }
                />
                <input
                  aria-label={`Detail ${index + 1} value`}
                  maxLength={500}
                  value={a.value}
                  onChange={(e) =>
                    set({
                      attributes: draft.attributes.map((x, i) =>
                        i === index ? { ...x, value: e.target.value } : x,
                      ),
                    })
                  }
                />
                <button
                  type="button"
                  aria-label={`Remove detail ${index + 1}`}
                  onClick={() => set({ attributes: draft.attributes.filter((_, i) => i !== index) })}
                >
                  Remove
                </button>
              </div>
            ))}
            <button
              type="button"
              onClick={() => set({ attributes: [...draft.attributes, { label: '', value: '' }] })}
            >
              Add detail
            </button>
          </fieldset>
          <div className="patient-form-actions">
            <button type="submit" disabled={saving}>
              {saving ? 'Saving…' : 'Save patient'}
            </button>
            <button type="button" onClick={() => setDraft(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {contact && <PatientTags contactId={contactId} tags={contact.tags} onSaved={setContact} />}
      <h3>Other conversations</h3>
      {others.length === 0 ? (
        <p className="muted">None</p>
      ) : (
        <ul className="plain past-conversations" aria-label="Other conversations">
          {others.map((c) => (
            <li key={c.id}>
              <button type="button" onClick={() => onOpenConversation?.(c.id)} disabled={!onOpenConversation}>
                <span>
                  {shortTime(c.lastActivityAt)} · {c.status}
                </span>
                {/* Patient-supplied text: a React text node, never HTML. */}
                {c.lastPatientMessage && <span className="muted"> “{c.lastPatientMessage}”</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
