import { createHash } from 'node:crypto';
import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';
import type { Logger } from 'pino';
import sanitizeHtml from 'sanitize-html';
import {
  HttpError,
  type InboundAttachment,
  type InboundReceipt,
  type InboundSink,
  normalizeEmail,
  type RequestMeta,
} from '../../src/channel-port';
import { type AutomatedMail, detectAutomatedMail } from './automated-mail';
import { stripQuotedHtml, stripQuotedText } from './quote-stripping';
import { looksLikeReplyAddress, verifyReplyAddress } from './reply-token';
import type { SenderAuthentication } from './sender-authentication';

/** The full original text kept in channelMeta is capped: the body is what staff read. */
const MAX_ORIGINAL_TEXT = 100_000;

export interface InboundEmailOptions {
  replyTokenSecret: string;
  maxAttachmentBytes: number;
  logger: Logger;
}

/** How one email arrived: what the transport knows besides the message itself. */
export interface EmailArrival {
  meta: RequestMeta;
  /** The SMTP envelope's recipients (RCPT TO), when the mail came over SMTP: a Bcc'd reply address shows only here. */
  envelopeRecipients?: string[];
  /**
   * Whether the From address is the sender's (SPF/DKIM/DMARC over SMTP, or the relay's verdict).
   * Absent: the transport vouches for its senders (a webhook behind a relay that authenticates).
   */
  authenticateSender?: (
    from: string,
    headerValues: (name: string) => string[],
  ) => Promise<SenderAuthentication>;
}

export type InboundEmailOutcome =
  | { kind: 'stored'; receipt: InboundReceipt }
  | { kind: 'ignored'; reason: AutomatedMail['kind'] };

interface AttachmentFacts {
  filename: string | null;
  contentType: string;
  size: number;
}

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.flatMap((group) => group.value.flatMap((a) => (a.address ? [a.address.toLowerCase()] : [])));
}

/** The unfolded raw value of a header, as the sender wrote it (mailparser's parsed forms vary by name). */
function rawHeader(parsed: ParsedMail, name: string): string | undefined {
  const line = parsed.headerLines.find((h) => h.key === name)?.line;
  if (line === undefined) return undefined;
  return line
    .slice(line.indexOf(':') + 1)
    .replace(/\r?\n[ \t]+/g, ' ')
    .trim();
}

/** Plain text of an HTML-only email: block ends become line breaks, every tag and script goes. */
export function htmlToPlainText(html: string): string {
  const withBreaks = html.replace(/<br\s*\/?>|<\/(p|div|li|tr|h[1-6]|blockquote)>/gi, '\n');
  const text = sanitizeHtml(withBreaks, { allowedTags: [], allowedAttributes: {} });
  // sanitize-html leaves text HTML-escaped; undo the escapes it makes.
  return (
    text
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&nbsp;/g, ' ')
      .replace(/&amp;/g, '&')
      // From the first blank of a run only: a long run of spaces is not re-read from each of them.
      .replace(/(?<![ \t])[ \t]+\n/g, '\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim()
  );
}

function deliveryStatusText(parsed: ParsedMail, raw: Buffer): string {
  const part = parsed.attachments.find((a) => a.contentType === 'message/delivery-status');
  // Without keepDeliveryStatus mailparser folds the report into the text; the raw message has it either way.
  return part ? part.content.toString('utf8') : raw.toString('utf8');
}

/**
 * One inbound email, from raw MIME to the conversation store: the path shared by the webhook and
 * the SMTP listener. Robots (auto-replies, bounces) are answered without a patient message.
 */
export async function receiveRawEmail(
  raw: Buffer,
  sink: InboundSink,
  options: InboundEmailOptions,
  arrival: EmailArrival,
): Promise<InboundEmailOutcome> {
  const { meta, envelopeRecipients = [] } = arrival;
  let parsed: ParsedMail;
  try {
    parsed = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  } catch {
    throw new HttpError(400, 'malformed_email', 'The request body is not a readable MIME message');
  }
  const log = options.logger.child({ requestId: meta.requestId });
  const recipients = [
    ...envelopeRecipients.map((a) => a.toLowerCase()),
    ...addresses(parsed.to),
    ...addresses(parsed.cc),
    ...(rawHeader(parsed, 'delivered-to') ?? '')
      .split(',')
      .map((a) => a.trim().replace(/^<|>$/g, '').toLowerCase())
      .filter(Boolean),
  ];
  const tokenAddress = recipients.find(looksLikeReplyAddress);
  const repliedTo = tokenAddress ? verifyReplyAddress(options.replyTokenSecret, tokenAddress) : null;

  const automated = detectAutomatedMail((name) => rawHeader(parsed, name), deliveryStatusText(parsed, raw));
  if (automated) {
    if (automated.kind === 'bounce' && automated.hard && automated.recipient) {
      await reportHardBounce(sink, log, automated, repliedTo, meta);
    } else {
      log.info({ kind: automated.kind }, 'automated email ignored');
    }
    return { kind: 'ignored', reason: automated.kind };
  }

  const senderRaw = parsed.from?.value[0]?.address;
  const sender = senderRaw ? normalizeEmail(senderRaw) : null;
  if (!sender) throw new HttpError(400, 'sender_missing', 'The email has no usable From address');

  const authentication = arrival.authenticateSender
    ? await arrival.authenticateSender(sender, (name) =>
        parsed.headerLines
          .filter((h) => h.key === name)
          .map((h) =>
            h.line
              .slice(h.line.indexOf(':') + 1)
              .replace(/\r?\n[ \t]+/g, ' ')
              .trim(),
          ),
      )
    : null;
  if (authentication && !authentication.verified) {
    // Verdicts and a reason only: never the address (logs carry no patient details).
    log.warn(
      { reason: authentication.reason, dmarc: authentication.dmarc },
      'email sender not authenticated',
    );
  }

  const html = typeof parsed.html === 'string' ? parsed.html : null;
  const htmlOnly = !parsed.text?.trim() && html !== null;
  const fullText = parsed.text?.trim() ? parsed.text : html !== null ? htmlToPlainText(html) : '';
  // An HTML-only reply marks its quoted history in markup (blockquote, gmail_quote...): cut there first.
  const stripped = stripQuotedText(
    htmlOnly && html !== null ? htmlToPlainText(stripQuotedHtml(html)) : fullText,
  );
  const accepted: AttachmentFacts[] = [];
  const files: InboundAttachment[] = [];
  const refused: (AttachmentFacts & { reason: string })[] = [];
  for (const attachment of parsed.attachments) {
    if (attachment.contentType === 'message/delivery-status') continue;
    const facts = {
      filename: attachment.filename ?? null,
      contentType: attachment.contentType,
      size: attachment.size ?? attachment.content.length,
    };
    if (facts.size > options.maxAttachmentBytes) {
      refused.push({ ...facts, reason: 'too_large' });
    } else {
      accepted.push(facts);
      files.push({ filename: facts.filename, contentType: facts.contentType, content: attachment.content });
    }
  }

  if (!fullText.trim() && parsed.attachments.length === 0) {
    // Headers and nothing else (or a body that is not MIME at all): there is nothing to store.
    throw new HttpError(400, 'email_empty', 'The email has no text, HTML or attachment');
  }

  const references = rawHeader(parsed, 'references');
  const referencedIds = references?.split(/\s+/).filter(Boolean) ?? [];
  const senderName = parsed.from?.value[0]?.name?.trim();
  const receipt = await sink.receive(
    {
      channel: 'email',
      from: { kind: 'email', address: sender, ...(senderName ? { displayName: senderName } : {}) },
      toAddress: recipients[0],
      // A reply made only of quoted text keeps it all rather than storing nothing.
      body: stripped || fullText.trim(),
      media: [],
      providerMessageId: parsed.messageId ?? `sha256:${createHash('sha256').update(raw).digest('hex')}`,
      ...(authentication && !authentication.verified ? { senderUnverified: true } : {}),
      channelMeta: {
        ...(authentication ? { senderAuthentication: authentication } : {}),
        ...(parsed.subject ? { subject: parsed.subject } : {}),
        originalText: fullText.slice(0, MAX_ORIGINAL_TEXT),
        ...(fullText.length > MAX_ORIGINAL_TEXT ? { originalTextTruncated: true } : {}),
        ...(senderName ? { fromName: senderName } : {}),
        // The header as written; `inReplyTo` is the core's: our message id, when the token proves it.
        ...(parsed.inReplyTo ? { inReplyToHeader: parsed.inReplyTo } : {}),
        ...(referencedIds.length > 0 ? { references: referencedIds } : {}),
        ...(tokenAddress
          ? repliedTo
            ? { replyToken: { address: tokenAddress, messageId: repliedTo } }
            : { replyTokenInvalid: tokenAddress }
          : {}),
        ...(accepted.length > 0 ? { attachments: accepted } : {}),
        ...(refused.length > 0 ? { attachmentsRefused: refused } : {}),
        ...(htmlOnly ? { htmlOnly: true } : {}),
      },
      // Matching order: the signed reply token, then In-Reply-To/References, then the sender address.
      ...(repliedTo ? { inReplyTo: repliedTo } : {}),
      references: [
        ...(parsed.inReplyTo ? [parsed.inReplyTo] : []),
        // The last reference is the message answered most directly.
        ...[...referencedIds].reverse(),
      ],
      attachments: files,
      refusedAttachments: refused.map((r) => ({
        filename: r.filename,
        contentType: r.contentType,
        size: r.size,
        limitBytes: options.maxAttachmentBytes,
      })),
    },
    meta,
  );
  if (refused.length > 0) {
    log.warn(
      { messageId: receipt.messageId, refused: refused.length },
      'email attachments over the size limit; the sender is told',
    );
  }
  return { kind: 'stored', receipt };
}

/**
 * A hard bounce only counts when it came back to a reply address we signed (outbound mail uses it
 * as the envelope sender): anyone can write a delivery report naming any address.
 */
async function reportHardBounce(
  sink: InboundSink,
  log: Logger,
  bounce: Extract<AutomatedMail, { kind: 'bounce' }>,
  repliedTo: string | null,
  meta: RequestMeta,
): Promise<void> {
  const address = bounce.recipient ? normalizeEmail(bounce.recipient) : null;
  if (!address || !repliedTo) {
    log.warn({ status: bounce.status }, 'hard bounce without a signed reply address; not acted on');
    return;
  }
  if (!sink.markUndeliverable) {
    log.warn({ messageId: repliedTo, status: bounce.status }, 'hard bounce; the core cannot mark addresses');
    return;
  }
  await sink.markUndeliverable(
    {
      channel: 'email',
      kind: 'email',
      address,
      messageId: repliedTo,
      providerStatus: bounce.status ?? '5.0.0',
    },
    meta,
  );
  log.info({ messageId: repliedTo, status: bounce.status }, 'hard bounce reported');
}
