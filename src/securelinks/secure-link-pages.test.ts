import { contentPage, dateOfBirthPage, escapeHtml, lockedPage, unavailablePage } from './secure-link-pages';

const clinic = { name: 'Riverside <Clinic>', phone: '+1 (415) 555-0100' };

describe('secure link pages', () => {
  test.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    [`"quoted" & 'single'`, '&quot;quoted&quot; &amp; &#39;single&#39;'],
    ['plain', 'plain'],
  ])('escapeHtml(%p)', (input, expected) => {
    expect(escapeHtml(input)).toBe(expected);
  });

  test('the content page escapes bodies and keeps their line breaks', () => {
    const html = contentPage(clinic, {
      messages: [{ id: 'm1', body: 'Line one\n<img src=x onerror=alert(1)>', createdAt: new Date() }],
      replyAction: '/s/abc/reply',
      submissionId: '6f1f7a64-3f7e-4f59-9a55-3a1d2a8c0b11',
      csrfToken: 'form-token',
    });
    expect(html).toContain('Line one\n&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
    expect(html).toContain('Riverside &lt;Clinic&gt;');
    expect(html).toContain('white-space:pre-wrap');
  });

  test('the date-of-birth page asks for the date only', () => {
    const html = dateOfBirthPage(clinic, '/s/abc');
    expect(html.match(/<input /g)).toHaveLength(1);
    expect(html).toContain('name="dob"');
    // Also when it answers a refused post to /s/abc/reply: the date goes to the link, not there.
    expect(html).toContain('<form method="post" action="/s/abc">');
  });

  test('the locked page gives the clinic phone number; the unavailable page does not say why', () => {
    expect(lockedPage(clinic)).toContain('href="tel:+14155550100"');
    expect(unavailablePage(clinic)).not.toMatch(/expired on|unknown|locked/i);
  });
});
