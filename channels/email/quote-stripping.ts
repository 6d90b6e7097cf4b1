/**
 * Where the quoted history or the signature of a reply begins: everything from such a line on is
 * not what the patient wrote now. English and Spanish clients' attribution lines, the "-- "
 * signature delimiter (also without its trailing space, which some clients drop), Outlook's
 * original-message separators, and the sign-offs mobile mail apps add under every message.
 */
const CUT_LINES: readonly RegExp[] = [
  /^On .* wrote:$/,
  /^El .* escribi[óo]:$/,
  /^--$/,
  /^-{2,}\s*(Original Message|Mensaje original)\s*-{2,}$/i,
  /^Sent from my (iPhone|iPad|Android|Samsung|Galaxy|BlackBerry|Huawei|Pixel)\b[\w .'-]{0,40}$/i,
  /^Sent from (Outlook|Yahoo Mail|Mail for Windows)\b[\w .'-]{0,40}$/i,
  /^Get Outlook for (iOS|Android)$/i,
  /^Enviado desde mi (iPhone|iPad|Android|Samsung|Galaxy|Huawei|Pixel|móvil|celular|teléfono)\b[\w .'áéíóú-]{0,40}$/i,
  /^(Obtener|Obtenga) Outlook para (iOS|Android)$/i,
];

/**
 * The first line of an attribution a client wrapped (long names and addresses push "wrote:" down a
 * line). It ends in a name, an address or a `<`, never as a sentence does.
 */
const WRAPPED_ATTRIBUTION_START = /^(On|El) \S.*[^.!?]$/;
const WRAPPED_ATTRIBUTION_END = /(wrote|escribi[óo]):$/;
/** Longer than this, two lines are prose, not one wrapped attribution. */
const MAX_ATTRIBUTION = 200;

const isCut = (line: string) => CUT_LINES.some((pattern) => pattern.test(line));

/** The newly written part of a plain-text email: quoted (`>`) lines and what follows a cut line removed. */
export function stripQuotedText(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const kept: string[] = [];
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (isCut(line)) break;
    const next = lines[index + 1]?.trim() ?? '';
    if (
      WRAPPED_ATTRIBUTION_START.test(line) &&
      WRAPPED_ATTRIBUTION_END.test(next) &&
      line.length + next.length <= MAX_ATTRIBUTION &&
      isCut(`${line} ${next}`)
    ) {
      break;
    }
    if (line.startsWith('>')) continue;
    kept.push(raw.trimEnd());
  }
  return kept.join('\n').trim();
}

/**
 * Where quoted history starts in an HTML reply: a `<blockquote>` (Apple Mail, Thunderbird, Gmail's
 * inner quote), Gmail's and Yahoo's quote containers, Outlook's reply header (`divRplyFwdMsg`,
 * `appendonsend`), or Outlook's "-----Original Message-----" written into the HTML.
 * Linear in the length of the HTML, whatever a sender puts in it: a tag is read only up to the next
 * `<` or `>` (so "<a <a <a ..." is not re-read from every `<` to the end of the message), and a run
 * of dashes only from its first dash.
 */
const HTML_QUOTE_START =
  /<blockquote\b[^<>]*>|<[a-z][a-z0-9]*\b[^<>]*\bclass\s*=\s*["'][^"'<>]*\b(gmail_quote|yahoo_quoted)\b[^<>]*>|<[a-z][a-z0-9]*\b[^<>]*\bid\s*=\s*["']?(divRplyFwdMsg|appendonsend)\b[^<>]*>|(?<!-)-{3,}\s*(Original Message|Mensaje original)\s*-{3,}/i;

/**
 * The newly written part of an HTML-only reply, still HTML: everything from the first quoted-history
 * marker on is cut (replies are written above the quote). The caller converts it to text.
 */
export function stripQuotedHtml(html: string): string {
  const match = HTML_QUOTE_START.exec(html);
  return match ? html.slice(0, match.index) : html;
}
