/**
 * Where the quoted history or the signature of a reply begins: everything from such a line on is
 * not what the patient wrote now. English and Spanish clients' attribution lines, the "-- "
 * signature delimiter (also without its trailing space, which some clients drop), and Outlook's
 * original-message separators.
 */
const CUT_LINES: readonly RegExp[] = [
  /^On .* wrote:$/,
  /^El .* escribi[óo]:$/,
  /^--$/,
  /^-{2,}\s*(Original Message|Mensaje original)\s*-{2,}$/i,
];

/** The newly written part of a plain-text email: quoted (`>`) lines and what follows a cut line removed. */
export function stripQuotedText(text: string): string {
  const kept: string[] = [];
  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.trim();
    if (CUT_LINES.some((pattern) => pattern.test(line))) break;
    if (line.startsWith('>')) continue;
    kept.push(raw.trimEnd());
  }
  return kept.join('\n').trim();
}
