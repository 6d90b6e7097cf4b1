import { useState } from 'react';
import { api } from '../shared/api';
import type { LabelInfo, QueueSummary } from './model';

const LABEL_COLORS = ['gray', 'blue', 'green', 'amber', 'red', 'purple'] as const;

interface BulkResult {
  applied?: number;
  failed?: number;
  results?: { id: string; ok: boolean; error?: { message?: string } }[];
}

/**
 * One action on the ticked rows: assign to me, label, resolve or transfer. The hub refuses the whole
 * selection when any of it is out of the caller's queues; otherwise it says per conversation what
 * did not change, and this bar says so in words.
 */
export function BulkActions({
  selected,
  labels,
  queues,
  meId,
  onDone,
  onClear,
}: {
  selected: string[];
  labels: LabelInfo[];
  queues: QueueSummary[];
  meId: string;
  onDone: () => void;
  onClear: () => void;
}) {
  const [outcome, setOutcome] = useState<string | null>(null);
  const run = async (action: string, extra: object = {}) => {
    try {
      const answer = await api<BulkResult>('POST', '/conversations/bulk', {
        conversationIds: selected,
        action,
        ...extra,
      });
      const failed = (answer.results ?? []).filter((r) => !r.ok);
      setOutcome(
        failed.length === 0
          ? `Done for ${answer.applied ?? selected.length} conversation${selected.length === 1 ? '' : 's'}.`
          : `Done for ${answer.applied ?? 0}; not changed: ${failed.length} (${failed[0]?.error?.message ?? 'refused'}).`,
      );
      onClear();
    } catch (err) {
      setOutcome(err instanceof Error ? err.message : 'The action failed');
    }
    onDone();
  };
  if (selected.length === 0) {
    return outcome ? (
      <p className="bulk-outcome" role="status">
        {outcome}
      </p>
    ) : null;
  }
  return (
    <div className="bulk-actions" role="toolbar" aria-label="Bulk actions">
      <span>{selected.length} selected</span>
      <button type="button" onClick={() => void run('assign', { staffId: meId })}>
        Assign to me
      </button>
      <select
        aria-label="Label selected"
        value=""
        onChange={(e) => e.target.value && void run('label', { labelId: e.target.value })}
      >
        <option value="">Label…</option>
        {labels.map((l) => (
          <option key={l.id} value={l.id}>
            {l.name}
          </option>
        ))}
      </select>
      <button type="button" onClick={() => void run('resolve')}>
        Resolve selected
      </button>
      <select
        aria-label="Transfer selected"
        value=""
        onChange={(e) => e.target.value && void run('transfer', { queue: e.target.value })}
      >
        <option value="">Transfer…</option>
        {queues.map((q) => (
          <option key={q.id} value={q.id}>
            {q.name}
          </option>
        ))}
      </select>
      <button type="button" onClick={onClear}>
        Clear
      </button>
    </div>
  );
}

/** Supervisors and admins create and delete the clinic's labels here. */
export function LabelManager({ labels, onChanged }: { labels: LabelInfo[]; onChanged: () => void }) {
  const [name, setName] = useState('');
  const [color, setColor] = useState<string>('gray');
  const [error, setError] = useState<string | null>(null);
  return (
    <details className="label-manager">
      <summary>Manage labels</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          api('POST', '/labels', { name, color }).then(
            () => {
              setName('');
              setError(null);
              onChanged();
            },
            (err: unknown) => setError(err instanceof Error ? err.message : 'could not create the label'),
          );
        }}
      >
        <label className="field">
          New label name
          <input
            aria-label="New label name"
            value={name}
            maxLength={40}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label className="field">
          Colour
          <select aria-label="New label colour" value={color} onChange={(e) => setColor(e.target.value)}>
            {LABEL_COLORS.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Create label</button>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <ul>
        {labels.map((l) => (
          <li key={l.id}>
            <span className={`label-chip label-${l.color}`}>{l.name}</span>
            <button
              type="button"
              aria-label={`Delete label ${l.name}`}
              onClick={() => void api('DELETE', `/labels/${l.id}`).then(onChanged, onChanged)}
            >
              Delete
            </button>
          </li>
        ))}
      </ul>
    </details>
  );
}
