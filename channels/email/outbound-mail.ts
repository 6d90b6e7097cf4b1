import type { AnsweredMessage, OutboundEnvelope } from '../../src/channel-port';
import type { OutgoingMail } from './smtp-transport';

/** RFC 5322's recommended line length: a subject longer than this is cut. */
const MAX_SUBJECT = 78;

/** The subject of an outbound email: its first non-empty line, or "Message from <clinic>". */
export function deriveSubject(body: string, clinicName: string): string {
  const first = body
    .split(/\r?\n/)
    .map((line) => line.trim().replace(/\s+/g, ' '))
    .find((line) => line.length > 0);
  if (!first) return `Message from ${clinicName}`;
  return first.length <= MAX_SUBJECT ? first : `${first.slice(0, MAX_SUBJECT - 1).trimEnd()}…`;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** A minimal HTML rendering of a plain-text body: escaped, paragraphs and line breaks kept. */
export function plainTextToHtml(body: string): string {
  const escaped = body.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
  const paragraphs = escaped
    .replace(/\r\n?/g, '\n')
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${p.replace(/\n/g, '<br>\n')}</p>`);
  return asHtmlDocument(paragraphs.join('\n'));
}

/** The domain of an address, written bare or as `Name <local@domain>`. */
export function domainOf(address: string): string | null {
  const bare = /<([^<>]+)>\s*$/.exec(address)?.[1] ?? address;
  const at = bare.lastIndexOf('@');
  return at === -1
    ? null
    : bare
        .slice(at + 1)
        .trim()
        .toLowerCase() || null;
}

/** A message id as it travels in headers: `<local@domain>`, nothing that could end the header. */
const MESSAGE_ID = /^<[^<>\s@]+@[^<>\s@]+>$/;
/** References kept on a reply: the thread's root and its latest messages (RFC 5322 §3.6.4 allows trimming). */
const MAX_REFERENCES = 20;

/** One line: a header value must not carry line breaks (the transport folds long ones itself). */
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The subject of a reply: the patient's subject, with one "Re: " in front (none added twice). */
export function replySubject(subject: string): string {
  const clean = oneLine(subject);
  return /^re\s*:/i.test(clean) ? clean : `Re: ${clean}`;
}

export interface ThreadHeaders {
  inReplyTo: string;
  references: string[];
  /** The answered message's subject, when it had one. */
  subject?: string;
}

/**
 * In-Reply-To and References for a reply to `answered` (RFC 5322 §3.6.4): its References (or, when
 * it has none, its single In-Reply-To) followed by its Message-ID. Null when the answered mail had no
 * Message-ID of its own (stored under a hash of its content): nothing can point at it.
 */
export function threadHeaders(answered: AnsweredMessage): ThreadHeaders | null {
  const id = answered.providerMessageId;
  if (!MESSAGE_ID.test(id)) return null;
  const meta = answered.channelMeta;
  const stored = Array.isArray(meta.references)
    ? meta.references.filter((r): r is string => typeof r === 'string' && MESSAGE_ID.test(r))
    : [];
  const parent =
    stored.length === 0 && typeof meta.inReplyToHeader === 'string' && MESSAGE_ID.test(meta.inReplyToHeader)
      ? [meta.inReplyToHeader]
      : stored;
  const chain = [...parent.filter((r) => r !== id), id];
  const references =
    chain.length <= MAX_REFERENCES ? chain : [chain[0]!, ...chain.slice(-(MAX_REFERENCES - 1))];
  const subject = typeof meta.subject === 'string' && oneLine(meta.subject) ? meta.subject : undefined;
  return { inReplyTo: id, references, ...(subject ? { subject } : {}) };
}

/** The parts of an outgoing mail that come from the message itself (the adapter adds the addresses). */
export type ComposedMail = Pick<OutgoingMail, 'subject' | 'text' | 'html' | 'inReplyTo' | 'references'>;

/**
 * What an outbound message becomes as an email. A template's own subject and HTML are used as
 * rendered (clinic-written, variables escaped); free text gets a subject from its first line, or
 * "Re: <the patient's subject>" when it answers a patient's email, and an escaped HTML rendering.
 */
export function composeMail(envelope: OutboundEnvelope, clinicName: string): ComposedMail {
  const thread = envelope.answering ? threadHeaders(envelope.answering) : null;
  const subject = envelope.subject
    ? oneLine(envelope.subject)
    : thread?.subject
      ? replySubject(thread.subject)
      : deriveSubject(envelope.body, clinicName);
  return {
    subject,
    text: envelope.body,
    html: envelope.html ? asHtmlDocument(envelope.html) : plainTextToHtml(envelope.body),
    ...(thread ? { inReplyTo: thread.inReplyTo, references: thread.references } : {}),
  };
}

/** A template's HTML part is a fragment (`<p>…</p>`); it goes out as a whole document. */
function asHtmlDocument(html: string): string {
  return /^\s*(<!doctype|<html)/i.test(html) ? html : `<!doctype html><html><body>${html}</body></html>`;
}
