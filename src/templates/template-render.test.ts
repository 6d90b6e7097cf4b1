import { loadTemplateCatalog } from './template-catalog';
import { TemplateError } from './template-errors';
import type { RenderRequest } from './template-types';

const catalog = loadTemplateCatalog();

const reminder = {
  clinicName: 'Main Street Clinic',
  appointmentTime: '2025-03-14T15:30:00Z',
  location: '12 Main St',
};
const notice = { clinicName: 'Main Street Clinic', link: 'https://clinic.example/s/abc123' };
const balance = {
  clinicName: 'Main Street Clinic',
  amount: '$45.00',
  dueDate: '2025-04-01',
  link: 'https://pay.example/',
};

function renderError(id: string, request: RenderRequest): TemplateError {
  try {
    catalog.render(id, request);
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error('expected a TemplateError');
}

describe('render refuses a request it cannot satisfy', () => {
  test.each<[string, string, RenderRequest, TemplateError['code'], Record<string, unknown>]>([
    [
      'a missing required variable',
      'appointment-reminder',
      { channel: 'sms', variables: { clinicName: 'Clinic', location: 'Main St' } },
      'template_variable_missing',
      { variable: 'appointmentTime' },
    ],
    [
      'a blank required string',
      'secure-message-notice',
      { channel: 'sms', variables: { ...notice, clinicName: '   ' } },
      'template_variable_missing',
      { variable: 'clinicName' },
    ],
    [
      'a null required variable',
      'secure-message-notice',
      { channel: 'sms', variables: { ...notice, link: null } },
      'template_variable_missing',
      { variable: 'link' },
    ],
    [
      'a non-URL for a url',
      'secure-message-notice',
      { channel: 'sms', variables: { ...notice, link: 'not a url' } },
      'template_variable_invalid',
      { variable: 'link', type: 'url' },
    ],
    [
      'a javascript: URL',
      'secure-message-notice',
      { channel: 'email', variables: { ...notice, link: 'javascript:alert(1)' } },
      'template_variable_invalid',
      { variable: 'link' },
    ],
    [
      'an unparseable datetime',
      'appointment-reminder',
      { channel: 'sms', variables: { ...reminder, appointmentTime: 'next Tuesday' } },
      'template_variable_invalid',
      { variable: 'appointmentTime', type: 'datetime' },
    ],
    [
      'an invalid Date object',
      'appointment-reminder',
      { channel: 'sms', variables: { ...reminder, appointmentTime: new Date('nope') } },
      'template_variable_invalid',
      { variable: 'appointmentTime' },
    ],
    [
      'an impossible date',
      'balance-due',
      { channel: 'sms', variables: { ...balance, dueDate: '2025-02-30' } },
      'template_variable_invalid',
      { variable: 'dueDate', type: 'date' },
    ],
    [
      'a number for a string',
      'secure-message-notice',
      { channel: 'sms', variables: { ...notice, clinicName: 42 } },
      'template_variable_invalid',
      { variable: 'clinicName', type: 'string' },
    ],
    [
      'an unknown time zone',
      'appointment-reminder',
      { channel: 'sms', variables: reminder, timeZone: 'Mars/Olympus' },
      'template_variable_invalid',
      { timeZone: 'Mars/Olympus' },
    ],
    ['an unknown template', 'no-such-template', { channel: 'sms', variables: {} }, 'template_not_found', {}],
    [
      'a channel the template does not claim',
      'recall-outreach',
      { channel: 'voice', variables: { clinicName: 'Clinic', link: 'https://book.example/' } },
      'template_channel_missing',
      { channel: 'voice' },
    ],
  ])('%s', (_name, id, request, code, details) => {
    const error = renderError(id, request);
    expect(error.code).toBe(code);
    expect(error.details).toMatchObject(details);
    if ('variable' in details) expect(error.message).toContain(`"${details.variable}"`);
  });

  test('an error never repeats the value it rejected', () => {
    const error = renderError('secure-message-notice', {
      channel: 'sms',
      variables: { ...notice, link: 'Patient has HIV' },
    });
    expect(error.message).not.toContain('HIV');
    expect(JSON.stringify(error.details)).not.toContain('HIV');
  });
});

describe('render accepts', () => {
  test('extra undeclared variables, ignoring them', () => {
    const { text } = catalog.render('secure-message-notice', {
      channel: 'sms',
      variables: { ...notice, diagnosis: 'should not appear' },
    });
    expect(text).not.toContain('should not appear');
  });

  test.each<[string, unknown, string]>([
    ['a Date', new Date('2025-03-14T15:30:00Z'), 'Fri, Mar 14, 11:30 AM'],
    ['an ISO string with an offset', '2025-03-14T15:30:00+00:00', 'Fri, Mar 14, 11:30 AM'],
    [
      'an ISO string without an offset, read in the request zone',
      '2025-03-14T11:30',
      'Fri, Mar 14, 11:30 AM',
    ],
  ])('a datetime as %s, shown in the request zone', (_name, appointmentTime, expected) => {
    const { text } = catalog.render('appointment-confirmed', {
      channel: 'sms',
      timeZone: 'America/New_York',
      variables: { ...reminder, appointmentTime },
    });
    expect(text).toContain(`on ${expected} at`);
  });

  test.each<[string | undefined, string]>([
    [undefined, 'Fri, Mar 14, 3:30 PM'],
    ['Europe/Madrid', 'Fri, Mar 14, 4:30 PM'],
  ])('a datetime in zone %s, with plain spaces only (GSM-7 safe for SMS)', (timeZone, expected) => {
    const { text } = catalog.render('appointment-confirmed', {
      channel: 'sms',
      timeZone,
      variables: reminder,
    });
    expect(text).toContain(expected);
    expect(text).not.toMatch(/[\u00a0\u202f]/);
  });

  test('a date-only value stays on its calendar day in any zone', () => {
    const { text } = catalog.render('balance-due', {
      channel: 'sms',
      timeZone: 'Pacific/Kiritimati',
      variables: balance,
    });
    expect(text).toContain('due Tue, Apr 1, 2025');
  });

  test('dates formatted in the locale used', () => {
    const { text } = catalog.render('appointment-confirmed', {
      channel: 'sms',
      locale: 'es',
      variables: reminder,
    });
    expect(text).toContain('vie, 14 mar, 15:30');
  });
});

describe('locale fallback', () => {
  test.each<[string | undefined, string | undefined, string]>([
    ['es', undefined, 'es'],
    ['ES', undefined, 'es'],
    ['es-MX', undefined, 'es'],
    ['fr', undefined, 'en'],
    ['fr', 'es', 'es'],
    ['fr', 'de', 'en'],
    [undefined, 'es', 'es'],
    [undefined, undefined, 'en'],
  ])('locale %s with fallback %s uses %s', (locale, fallbackLocale, used) => {
    const rendered = catalog.render('secure-message-notice', {
      channel: 'sms',
      locale,
      fallbackLocale,
      variables: notice,
    });
    expect(rendered.locale).toBe(used);
    expect(rendered.text.startsWith(used === 'es' ? 'Tiene' : 'You have')).toBe(true);
  });
});

describe('escaping per target', () => {
  const injected = '<script>alert("x")</script> & Co';
  const escaped = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co';

  test('email html escapes a variable; subject and text keep it as plain text', () => {
    const rendered = catalog.render('secure-message-notice', {
      channel: 'email',
      variables: { ...notice, clinicName: injected },
    });
    expect(rendered.html).toContain(escaped);
    expect(rendered.html).not.toContain('<script>');
    expect(rendered.subject).toBe(`New secure message from ${injected}`);
    expect(rendered.text).toContain(injected);
  });

  test('a URL in an html attribute cannot break out of it', () => {
    const rendered = catalog.render('secure-message-notice', {
      channel: 'email',
      variables: { ...notice, link: 'https://clinic.example/s/a"onclick="x' },
    });
    expect(rendered.html).toContain('href="https://clinic.example/s/a&quot;onclick');
    expect(rendered.html).not.toContain('"onclick');
  });

  test('securelink renders plain text: it is stored as the message body and escaped by the page that shows it', () => {
    const rendered = catalog.render('lab-results-available', {
      channel: 'securelink',
      variables: { clinicName: 'Clinic', testName: injected, resultSummary: injected },
    });
    expect(rendered.title).toBe(`Your ${injected} results`);
    expect(rendered.text).toContain(injected);
    expect(rendered.text).not.toContain('&lt;');
  });

  test.each(['sms', 'webchat'] as const)(
    '%s keeps the value as written, with no HTML entities',
    (channel) => {
      const { text } = catalog.render('secure-message-notice', {
        channel,
        variables: { ...notice, clinicName: injected },
      });
      expect(text).toBe(`You have a new secure message from ${injected}: https://clinic.example/s/abc123`);
    },
  );

  test('voice keeps apostrophes and ampersands as written', () => {
    const { text } = catalog.render('refill-ready', {
      channel: 'voice',
      variables: { clinicName: "St. Mary's", pickupLocation: 'Smith & Sons Pharmacy' },
    });
    expect(text).toContain("St. Mary's");
    expect(text).toContain('Smith & Sons Pharmacy');
  });
});

test('definitions cannot be changed by a caller', () => {
  const definition = catalog.get('appointment-reminder')!;
  expect(() => {
    definition.sensitivity = 'public';
  }).toThrow(TypeError);
  expect(catalog.get('appointment-reminder')!.sensitivity).toBe('limited');
});
