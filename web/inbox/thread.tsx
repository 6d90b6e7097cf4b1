import { type FormEvent, useEffect, useRef, useState } from 'react';
import { api, newIdempotencyKey } from '../shared/api';
import { channelIcon, channelLabel, clockTime, fullDateTime, slaCountdown } from './format';
import type { ConversationDetail, IntentOption, Message, QueueSummary, StaffOption, Triage } from './model';
import { humanize, useIntentName, useQueueName } from './names';
import { PatientDetails } from './patient-details';

/** What the override form may pick from, and what to do once an override is saved. */
export interface TriageOverrideOptions {
  intents: IntentOption[];
  queues: QueueSummary[];
  onChanged: () => void;
}

function TriageOverrideForm({
  messageId,
  triage,
  options,
  onDone,
}: {
  messageId: string;
  triage: Triage;
  options: TriageOverrideOptions;
  onDone: () => void;
}) {
  const intentName = useIntentName();
  const [intent, setIntent] = useState(triage.intent ?? '');
  const [queue, setQueue] = useState(triage.queue ?? '');
  const [urgency, setUrgency] = useState(triage.urgency ?? '');
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const save = async (event: FormEvent) => {
    event.preventDefault();
    // Only what differs from the decision shown is sent.
    const body = {
      ...(intent && intent !== triage.intent ? { intent } : {}),
      ...(queue && queue !== triage.queue ? { queue } : {}),
      ...(urgency && urgency !== triage.urgency ? { urgency } : {}),
    };
    if (Object.keys(body).length === 0) {
      setError('Change the intent, the queue or the urgency first');
      return;
    }
    setSaving(true);
    try {
      await api('POST', `/messages/${messageId}/triage-override`, body);
      setError(null);
      options.onChanged();
      onDone();
    } catch (err) {
      setError(err instanceof Error ? err.message : 'could not save the override');
    } finally {
      setSaving(false);
    }
  };
  return (
    <form className="triage-override" aria-label="Override triage" onSubmit={save}>
      <select aria-label="Override intent" value={intent} onChange={(e) => setIntent(e.target.value)}>
        {!options.intents.some((i) => i.name === intent) && (
          <option value={intent}>{intentName(intent) || '—'}</option>
        )}
        {options.intents.map((i) => (
          <option key={i.name} value={i.name} title={i.description}>
            {i.label}
          </option>
        ))}
      </select>
      <select aria-label="Override queue" value={queue} onChange={(e) => setQueue(e.target.value)}>
        {!options.queues.some((q) => q.id === queue) && (
          <option value={queue}>{humanize(queue) || '—'}</option>
        )}
        {options.queues.map((q) => (
          <option key={q.id} value={q.id}>
            {q.name}
          </option>
        ))}
      </select>
      <select aria-label="Override urgency" value={urgency} onChange={(e) => setUrgency(e.target.value)}>
        {!URGENCIES.includes(urgency) && <option value={urgency}>{urgency || '—'}</option>}
        {URGENCIES.map((u) => (
          <option key={u} value={u}>
            {u}
          </option>
        ))}
      </select>
      <button type="submit" disabled={saving}>
        Save override
      </button>
      <button type="button" onClick={onDone}>
        Cancel
      </button>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}

function TriageNote({
  messageId,
  triage,
  override,
}: {
  messageId: string;
  triage: Triage;
  override: TriageOverrideOptions | null;
}) {
  const [editing, setEditing] = useState(false);
  const queueName = useQueueName();
  const intentName = useIntentName();
  // The plain-words findings only: the engine's reasons name intent ids and scores. A message
  // triaged before findings existed shows its intent and queue alone.
  const findings = Array.isArray(triage.findings) ? triage.findings : [];
  return (
    <aside className="triage" aria-label="Triage decision">
      <strong>{triage.intent ? intentName(triage.intent) : 'Unclassified'}</strong>
      {/* As in the rows and the header, only an urgency above routine is a badge. */}
      {triage.urgency && triage.urgency !== 'routine' && (
        <span className={`badge urgency-${triage.urgency}`}>{triage.urgency}</span>
      )}
      {triage.queue && <span className="queue-tag">→ {queueName(triage.queue)}</span>}
      {triage.overridden ? (
        <span className="muted">overridden by staff</span>
      ) : (
        typeof triage.confidence === 'number' && (
          <span className="muted">{Math.round(triage.confidence * 100)}%</span>
        )
      )}
      {findings.length > 0 && !triage.overridden && (
        <ul className="reasons">
          {findings.slice(0, 4).map((finding) => (
            <li key={finding}>{finding}</li>
          ))}
        </ul>
      )}
      {override &&
        (editing ? (
          <TriageOverrideForm
            messageId={messageId}
            triage={triage}
            options={override}
            onDone={() => setEditing(false)}
          />
        ) : (
          <button type="button" className="link" onClick={() => setEditing(true)}>
            Override triage
          </button>
        ))}
    </aside>
  );
}

/** A send that failed for good: why, in words, and a Retry that sends it again as a new message. */
function SendFailure({ message, onRetried }: { message: Message; onRetried: () => void }) {
  const failure = message.failure!;
  const [retrying, setRetrying] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // One key per retry action, kept across attempts of it: a retry after a lost answer sends once.
  const retryKey = useRef<string | null>(null);
  const retry = async () => {
    retryKey.current ??= newIdempotencyKey();
    setRetrying(true);
    try {
      await api('POST', `/messages/${message.id}/retry`, {}, undefined, { idempotencyKey: retryKey.current });
      retryKey.current = null;
      setError(null);
      onRetried();
    } catch (err) {
      setError(err instanceof Error ? err.message : 'could not send it again');
    } finally {
      setRetrying(false);
    }
  };
  return (
    <div className="send-failure">
      <p className="failure-reason">
        <strong>Not sent.</strong> {failure.reason}
      </p>
      {failure.retriedAs ? (
        <span className="muted">Sent again</span>
      ) : (
        <button type="button" onClick={() => void retry()} disabled={retrying}>
          Retry
        </button>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </div>
  );
}

function MessageItem({
  message,
  override,
  onRetried,
}: {
  message: Message;
  override: TriageOverrideOptions | null;
  onRetried: () => void;
}) {
  const outbound = message.direction === 'outbound';
  const author = outbound
    ? (message.authorName ?? (message.authorKind === 'system' ? 'Automatic' : 'Staff'))
    : 'Patient';
  return (
    <li className={`message ${message.direction}`} data-message-id={message.id}>
      <div className="bubble">
        <div className="message-meta">
          <span className="channel-icon" role="img" aria-label={channelLabel(message.channel)}>
            {channelIcon(message.channel)}
          </span>
          <span>{author}</span>
          {message.senderUnverified && (
            <span
              className="badge sender-unverified"
              title="The sender's address could not be authenticated (SPF/DKIM/DMARC): it may be forged. Kept apart from any patient's thread."
            >
              Unverified sender
            </span>
          )}
          {message.campaignName && (
            <span
              className="badge campaign-reply"
              title="Written within the attribution window after this campaign"
            >
              Reply to campaign {message.campaignName}
            </span>
          )}
          {message.templateId && <span className="muted">template {message.templateId}</span>}
          <time dateTime={message.createdAt} title={fullDateTime(message.createdAt)}>
            {clockTime(message.createdAt)}
          </time>
        </div>
        {/* Patient-supplied text: always a React text node, never parsed as HTML. */}
        <p className="body">{message.body}</p>
        {outbound && (
          <div className="delivery">
            <span className={`status status-${message.status}`} title="Delivery status">
              {message.status}
            </span>
            {message.securedVia === 'securelink' && <span className="muted">via secure link</span>}
            {message.scheduledFor && message.status === 'pending' && (
              <span className="muted">deferred to {clockTime(message.scheduledFor)}</span>
            )}
            {message.errorCode && !message.failure && (
              <span className="error">
                {message.errorCode}
                {message.errorMessage ? `: ${message.errorMessage}` : ''}
              </span>
            )}
          </div>
        )}
        {outbound && message.failure && <SendFailure message={message} onRetried={onRetried} />}
      </div>
      {!outbound && message.triage && (
        <TriageNote messageId={message.id} triage={message.triage} override={override} />
      )}
    </li>
  );
}

function Notes({ conversation, onChanged }: { conversation: ConversationDetail; onChanged: () => void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const add = async (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim()) return;
    try {
      await api('POST', `/conversations/${conversation.id}/notes`, { body: text.trim() });
      setText('');
      setError(null);
      onChanged();
    } catch (err) {
      setError(err instanceof Error ? err.message : 'could not save the note');
    }
  };
  return (
    <section className="notes" aria-label="Internal notes">
      <h3>Internal notes</h3>
      <ul>
        {conversation.notes.map((n) => (
          <li key={n.id}>
            <span className="muted">
              {n.author?.name ?? 'staff'} · {clockTime(n.createdAt)}
            </span>
            <p>{n.body}</p>
          </li>
        ))}
      </ul>
      <form onSubmit={add}>
        <input
          aria-label="New internal note"
          placeholder="Note for colleagues (never sent)"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit">Add note</button>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}

export function ContactPanel({
  conversation,
  onChanged,
  onOpenConversation,
}: {
  conversation: ConversationDetail;
  onChanged: () => void;
  /** Opens another of the patient's conversations (the panel lists them). */
  onOpenConversation?: (id: string) => void;
}) {
  const { contact } = conversation;
  return (
    <aside className="side-panel" aria-label="Patient">
      <h2>{conversation.displayName}</h2>
      {conversation.textRequest && <TextRequestNote request={conversation.textRequest} />}
      <PatientDetails
        contactId={contact.id}
        conversationId={conversation.id}
        onChanged={onChanged}
        onOpenConversation={onOpenConversation}
      />
      <dl>
        <dt>Addresses</dt>
        <dd>
          <ul className="plain">
            {contact.identities.map((i) => (
              <li key={`${i.kind}:${i.address}`}>
                {i.kind}: {i.display || i.address}
                {i.undeliverable && <span className="error"> (undeliverable)</span>}
              </li>
            ))}
          </ul>
        </dd>
        <dt>Consents</dt>
        <dd>
          {contact.consents.length === 0 ? (
            <span className="muted">none recorded</span>
          ) : (
            <ul className="plain">
              {contact.consents.map((c) => (
                <li key={`${c.channel}:${c.purpose}`}>
                  {channelLabel(c.channel)} {c.purpose}:{' '}
                  <span className={c.status === 'opted_out' ? 'error' : 'ok'}>
                    {c.status.replace('_', ' ')}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
      <Notes conversation={conversation} onChanged={onChanged} />
    </aside>
  );
}

/**
 * The web chat visitor asked to be texted when the clinic replies. A number on file for another
 * patient is held: staff check who it is before anything is texted or merged.
 */
function TextRequestNote({ request }: { request: NonNullable<ConversationDetail['textRequest']> }) {
  return (
    <p className="text-request" role="note" aria-label="Text when we reply">
      {request.status === 'active' ? (
        <>
          Asked to be texted at <strong>{request.display}</strong> when we reply. Replies made while the chat
          is closed go by text (or a text says one is waiting).
        </>
      ) : (
        <>
          Asked to be texted at <strong>{request.display}</strong>, a number on file for another patient.
          Nothing is texted or merged: check who this is before you contact them on it.
        </>
      )}{' '}
      <span className="muted">{fullDateTime(request.requestedAt)}</span>
    </p>
  );
}

interface ActionsProps {
  conversation: ConversationDetail;
  queues: QueueSummary[];
  meId: string;
  /** Colleagues work can be handed to (supervisors and admins); null for an agent. */
  staff: StaffOption[] | null;
  act: (action: string, body?: object) => void;
}

/** Priority on triage's scale (URGENCY_RANK): 3 sorts with emergencies. */
const PRIORITIES = [
  { value: 0, label: 'P0 routine' },
  { value: 1, label: 'P1 soon' },
  { value: 2, label: 'P2 urgent' },
  { value: 3, label: 'P3 emergency' },
];
const URGENCIES = ['routine', 'soon', 'urgent', 'emergency'];

function snoozeUntil(choice: string): string {
  const at = new Date();
  if (choice === '1h') at.setHours(at.getHours() + 1);
  else if (choice === '4h') at.setHours(at.getHours() + 4);
  else {
    at.setDate(at.getDate() + 1);
    at.setHours(8, 0, 0, 0);
  }
  return at.toISOString();
}

export function ThreadActions({ conversation, queues, meId, staff, act }: ActionsProps) {
  const mine = conversation.assignee?.id === meId;
  const resolved = conversation.status === 'resolved';
  // Colleagues who may hold work in this queue (an agent only in her own queues).
  const assignable = (staff ?? []).filter(
    (s) => !s.disabled && (s.role !== 'agent' || s.queues.includes(conversation.queue)),
  );
  return (
    <div className="actions" role="toolbar" aria-label="Conversation actions">
      {!mine && !conversation.assignee && !resolved && (
        <button type="button" onClick={() => act('claim')} title="Claim (c)">
          Assign to me
        </button>
      )}
      {mine && !resolved && (
        <button type="button" onClick={() => act('assign', { staffId: null })}>
          Release
        </button>
      )}
      {staff && !resolved && (
        <select
          aria-label="Assign to"
          value={conversation.assignee?.id ?? ''}
          onChange={(e) => act('assign', { staffId: e.target.value || null })}
        >
          <option value="">Unassigned</option>
          {conversation.assignee && !assignable.some((s) => s.id === conversation.assignee!.id) && (
            <option value={conversation.assignee.id}>{conversation.assignee.name}</option>
          )}
          {assignable.map((s) => (
            <option key={s.id} value={s.id}>
              {s.id === meId ? `${s.name} (me)` : s.name}
            </option>
          ))}
        </select>
      )}
      {resolved ? (
        <button type="button" onClick={() => act('reopen')}>
          Reopen
        </button>
      ) : (
        <button type="button" onClick={() => act('resolve')} title="Resolve (e)">
          Resolve
        </button>
      )}
      <select
        aria-label="Set priority"
        value={String(conversation.priority)}
        onChange={(e) => act('priority', { priority: Number(e.target.value) })}
      >
        {PRIORITIES.map((p) => (
          <option key={p.value} value={p.value}>
            {p.label}
          </option>
        ))}
      </select>
      <select
        aria-label="Set urgency"
        value={conversation.urgency}
        onChange={(e) =>
          act('priority', {
            urgency: e.target.value,
            // Urgency and priority move together unless someone set the priority apart.
            priority: Math.max(0, URGENCIES.indexOf(e.target.value)),
          })
        }
      >
        {URGENCIES.map((u) => (
          <option key={u} value={u}>
            {u}
          </option>
        ))}
      </select>
      <select
        aria-label="Snooze"
        value=""
        onChange={(e) => e.target.value && act('snooze', { until: snoozeUntil(e.target.value) })}
      >
        <option value="">Snooze…</option>
        <option value="1h">1 hour</option>
        <option value="4h">4 hours</option>
        <option value="tomorrow">Tomorrow 08:00</option>
      </select>
      <select
        aria-label="Transfer to queue"
        value=""
        onChange={(e) => e.target.value && act('transfer', { queue: e.target.value })}
      >
        <option value="">Transfer…</option>
        {queues
          .filter((q) => q.id !== conversation.queue)
          .map((q) => (
            <option key={q.id} value={q.id}>
              {q.name}
            </option>
          ))}
      </select>
    </div>
  );
}

export function Thread({
  conversation,
  typing,
  now,
  override = null,
  onChanged,
}: {
  conversation: ConversationDetail;
  typing: boolean;
  now: number;
  /** Lets staff override triage on inbound messages; null hides the control. */
  override?: TriageOverrideOptions | null;
  /** Something staff did in the thread (a retry) changed the conversation: refetch it. */
  onChanged: () => void;
}) {
  const end = useRef<HTMLLIElement>(null);
  const queueName = useQueueName();
  const count = conversation.messages.length;
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when a message is added
  useEffect(() => {
    end.current?.scrollIntoView({ block: 'end' });
  }, [count, conversation.id]);
  const sla = conversation.status === 'resolved' ? null : slaCountdown(conversation.slaDueAt, now);
  return (
    <>
      <header className="thread-header">
        <h2>{conversation.displayName}</h2>
        {conversation.displayAddress && conversation.displayAddress !== conversation.displayName && (
          <span className="contact-address muted">{conversation.displayAddress}</span>
        )}
        {/* Routine is the norm: the urgency select in the toolbar says it; a badge would repeat it. */}
        {conversation.urgency !== 'routine' && (
          <span className={`badge urgency-${conversation.urgency}`}>{conversation.urgency}</span>
        )}
        <span className="queue-tag">{queueName(conversation.queue)}</span>
        <span className="status-tag">{conversation.status}</span>
        <span className="assignee">
          {conversation.assignee ? `Assigned to ${conversation.assignee.name}` : 'Unassigned'}
        </span>
        {sla && <span className={`sla${sla.breached ? ' breached' : ''}`}>SLA {sla.text}</span>}
        {conversation.snoozedUntil && (
          <span className="muted">snoozed until {clockTime(conversation.snoozedUntil)}</span>
        )}
      </header>
      <ol className="messages" aria-label="Messages">
        {conversation.messages.map((m) => (
          <MessageItem key={m.id} message={m} override={override} onRetried={onChanged} />
        ))}
        <li ref={end} className="typing" aria-live="polite">
          {typing ? 'A colleague is typing…' : ''}
        </li>
      </ol>
    </>
  );
}
