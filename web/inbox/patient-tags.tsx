import { type KeyboardEvent, useRef, useState } from 'react';
import type * as Api from '../../contracts/inbox-api';
import { api } from '../shared/api';

/** The server's limits (src/contacts/contact-tags.ts), so a slip is caught before the request. */
const MAX_TAGS = 50;
const MAX_TAG_LENGTH = 100;

interface Props {
  contactId: string;
  tags: string[];
  /** The contact as saved, after each change. */
  onSaved: (contact: Api.ContactView) => void;
}

/**
 * The patient's tags as chips, in the patient panel: what campaign audiences select on. A tag is
 * added by typing it and pressing Enter and removed by its chip's button, each saved at once (the
 * whole set, as the API takes it). Tags may come from an import of patient-supplied files: they are
 * React text nodes, never HTML.
 */
export function PatientTags({ contactId, tags, onSaved }: Props) {
  const [typed, setTyped] = useState('');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [said, setSaid] = useState('');
  const input = useRef<HTMLInputElement>(null);

  const save = async (next: string[], done: string) => {
    setSaving(true);
    setError(null);
    try {
      const saved = await api<Api.ContactResponse>('PATCH', `/contacts/${contactId}`, { tags: next });
      onSaved(saved.contact);
      setSaid(done);
      return true;
    } catch (err) {
      setError(err instanceof Error ? err.message : 'could not save the tags');
      return false;
    } finally {
      setSaving(false);
    }
  };

  const add = async () => {
    const tag = typed.trim();
    if (!tag || saving) return;
    if (tags.includes(tag)) {
      setTyped('');
      return;
    }
    if (tags.length >= MAX_TAGS) {
      setError(`A patient has at most ${MAX_TAGS} tags`);
      return;
    }
    if (await save([...tags, tag], `Tag ${tag} added`)) setTyped('');
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    void add();
  };

  const remove = async (tag: string) => {
    if (saving) return;
    // The chip's button goes away with it: keep the keyboard in the panel.
    if (
      await save(
        tags.filter((t) => t !== tag),
        `Tag ${tag} removed`,
      )
    )
      input.current?.focus();
  };

  return (
    <section className="patient-tags" aria-labelledby="patient-tags-heading">
      <h3 id="patient-tags-heading">Tags</h3>
      {tags.length === 0 ? (
        <p className="muted">No tags</p>
      ) : (
        <ul className="plain tag-chips" aria-label="Tags">
          {tags.map((tag) => (
            <li key={tag} className="tag-chip">
              <span>{tag}</span>
              <button
                type="button"
                aria-label={`Remove tag ${tag}`}
                disabled={saving}
                onClick={() => void remove(tag)}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <label className="tag-input">
        Add a tag
        <input
          ref={input}
          value={typed}
          maxLength={MAX_TAG_LENGTH}
          placeholder="Type a tag, then Enter"
          aria-describedby="patient-tags-help"
          onChange={(e) => setTyped(e.target.value)}
          onKeyDown={onKeyDown}
        />
      </label>
      <p id="patient-tags-help" className="muted">
        Campaign audiences select patients by these tags.
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <p role="status" className="muted">
        {said}
      </p>
    </section>
  );
}
