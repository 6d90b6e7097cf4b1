import { FAVICON_PATH } from '../platform/http/web-pages';
import type { LinkMessage } from './secure-link-store';

/** The clinic as the pages name it. The phone number is shown where the patient must call. */
export interface ClinicInfo {
  name: string;
  phone?: string;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f6f8;color:#1d2731}
main{max-width:36rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002}
h1{font-size:1.3rem;margin-top:0}
label{display:block;font-weight:600;margin:1rem 0 .4rem}
input,textarea{font:inherit;padding:.5rem;border:1px solid #8a96a3;border-radius:4px;width:100%;box-sizing:border-box}
button{font:inherit;margin-top:1rem;padding:.6rem 1.2rem;border:0;border-radius:4px;background:#1f5fa8;color:#fff}
.notice{padding:.6rem .8rem;border-radius:4px;background:#fdecea;color:#8a1c10}
.ok{background:#e7f4ea;color:#1c5e2a}
.message{white-space:pre-wrap;overflow-wrap:anywhere;border-left:3px solid #1f5fa8;padding:.4rem .8rem;margin:1rem 0}
.meta{color:#5b6773;font-size:.85rem}
button:focus-visible,input:focus-visible,textarea:focus-visible{outline:3px solid #f0b400;outline-offset:2px}
@media (prefers-color-scheme:dark){
:root{color-scheme:dark}
body{background:#12161c;color:#e6e9ee}
main{background:#1b2129;box-shadow:none}
input,textarea{background:#12161c;color:#e6e9ee}
.notice{background:#2d1c1c;color:#ffc4c4}
.ok{background:#1d3a20;color:#b5e3b7}
.message{border-left-color:#8ab4ff}
.meta{color:#a3adbb}
}
`;

function layout(clinic: ClinicInfo, title: string, content: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<link rel="icon" type="image/svg+xml" href="${FAVICON_PATH}">
<title>${escapeHtml(title)} · ${escapeHtml(clinic.name)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${content}
</main>
</body>
</html>
`;
}

function callClinic(clinic: ClinicInfo): string {
  return clinic.phone
    ? `please call ${escapeHtml(clinic.name)} at <a href="tel:${escapeHtml(clinic.phone.replace(/[^+\d]/g, ''))}">${escapeHtml(clinic.phone)}</a>`
    : `please contact ${escapeHtml(clinic.name)}`;
}

/** One page for unknown, expired and malformed links alike: it must not say which. */
export function unavailablePage(clinic: ClinicInfo): string {
  return layout(
    clinic,
    'Link not available',
    `<h1>This link is not available</h1>
<p>The link may have expired or may not be valid. If you were expecting a message, ${callClinic(clinic)}.</p>`,
  );
}

/** A request the server could not read (an oversized or malformed form). */
export function unreadablePage(clinic: ClinicInfo): string {
  return layout(
    clinic,
    'Request not accepted',
    `<h1>That could not be sent</h1>
<p>The form could not be read. Please go back and try again with a shorter text.</p>`,
  );
}

export function lockedPage(clinic: ClinicInfo): string {
  return layout(
    clinic,
    'Link locked',
    `<h1>This link is locked</h1>
<p>The date of birth was entered wrongly too many times, so this link can no longer be opened. To get your message, ${callClinic(clinic)}.</p>`,
  );
}

export type DobNotice = 'format' | 'mismatch' | 'session_expired';

const DOB_NOTICES: Record<DobNotice, string> = {
  format: 'Please enter the date as YYYY-MM-DD, for example 1980-04-23.',
  mismatch: 'That does not match our records. Please check the date and try again.',
  session_expired: 'For your privacy, please confirm your date of birth again.',
};

/**
 * Asks for the date of birth only: nothing about the patient or the content. `action` is the link's
 * own path: the page is also the answer to a refused reply or chat post, whose URL is not where a
 * date of birth goes.
 */
export function dateOfBirthPage(clinic: ClinicInfo, action: string, notice?: DobNotice): string {
  return layout(
    clinic,
    'Secure message',
    `<h1>You have a secure message from ${escapeHtml(clinic.name)}</h1>
<p>To protect your privacy, please confirm your date of birth.</p>
${notice ? `<p class="notice" role="alert">${escapeHtml(DOB_NOTICES[notice])}</p>` : ''}
<form method="post" action="${escapeHtml(action)}">
<label for="dob">Date of birth (YYYY-MM-DD)</label>
<input id="dob" name="dob" type="date" required autocomplete="bday" placeholder="YYYY-MM-DD" pattern="\\d{4}-\\d{2}-\\d{2}">
<button type="submit">Continue</button>
</form>`,
  );
}

export interface ContentPageOptions {
  messages: LinkMessage[];
  /** Where the reply form posts (the link's own path + `/reply`). */
  replyAction: string;
  /** Where "Chat with the clinic" posts (the link's path + `/chat`); no offer when absent. */
  chatAction?: string;
  /** A fresh id for this form, so that resubmitting it stores the reply once. */
  submissionId: string;
  /** The session's form token (secure-link-session.ts), posted back by both forms. */
  csrfToken: string;
  notice?: 'sent' | 'reply_invalid';
}

/** The messages behind the link, oldest first, as text, and a reply form. */
export function contentPage(clinic: ClinicInfo, options: ContentPageOptions): string {
  const items = options.messages.map((m) => `<div class="message">${escapeHtml(m.body)}</div>`).join('\n');
  const notice =
    options.notice === 'sent'
      ? '<p class="notice ok" role="status">Your reply was sent to the clinic.</p>'
      : options.notice === 'reply_invalid'
        ? '<p class="notice" role="alert">Please write a reply of at most 2000 characters.</p>'
        : '';
  return layout(
    clinic,
    'Secure message',
    `<h1>Your secure message from ${escapeHtml(clinic.name)}</h1>
${items || '<p>There is no message to show.</p>'}
${notice}
<form method="post" action="${escapeHtml(options.replyAction)}">
<input type="hidden" name="csrf" value="${escapeHtml(options.csrfToken)}">
<input type="hidden" name="submission" value="${escapeHtml(options.submissionId)}">
<label for="body">Reply to the clinic</label>
<textarea id="body" name="body" rows="5" maxlength="2000" required></textarea>
<button type="submit">Send reply</button>
</form>
${
  options.chatAction
    ? `<form method="post" action="${escapeHtml(options.chatAction)}">
<input type="hidden" name="csrf" value="${escapeHtml(options.csrfToken)}">
<p>Prefer to write back and forth? Continue in a chat with the clinic: you will not need to confirm who you are again.</p>
<button type="submit">Chat with the clinic</button>
</form>`
    : ''
}
<p class="meta">Replies are read by clinic staff during opening hours. In an emergency call your local emergency number.</p>`,
  );
}
