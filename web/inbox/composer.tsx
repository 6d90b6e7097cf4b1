import { type FormEvent, type RefObject, useEffect, useMemo, useRef, useState } from 'react';
import type * as Api from '../../contracts/inbox-api';
import { ApiError, api, newIdempotencyKey } from '../shared/api';
import { describeDecision } from './format';
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
  const [preview, setPreview] = useState<{ decision?: PolicyDecision; error?: string } | null>(null);
  const [sending, setSending] = useState(false);
  const [sendError, setSendError] = useState<string | null>(null);
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
        (answer) => setPreview({ decision: toDecision(answer) }),
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
  }, [content, conversation.contact.id, conversation.id, channel]);

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
      setSendError(err instanceof Error ? err.message : 'send failed');
    } finally {
      setSending(false);
    }
  };

  const matches = template ? null : cannedMatches(body, cannedResponses);
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
          <select value={templateId} onChange={(e) => setTemplateId(e.target.value)}>
            <option value="">Free text</option>
            {templates.map((t) => (
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
              <option value="phi">PHI (health information)</option>
              <option value="limited">Limited</option>
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
            <label key={v.name}>
              {v.name}
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
          {preview?.decision && (
            <>
              <span className={preview.decision.allowed ? 'ok' : 'blocked'}>
                {describeDecision(preview.decision)}
              </span>
              {preview.decision.reasons.length > 0 && (
                <span className="reasons" title={preview.decision.reasons.join('\n')}>
                  {' '}
                  ({preview.decision.reasons.slice(0, 2).join('; ')})
                </span>
              )}
            </>
          )}
          {preview?.error && <span className="blocked">{preview.error}</span>}
          {!preview && missing.length > 0 && <span className="blocked">fill in {missing.join(', ')}</span>}
        </output>
        {sendError && (
          <span role="alert" className="error">
            {sendError}
          </span>
        )}
        <button
          type="submit"
          disabled={!content || sending || missing.length > 0 || preview?.decision?.allowed === false}
        >
          {sending ? 'Sending…' : 'Send'}
        </button>
      </div>
    </form>
  );
}
