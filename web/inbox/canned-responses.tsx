import { useState } from 'react';
import { api } from '../shared/api';
import type { CannedResponse } from './model';

/** Supervisors and admins add and remove the clinic's canned responses here (`/shortcut` in the composer). */
export function CannedResponseManager({
  canned,
  onChanged,
}: {
  canned: CannedResponse[];
  onChanged: () => void;
}) {
  const [shortcut, setShortcut] = useState('');
  const [body, setBody] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <details className="label-manager">
      <summary>Manage canned responses</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          api('POST', '/canned-responses', { shortcut, body }).then(
            () => {
              setShortcut('');
              setBody('');
              setError(null);
              onChanged();
            },
            (err: unknown) => setError(err instanceof Error ? err.message : 'could not save it'),
          );
        }}
      >
        {/* Visible labels (WCAG 3.3.2); the accessible names stay the words shown. */}
        <label className="field">
          Shortcut
          <input
            aria-label="Shortcut"
            placeholder="hours"
            value={shortcut}
            maxLength={30}
            onChange={(e) => setShortcut(e.target.value)}
          />
        </label>
        <label className="field">
          Canned text
          <textarea
            aria-label="Canned text"
            rows={2}
            value={body}
            maxLength={1600}
            onChange={(e) => setBody(e.target.value)}
          />
        </label>
        <button type="submit">Save canned response</button>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <ul>
        {canned.map((c) => (
          <li key={c.id}>
            <strong>/{c.shortcut}</strong> {c.body}{' '}
            <button
              type="button"
              aria-label={`Delete canned response ${c.shortcut}`}
              onClick={() => void api('DELETE', `/canned-responses/${c.id}`).then(onChanged, onChanged)}
            >
              Delete
            </button>
          </li>
        ))}
      </ul>
    </details>
  );
}
