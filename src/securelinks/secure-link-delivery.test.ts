import { isSameNotice, MASKED_TOKEN, maskedLinkUrl, revealLinkToken } from './secure-link-delivery';
import { generateLinkToken, isWellFormedToken } from './secure-link-token';

describe('masked secure-link addresses', () => {
  const token = generateLinkToken();

  test.each([
    ['https://hub.example', `https://hub.example/s/${MASKED_TOKEN}`],
    ['https://hub.example/careline/', `https://hub.example/careline/s/${MASKED_TOKEN}`],
  ])('maskedLinkUrl(%p)', (base, expected) => {
    expect(maskedLinkUrl(base)).toBe(expected);
  });

  test.each([
    [`Read it: ${maskedLinkUrl('https://h.example')}`, `Read it: https://h.example/s/${token}`],
    [
      `<a href="${maskedLinkUrl('https://h.example')}">read</a> ${maskedLinkUrl('https://h.example')}`,
      `<a href="https://h.example/s/${token}">read</a> https://h.example/s/${token}`,
    ],
    ['No link here, just *** stars', 'No link here, just *** stars'],
  ])('revealLinkToken(%p)', (text, expected) => {
    expect(revealLinkToken(text, token)).toBe(expected);
  });

  test('the mask can never be a token, and is as long as one (a stored notice counts as sent)', () => {
    expect(isWellFormedToken(MASKED_TOKEN)).toBe(false);
    expect(MASKED_TOKEN).toHaveLength(token.length);
    const masked = `Read it: ${maskedLinkUrl('https://hub.example')}`;
    expect(revealLinkToken(masked, token)).toHaveLength(masked.length);
  });

  const stored = `New message (1 of 2): ${maskedLinkUrl('https://h.example')} [reply STOP]`;
  test.each([
    [stored, revealLinkToken(stored, token), true],
    [stored, revealLinkToken(stored, generateLinkToken()), true],
    [stored, stored, false],
    [stored, revealLinkToken(stored, token).replace('(1 of 2)', '(1 of 3)'), false],
    [stored, `${revealLinkToken(stored, token)} `, false],
    [stored, revealLinkToken(stored, `${token.slice(1)}`), false],
    ['Plain text (no link).', 'Plain text (no link).', true],
    ['Plain text (no link).', 'Plain text (no link)!', false],
  ])('isSameNotice(%p, %p) = %p', (a, b, expected) => {
    expect(isSameNotice(a, b)).toBe(expected);
  });
});
