import { htmlToPlainText } from './inbound-email';
import { stripQuotedHtml, stripQuotedText } from './quote-stripping';

describe('stripQuotedText', () => {
  test.each([
    ['plain text is kept', 'Can I come at 3pm?', 'Can I come at 3pm?'],
    [
      'Gmail (English) attribution and quote',
      'Yes, 3pm works.\n\nOn Mon, Jun 2, 2025 at 9:14 AM Riverside Clinic <no-reply@clinic.org> wrote:\n> Your appointment is tomorrow.\n',
      'Yes, 3pm works.',
    ],
    [
      'Gmail (Spanish) attribution',
      'Sí, a las 3 me viene bien.\n\nEl lun, 2 jun 2025 a las 9:14, Clínica Riverside (<no-reply@clinic.org>) escribió:\n> Su cita es mañana.',
      'Sí, a las 3 me viene bien.',
    ],
    [
      'Apple Mail (Spanish) attribution',
      'Gracias\n\nEl 2 jun 2025, a las 9:14, Clínica <no-reply@clinic.org> escribió:\n\n> Hola',
      'Gracias',
    ],
    ['signature delimiter', 'See you then\n-- \nMaria Lopez\n555-0100', 'See you then'],
    ['signature delimiter without its trailing space', 'See you then\n--\nMaria', 'See you then'],
    [
      'Outlook original-message separator',
      'Thanks!\r\n\r\n-----Original Message-----\r\nFrom: Clinic\r\nSent: Monday',
      'Thanks!',
    ],
    [
      'interleaved quoted lines are dropped',
      '> question one?\nanswer one\n> question two?\nanswer two',
      'answer one\nanswer two',
    ],
    ['CRLF line ends', 'line one\r\nline two\r\n', 'line one\nline two'],
    ['a dash inside text is not a signature', 'Pain is 3 -- maybe 4', 'Pain is 3 -- maybe 4'],
    ['only quoted text leaves nothing', '> quoted\n> more', ''],
    [
      'an English attribution wrapped over two lines (Gmail, long sender)',
      'Friday is fine.\n\nOn Mon, Jun 2, 2025 at 9:14 AM Riverside Family Medicine Clinic <\nno-reply@riverside-family-medicine.org> wrote:\n> Your appointment is tomorrow.',
      'Friday is fine.',
    ],
    [
      'an English attribution wrapped before "wrote:"',
      'Thanks\nOn Tue, 3 Jun 2025, 08:01 Riverside Clinic, <care@clinic.org>\nwrote:\n\n> See you',
      'Thanks',
    ],
    [
      'a Spanish attribution wrapped over two lines',
      'Perfecto.\n\nEl lun, 2 jun 2025 a las 9:14, Clínica Familiar Riverside (<\nno-reply@clinic.org>) escribió:\n> Su cita',
      'Perfecto.',
    ],
    [
      'two lines of prose that happen to start with "On" and end with "wrote:" are kept',
      'On my last visit the doctor said my results were fine, and that I should come back in six months if the cough is still there after the new medicine, which is what I am doing now.\nHere is what the pharmacist wrote:',
      'On my last visit the doctor said my results were fine, and that I should come back in six months if the cough is still there after the new medicine, which is what I am doing now.\nHere is what the pharmacist wrote:',
    ],
    ['"Sent from my iPhone"', 'Running 10 min late\n\nSent from my iPhone', 'Running 10 min late'],
    [
      '"Sent from my iPhone" above the quoted history',
      'ok\n\nSent from my iPhone\n\n> On Jun 2, 2025, at 9:14 AM, Clinic wrote:\n> hi',
      'ok',
    ],
    ['"Sent from my Android"', 'See you at 3\nSent from my Android', 'See you at 3'],
    ['"Sent from my Samsung Galaxy smartphone."', 'Yes\n\nSent from my Samsung Galaxy smartphone.', 'Yes'],
    ['"Get Outlook for iOS"', 'Confirmed.\n\nGet Outlook for iOS', 'Confirmed.'],
    ['"Get Outlook for Android"', 'Confirmed.\r\n\r\nGet Outlook for Android\r\n', 'Confirmed.'],
    ['Spanish "Enviado desde mi iPhone"', 'Ahí estaré\n\nEnviado desde mi iPhone', 'Ahí estaré'],
    [
      'a sentence that mentions a phone is not a sign-off',
      'Sent from my iPhone yesterday, did you get the photo of the rash I took?',
      'Sent from my iPhone yesterday, did you get the photo of the rash I took?',
    ],
  ])('%s', (_name, input, expected) => {
    expect(stripQuotedText(input)).toBe(expected);
  });
});

describe('stripQuotedHtml, then as the stored text', () => {
  const reply = (html: string) => stripQuotedText(htmlToPlainText(stripQuotedHtml(html)));

  test.each([
    [
      'Gmail: gmail_quote container with its attribution',
      '<div dir="ltr">Yes, Friday works.</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, Jun 2, 2025 at 9:14 AM Clinic &lt;care@clinic.org&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px">Your appointment is tomorrow.</blockquote></div>',
      'Yes, Friday works.',
    ],
    [
      'Gmail: newer gmail_quote_container class list',
      '<div>See you</div><div class="gmail_quote gmail_quote_container"><blockquote>old</blockquote></div>',
      'See you',
    ],
    [
      'Apple Mail: attribution in a div, then blockquote type=cite',
      '<html><body><div>Thank you!</div><div><br><blockquote type="cite"><div>On Jun 2, 2025, at 9:14 AM, Clinic wrote:</div><div>Reminder</div></blockquote></div></body></html>',
      'Thank you!',
    ],
    [
      'Apple Mail: attribution before the blockquote is cut as a line',
      '<div>Thank you!</div><div><br><div>On Jun 2, 2025, at 9:14 AM, Riverside Clinic &lt;care@clinic.org&gt; wrote:</div><blockquote type="cite">Reminder</blockquote></div>',
      'Thank you!',
    ],
    [
      'Outlook web/mobile: divRplyFwdMsg reply header',
      '<div dir="ltr">I will be there.</div><hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr"><b>From:</b> Clinic<br><b>Sent:</b> Monday</div><div>Reminder text</div>',
      'I will be there.',
    ],
    [
      'Outlook: appendonsend marker',
      '<div>Got it</div><div id="appendonsend"></div><hr><div><b>From:</b> Clinic</div>',
      'Got it',
    ],
    [
      'Outlook desktop: -----Original Message----- in the HTML',
      '<p class="MsoNormal">Please call me.</p><p class="MsoNormal">-----Original Message-----<br>From: Clinic<br>Sent: Monday</p>',
      'Please call me.',
    ],
    [
      'Yahoo: yahoo_quoted container',
      '<div>Sounds good</div><div id="yahoo_quoted_123" class="yahoo_quoted"><div>On Monday, Clinic wrote:</div></div>',
      'Sounds good',
    ],
    [
      'a mobile sign-off in HTML',
      '<div>Running late</div><div><br></div><div>Sent from my iPhone</div><blockquote type="cite">old</blockquote>',
      'Running late',
    ],
    [
      'HTML without a quote is kept whole',
      '<p>Fever since <b>Monday</b></p><p>Thanks</p>',
      'Fever since Monday\nThanks',
    ],
  ])('%s', (_name, html, expected) => {
    expect(reply(html)).toBe(expected);
  });

  test('a reply that is only a quote leaves nothing (the caller then keeps the whole text)', () => {
    expect(stripQuotedHtml('<blockquote>only old text</blockquote>')).toBe('');
  });
});
