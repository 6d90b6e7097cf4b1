import { type FormEvent, type RefObject, useEffect, useMemo, useRef, useState } from 'react';
import type * as Api from '../../contracts/inbox-api';
import { ApiError, api, newIdempotencyKey } from '../shared/api';
import { DateOfBirthForm } from './date-of-birth-form';
import { channelLabel } from './format';
import {
  type CannedResponse,
  type ConversationDetail,
  type PolicyDecision,
  refusalOf,
  type TemplateInfo,
  toDecision,
} from './model';

/** `/` then the start of a shortcut, alone in the box: the composer offers the matching canned responses. */
export function cannedMatches(body: string, canned: CannedResponse[]): CannedResponse[] | null {
  const command = /^\/([a-z0-9-]*)$/i.exec(body);
  if (!command) return null;
  const prefix = command[1]!.toLowerCase();
  return canned.filter((c) => c.shortcut.startsWith(prefix)).slice(0, 8);
}

interface Props {
  conversation: ConversationDetail;
  templates: TemplateInfo[];
  /** The clinic's canned responses, offered when the reply starts with `/`. */
  cannedResponses: CannedResponse[];
  replyRef: RefObject<HTMLTextAreaElement | null>;
  onTyping: () => void;
  onSent: () => void;
}

type Sensitivity = 'phi' | 'limited' | 'public';

function lastInboundChannel(conversation: ConversationDetail): string | undefined {
  for (let i = conversation.messages.length - 1; i >= 0; i -= 1) {
    const m = conversation.messages[i];
    if (m?.direction === 'inbound') return m.channel;
  }
  return undefined;
}

/** Reply box: free text or a template, with the policy decision previewed as one types. */
export function Composer({ conversation, templates, cannedResponses, replyRef, onTyping, onSent }: Props) {
  const [body, setBody] = useState('');
  const [sensitivity, setSensitivity] = useState<Sensitivity>('phi');
  const [templateId, setTemplateId] = useState('');
  const [variables, setVariables] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<{
    decision?: PolicyDecision;
    error?: string;
    /** A template's text as the patient will read it, and where. */
    rendered?: { channel: string; text: string };
  } | null>(null);
  const [sending, setSending] = useState(false);
  const [sendError, setSendError] = useState<string | null>(null);
  // Bumped when the contact changed under the preview (a date of birth added): decide again.
  const [recheck, setRecheck] = useState(0);
  const [addingBirthDate, setAddingBirthDate] = useState(false);
  const lastTyping = useRef(0);
  // The Idempotency-Key of the message being sent, and what it was made for.
  const sendKey = useRef<{ content: object; conversationId: string; key: string } | null>(null);

  const template = templates.find((t) => t.id === templateId) ?? null;
  const missing = template
    ? template.variables.filter((v) => v.required && !variables[v.name]?.trim()).map((v) => v.name)
    : [];
  const channel = lastInboundChannel(conversation);

  // A new conversation starts with an empty composer.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the conversation changes
  useEffect(() => {
    setBody('');
    setTemplateId('');
    setVariables({});
    setPreview(null);
    setSendError(null);
    setSensitivity('phi');
    setAddingBirthDate(false);
  }, [conversation.id]);

  const content = useMemo(() => {
    if (template) {
      const vars: Record<string, string | number> = {};
      for (const v of template.variables) {
        const value = variables[v.name]?.trim();
        // The API wants numbers as JSON numbers; a number field left half-typed stays text, and is refused.
        if (value)
          vars[v.name] = v.type === 'number' && Number.isFinite(Number(value)) ? Number(value) : value;
      }
      return { template: template.id, variables: vars };
    }
    const text = body.trim();
    return text ? { body: text, sensitivity } : null;
  }, [template, variables, body, sensitivity]);

  // Debounced dry run of the policy for what is in the box right now.
  // biome-ignore lint/correctness/useExhaustiveDependencies: recheck asks for the same check again
  useEffect(() => {
    if (!content) {
      setPreview(null);
      return;
    }
    const abort = new AbortController();
    const timer = setTimeout(() => {
      api<Api.PolicyCheckResponse>(
        'POST',
        '/policy/check',
        {
          to: { contactId: conversation.contact.id },
          conversationId: conversation.id,
          ...(channel ? { channel } : {}),
          ...content,
        },
        abort.signal,
      ).then(
        (answer) => setPreview({ decision: toDecision(answer), rendered: answer.rendered }),
        (err: unknown) => {
          if (abort.signal.aborted) return;
          const decision = err instanceof ApiError ? refusalOf(err.status, err.body) : null;
          setPreview(
            decision ? { decision } : { error: err instanceof Error ? err.message : 'policy check failed' },
          );
        },
      );
    }, 300);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [content, conversation.contact.id, conversation.id, channel, recheck]);

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    if (!content || sending) return;
    setSending(true);
    setSendError(null);
    // One key per message composed: pressing Send again after an error (or a lost answer) reuses it,
    // so the hub sends the reply once; an edit makes it another message, with a new key.
    const same = sendKey.current?.content === content && sendKey.current.conversationId === conversation.id;
    const key = same && sendKey.current ? sendKey.current.key : newIdempotencyKey();
    sendKey.current = { content, conversationId: conversation.id, key };
    try {
      await api('POST', `/conversations/${conversation.id}/messages`, content, undefined, {
        idempotencyKey: key,
      });
      sendKey.current = null;
      setBody('');
      setVariables({});
      setTemplateId('');
      setPreview(null);
      onSent();
    } catch (err) {
      // A refusal shows in the preview with its ways out; its message is already the plain sentence.
      const refused = err instanceof ApiError ? refusalOf(err.status, err.body) : null;
      if (refused) setPreview({ decision: refused });
      setSendError(err instanceof Error ? err.message : 'send failed');
    } finally {
      setSending(false);
    }
  };

  // A template starts with the values the clinic already knows (its name, its crisis line) filled in.
  const pickTemplate = (id: string) => {
    setTemplateId(id);
    const picked = templates.find((t) => t.id === id);
    setVariables(
      Object.fromEntries((picked?.variables ?? []).flatMap((v) => (v.value ? [[v.name, v.value]] : []))),
    );
  };

  const matches = template ? null : cannedMatches(body, cannedResponses);
  const remedies = preview?.decision?.guidance?.remedies ?? [];
  const insertCanned = (canned: CannedResponse) => {
    setBody(canned.body);
    replyRef.current?.focus();
  };

  const typed = (value: string) => {
    setBody(value);
    if (Date.now() - lastTyping.current > 2000) {
      lastTyping.current = Date.now();
      onTyping();
    }
  };

  return (
    <form className="composer" onSubmit={submit} aria-label="Reply to patient">
      <div className="composer-options">
        <label>
          Template
          <select value={templateId} onChange={(e) => pickTemplate(e.target.value)}>
            <option value="">Free text</option>
            {/* The hub's own messages (safety reply, STOP confirmation) are not for staff to send. */}
            {templates
              .filter((t) => !t.system)
              .map((t) => (
                <option key={t.id} value={t.id}>
                  {t.title}
                </option>
              ))}
          </select>
        </label>
        {!template && (
          <label>
            Sensitivity
            <select value={sensitivity} onChange={(e) => setSensitivity(e.target.value as Sensitivity)}>
              <option value="phi">Health information (PHI)</option>
              <option value="limited">Limited: no health details</option>
              <option value="public">Public</option>
            </select>
          </label>
        )}
        {template && <span className="muted">sensitivity: {template.sensitivity}</span>}
      </div>
      {template ? (
        <fieldset className="variables">
          <legend>Variables</legend>
          {template.variables.length === 0 && <span className="muted">none</span>}
          {template.variables.map((v) => (
            <label key={v.name} title={v.description ?? undefined}>
              {v.label}
              {v.required ? ' *' : ''}
              <input
                type={
                  v.type === 'date'
                    ? 'date'
                    : v.type === 'datetime'
                      ? 'datetime-local'
                      : v.type === 'url'
                        ? 'url'
                        : v.type === 'number'
                          ? 'number'
                          : 'text'
                }
                value={variables[v.name] ?? ''}
                title={v.description ?? undefined}
                onChange={(e) => setVariables((now) => ({ ...now, [v.name]: e.target.value }))}
              />
            </label>
          ))}
        </fieldset>
      ) : (
        <textarea
          ref={replyRef}
          aria-label="Reply"
          placeholder="Write a reply… (Ctrl+Enter sends)"
          rows={3}
          value={body}
          onChange={(e) => typed(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void submit();
            else if ((e.key === 'Enter' || e.key === 'Tab') && matches?.[0]) {
              e.preventDefault();
              insertCanned(matches[0]);
            }
          }}
        />
      )}
      {matches && (
        <ul className="canned-matches" aria-label="Canned responses">
          {matches.length === 0 && <li className="muted">No canned response starts with that.</li>}
          {matches.map((c) => (
            <li key={c.id}>
              <button type="button" onClick={() => insertCanned(c)}>
                <strong>/{c.shortcut}</strong> {c.body}
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="composer-footer">
        <output aria-label="Policy preview" aria-live="polite" className="policy-preview">
          {preview?.decision?.guidance ? (
            <>
              <span className={preview.decision.allowed ? 'ok' : 'blocked'}>
                {preview.decision.guidance.summary}
              </span>
              {preview.decision.reasons.length > 0 && (
                <details className="reasons">
                  <summary>Why</summary>
                  <ul>
                    {preview.decision.reasons.map((r) => (
                      <li key={r}>{r}</li>
                    ))}
                  </ul>
                </details>
              )}
            </>
          ) : null}
          {preview?.error && <span className="blocked">{preview.error}</span>}
          {!preview && missing.length > 0 && (
            <span className="blocked">
              fill in{' '}
              {missing
                .map((name) => template?.variables.find((v) => v.name === name)?.label ?? name)
                .join(', ')}
            </span>
          )}
        </output>
        {preview?.rendered && (
          <figure className="rendered-preview" aria-label="What the patient will read">
            <figcaption className="muted">
              {preview.rendered.channel === 'securelink'
                ? 'The patient will read, behind the secure link:'
                : `The patient will read, by ${channelLabel(preview.rendered.channel)}:`}
            </figcaption>
            {/* Rendered from the clinic's template and staff input: shown as text, never HTML. */}
            <p className="rendered-text">{preview.rendered.text}</p>
          </figure>
        )}
        {remedies.length > 0 && (
          <span className="reply-remedies">
            {remedies.includes('add_date_of_birth') && !addingBirthDate && (
              <button type="button" onClick={() => setAddingBirthDate(true)}>
                Add date of birth
              </button>
            )}
            {remedies.includes('mark_not_sensitive') && (
              <button type="button" onClick={() => setSensitivity('limited')}>
                Mark as not sensitive
              </button>
            )}
            {remedies.includes('send_as_secure_link') && (
              <button type="button" onClick={() => setSensitivity('phi')}>
                Use a secure link instead
              </button>
            )}
          </span>
        )}
        {addingBirthDate && (
          <DateOfBirthForm
            contactId={conversation.contact.id}
            onSaved={() => {
              setAddingBirthDate(false);
              setSendError(null);
              setRecheck((n) => n + 1);
            }}
            onCancel={() => setAddingBirthDate(false)}
          />
        )}
        {sendError && (
          <span role="alert" className="error">
            {sendError}
          </span>
        )}
        <button
          type="submit"
          disabled={!content || sending || missing.length > 0 || preview?.decision?.allowed === false}
        >
          {sending ? 'Sending…' : preview?.decision?.securedVia ? 'Send as secure link' : 'Send'}
        </button>
      </div>
    </form>
  );
}
