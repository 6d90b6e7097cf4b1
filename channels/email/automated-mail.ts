/** Reads one header's unfolded value, or undefined when absent. */
export type HeaderLookup = (name: string) => string | undefined;

export type AutomatedMail =
  | { kind: 'auto_reply'; reason: string }
  | { kind: 'bounce'; hard: boolean; status: string | null; recipient: string | null };

/**
 * Mail no person wrote: out-of-office replies, list mail, and delivery reports. Storing these as
 * patient messages would put noise in the staff queues and could answer a robot with a robot.
 * `deliveryStatus` is the text of the message/delivery-status part of a report, when there is one.
 */
export function detectAutomatedMail(header: HeaderLookup, deliveryStatus?: string): AutomatedMail | null {
  const contentType = header('content-type') ?? '';
  if (
    /^\s*multipart\/report\b/i.test(contentType) &&
    /report-type\s*=\s*"?delivery-status"?/i.test(contentType)
  ) {
    return { kind: 'bounce', ...parseDeliveryStatus(deliveryStatus ?? '') };
  }
  const autoSubmitted = header('auto-submitted')?.trim().toLowerCase();
  if (autoSubmitted && !/^no\b/.test(autoSubmitted)) {
    return { kind: 'auto_reply', reason: `Auto-Submitted: ${autoSubmitted}` };
  }
  if (header('x-autoreply') !== undefined) return { kind: 'auto_reply', reason: 'X-Autoreply' };
  if (header('x-autorespond') !== undefined) return { kind: 'auto_reply', reason: 'X-Autorespond' };
  const precedence = header('precedence')?.trim().toLowerCase();
  if (precedence && ['bulk', 'auto_reply', 'junk', 'list'].includes(precedence)) {
    return { kind: 'auto_reply', reason: `Precedence: ${precedence}` };
  }
  return null;
}

/**
 * The first recipient's status and address in an RFC 3464 delivery-status body. A 5.x.x status is a
 * hard (permanent) failure; 4.x.x is a delay and says nothing lasting about the address.
 */
export function parseDeliveryStatus(text: string): {
  hard: boolean;
  status: string | null;
  recipient: string | null;
} {
  const status = /^Status:\s*([245]\.\d{1,3}\.\d{1,3})/im.exec(text)?.[1] ?? null;
  const recipient =
    /^Final-Recipient:\s*rfc822\s*;\s*<?([^\s<>]+@[^\s<>]+?)>?\s*$/im.exec(text)?.[1]?.toLowerCase() ??
    /^Original-Recipient:\s*rfc822\s*;\s*<?([^\s<>]+@[^\s<>]+?)>?\s*$/im.exec(text)?.[1]?.toLowerCase() ??
    null;
  return { hard: status?.startsWith('5.') ?? false, status, recipient };
}
