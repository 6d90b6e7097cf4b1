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
  return `<!doctype html><html><body>${paragraphs.join('\n')}</body></html>`;
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
