import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import { channelIcon, channelLabel, shortTime, slaCountdown } from './format';
import type { ConversationSummary } from './model';
import { useQueueName } from './names';

const ROW_HEIGHT = 76;

interface Props {
  items: ConversationSummary[];
  selectedId: string | null;
  onSelect: (id: string) => void;
  hasMore: boolean;
  loading: boolean;
  onLoadMore: () => void;
  now: number;
  /** The rows ticked for a bulk action. */
  checked: ReadonlySet<string>;
  onCheck: (id: string, on: boolean) => void;
}

/** The conversation list: only the rows in view are in the DOM; nearing the end loads the next page. */
export function ConversationList({
  items,
  selectedId,
  onSelect,
  hasMore,
  loading,
  onLoadMore,
  now,
  checked,
  onCheck,
}: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const queueName = useQueueName();
  const virtualizer = useVirtualizer({
    count: items.length + (hasMore ? 1 : 0),
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });
  const rows = virtualizer.getVirtualItems();
  const lastIndex = rows.at(-1)?.index ?? -1;

  useEffect(() => {
    if (hasMore && !loading && lastIndex >= items.length - 5) onLoadMore();
  }, [hasMore, loading, lastIndex, items.length, onLoadMore]);

  const selectedIndex = items.findIndex((c) => c.id === selectedId);
  useEffect(() => {
    if (selectedIndex >= 0) virtualizer.scrollToIndex(selectedIndex, { align: 'auto' });
  }, [selectedIndex, virtualizer]);

  return (
    <div className="conversation-scroller" ref={scroller}>
      {items.length === 0 && !loading && <p className="empty">No conversations match.</p>}
      <ul
        aria-label="Conversations"
        className="conversation-list"
        style={{ height: virtualizer.getTotalSize(), position: 'relative' }}
      >
        {rows.map((row) => {
          const c = items[row.index];
          if (!c) {
            return (
              <li
                key="more"
                className="more"
                style={{
                  position: 'absolute',
                  top: 0,
                  transform: `translateY(${row.start}px)`,
                  width: '100%',
                }}
              >
                {loading ? 'Loading…' : ''}
              </li>
            );
          }
          const sla = c.status === 'resolved' ? null : slaCountdown(c.slaDueAt, now);
          const name = c.displayName;
          const channels =
            c.channels.length > 0 ? c.channels : c.lastMessageChannel ? [c.lastMessageChannel] : [];
          return (
            <li
              key={c.id}
              data-conversation-id={c.id}
              className="conversation-item"
              style={{
                position: 'absolute',
                top: 0,
                width: '100%',
                height: ROW_HEIGHT,
                transform: `translateY(${row.start}px)`,
              }}
            >
              <input
                type="checkbox"
                className="row-check"
                aria-label={`Select ${name}`}
                checked={checked.has(c.id)}
                onChange={(e) => onCheck(c.id, e.target.checked)}
              />
              <button
                type="button"
                className={`conversation-row urgency-${c.urgency}${c.id === selectedId ? ' selected' : ''}`}
                aria-current={c.id === selectedId ? 'true' : undefined}
                onClick={() => onSelect(c.id)}
              >
                <span className="row-top">
                  {c.unread && <span className="unread-dot" role="img" aria-label="unread" />}
                  <span className="contact-name">{name}</span>
                  {c.displayAddress && c.displayAddress !== name && (
                    <span className="contact-address muted">{c.displayAddress}</span>
                  )}
                  <span className="channels">
                    {channels.map((ch) => (
                      <span key={ch} className="channel-icon" role="img" aria-label={channelLabel(ch)}>
                        {channelIcon(ch)}
                      </span>
                    ))}
                  </span>
                  <span className="row-time">{shortTime(c.lastActivityAt, now)}</span>
                </span>
                <RowPreview summary={c} />
                <span className="row-bottom">
                  {c.urgency !== 'routine' && (
                    <span className={`badge urgency-${c.urgency}`}>{c.urgency}</span>
                  )}
                  <span className="queue-tag">{queueName(c.queue)}</span>
                  {c.labels.map((l) => (
                    <span key={l.id} className={`label-chip label-${l.color}`}>
                      {l.name}
                    </span>
                  ))}
                  {c.status !== 'open' && <span className="status-tag">{c.status}</span>}
                  {c.assignee ? (
                    <span className="assignee">→ {c.assignee.name}</span>
                  ) : (
                    <span className="assignee muted">unassigned</span>
                  )}
                  {sla && (
                    <span className={`sla${sla.breached ? ' breached' : ''}`} title="Answer due">
                      SLA {sla.text}
                    </span>
                  )}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/**
 * What the patient said, first: an emergency must read as the patient's words, not as the hub's
 * safety reply that followed them. An answer after her words is marked as the hub's or staff's.
 */
function RowPreview({ summary }: { summary: ConversationSummary }) {
  const { patientSnippet, lastReply, snippet } = summary;
  if (patientSnippet === null) {
    return (
      <span className="snippet">
        {lastReply && <span className="reply-mark">{lastReply.by === 'hub' ? 'Hub:' : 'Staff:'} </span>}
        {lastReply?.snippet ?? snippet}
      </span>
    );
  }
  return (
    <span className="snippet">
      <span className="patient-words" data-testid="patient-preview">
        {patientSnippet}
      </span>
      {lastReply && (
        <span className="reply-mark" title={lastReply.snippet}>
          {lastReply.by === 'hub' ? ' · Hub replied' : ' · Staff replied'}
        </span>
      )}
    </span>
  );
}
