import { storableDeep, storableText } from './storable-text';

test.each([
  ['plain text', 'chest pain since 3am', 'chest pain since 3am'],
  ['a NUL', 'a\u0000b', 'a\uFFFDb'],
  ['NULs only', '\u0000\u0000', '\uFFFD\uFFFD'],
  ['a lone high surrogate', 'x\uD83Dy', 'x\uFFFDy'],
  ['a lone low surrogate', 'x\uDE00y', 'x\uFFFDy'],
  ['a high surrogate at the end', 'x\uD83D', 'x\uFFFD'],
  ['a real emoji (a surrogate pair)', 'ok \uD83D\uDE00', 'ok \uD83D\uDE00'],
  ['two high surrogates then a low one', '\uD83D\uD83D\uDE00', '\uFFFD\uD83D\uDE00'],
  ['accents and CJK', 'Ana María 李', 'Ana María 李'],
])('%s', (_name, input, expected) => {
  expect(storableText(input)).toBe(expected);
});

test('every string of a message is made storable, keys included; untouched parts keep their identity', () => {
  const content = Buffer.from([0, 1, 2]);
  const media = [{ url: 'https://files.example/x.png', contentType: 'image/png' }];
  const message = {
    body: 'hi\u0000',
    from: { address: 'a@example.org', displayName: 'Ana\uD800' },
    media,
    attachments: [{ filename: 'a\u0000.pdf', content }],
    channelMeta: { 'k\u0000': ['v\u0000', 3, null, true] },
  };
  const clean = storableDeep(message);
  expect(clean).toEqual({
    body: 'hi\uFFFD',
    from: { address: 'a@example.org', displayName: 'Ana\uFFFD' },
    media,
    attachments: [{ filename: 'a\uFFFD.pdf', content }],
    channelMeta: { 'k\uFFFD': ['v\uFFFD', 3, null, true] },
  });
  expect(clean.media).toBe(media);
  expect(clean.attachments[0]!.content).toBe(content);
  expect(JSON.parse(JSON.stringify(clean.channelMeta))).toEqual(clean.channelMeta);
  const already = { body: 'fine', n: 1 };
  expect(storableDeep(already)).toBe(already);
});
