import { deriveSubject, domainOf, plainTextToHtml } from './outbound-mail';

describe('deriveSubject', () => {
  test.each([
    ['the first line', 'Your results are ready\nPlease call us.', 'Your results are ready'],
    ['leading blank lines skipped and spaces collapsed', '\n\n   Hello   there  \nmore', 'Hello there'],
    ['an empty body', '', 'Message from Riverside Clinic'],
    ['a blank body', '  \n \n', 'Message from Riverside Clinic'],
    ['exactly 78 characters kept', 'a'.repeat(78), 'a'.repeat(78)],
    ['longer lines cut to 78 with an ellipsis', 'b'.repeat(100), `${'b'.repeat(77)}…`],
  ])('%s', (_name, body, expected) => {
    const subject = deriveSubject(body, 'Riverside Clinic');
    expect(subject).toBe(expected);
    expect([...subject].length).toBeLessThanOrEqual(78);
  });
});

test('plainTextToHtml escapes markup and keeps line breaks', () => {
  const html = plainTextToHtml('Hi <b>Ana</b> & "co"\nline 2\n\nnew paragraph');
  expect(html).toContain('<p>Hi &lt;b&gt;Ana&lt;/b&gt; &amp; &quot;co&quot;<br>\nline 2</p>');
  expect(html).toContain('<p>new paragraph</p>');
  expect(html).not.toContain('<b>');
});

test.each([
  ['clinic@example.org', 'example.org'],
  ['"Riverside Clinic" <No-Reply@Mail.Example.org>', 'mail.example.org'],
  ['nobody', null],
])('domainOf(%s)', (address, expected) => {
  expect(domainOf(address)).toBe(expected);
});
