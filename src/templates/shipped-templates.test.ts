import { loadTemplateCatalog } from './template-catalog';
import type { TemplateChannel, TemplateDefinition, VariableType } from './template-types';

const catalog = loadTemplateCatalog();

const SHIPPED_IDS = [
  'appointment-cancelled',
  'appointment-confirmed',
  'appointment-reminder',
  'attachment-refused',
  'balance-due',
  'chat-reply-waiting',
  'emergency-safety-reply',
  'help-response',
  'lab-results-available',
  'message-acknowledgement',
  'missed-call-text-back',
  'opt-in-confirmation',
  'opt-out-confirmation',
  'post-discharge-check-in',
  'pre-visit-instructions',
  'recall-outreach',
  'refill-ready',
  'reschedule-offer',
  'satisfaction-survey',
  'secure-message-notice',
  'verification-code',
];

const SAMPLE: Record<VariableType, unknown> = {
  string: 'Sample',
  number: 42,
  url: 'https://clinic.example/s/abc123',
  date: '2025-03-14',
  datetime: '2025-03-14T15:30:00Z',
};

const sampleVariables = (definition: TemplateDefinition): Record<string, unknown> =>
  Object.fromEntries(Object.entries(definition.variables).map(([name, v]) => [name, SAMPLE[v.type]]));

const everyBody: Array<[string, TemplateChannel, string]> = catalog
  .list()
  .flatMap((t) =>
    t.channels.flatMap((channel) =>
      t.locales.map((locale): [string, TemplateChannel, string] => [t.id, channel, locale]),
    ),
  );

test('the shipped catalog has exactly the starter templates', () => {
  expect(catalog.list().map((t) => t.id)).toEqual(SHIPPED_IDS);
});

test.each(SHIPPED_IDS)('%s has English and Spanish bodies', (id) => {
  expect(catalog.get(id)?.locales).toEqual(expect.arrayContaining(['en', 'es']));
});

test.each(everyBody)('%s renders on %s in %s', (id, channel, locale) => {
  const definition = catalog.get(id)!;
  const rendered = catalog.render(id, { channel, locale, variables: sampleVariables(definition) });
  expect(rendered).toMatchObject({
    templateId: id,
    channel,
    locale,
    purpose: definition.purpose,
    sensitivity: definition.sensitivity,
  });
  const parts = [rendered.text, rendered.subject, rendered.html, rendered.title].filter(
    (p) => p !== undefined,
  );
  for (const part of parts) {
    expect(part.length).toBeGreaterThan(0);
    expect(part).not.toMatch(/\{\{|\}\}/);
  }
  expect(rendered.subject !== undefined).toBe(channel === 'email');
  expect(rendered.html !== undefined).toBe(channel === 'email');
  expect(rendered.title !== undefined).toBe(channel === 'securelink');
});

test.each<[string, string, string]>([
  ['appointment-reminder', 'administrative', 'limited'],
  ['lab-results-available', 'care', 'phi'],
  ['balance-due', 'administrative', 'limited'],
  ['recall-outreach', 'marketing', 'public'],
  ['emergency-safety-reply', 'care', 'public'],
  ['secure-message-notice', 'care', 'public'],
  // Says only that a reply is waiting: safe on any phone (src/outbound/chat-text-handoff.ts).
  ['chat-reply-waiting', 'care', 'public'],
])('%s is %s and %s', (id, purpose, sensitivity) => {
  expect(catalog.get(id)).toMatchObject({ purpose, sensitivity });
});

test.each<[string, Record<string, VariableType>]>([
  ['appointment-reminder', { clinicName: 'string', appointmentTime: 'datetime', location: 'string' }],
  ['secure-message-notice', { clinicName: 'string', link: 'url' }],
])('%s declares its variables', (id, expected) => {
  const types = Object.fromEntries(
    Object.entries(catalog.get(id)!.variables).map(([name, v]) => [name, v.type]),
  );
  expect(types).toEqual(expected);
});

test('lab-results-available carries the result details on its secure page', () => {
  const rendered = catalog.render('lab-results-available', {
    channel: 'securelink',
    variables: {
      clinicName: 'Main Street Clinic',
      testName: 'Lipid panel',
      resultSummary: 'Your cholesterol is normal.',
    },
  });
  expect(rendered.title).toBe('Your Lipid panel results');
  expect(rendered.text).toContain('Your cholesterol is normal.');
});

describe('appointment-reminder SMS', () => {
  const variables = {
    clinicName: 'Main Street Clinic',
    appointmentTime: '2025-03-14T15:30:00Z',
    location: '12 Main St',
  };

  test.each<[string, string]>([
    ['en', 'Reply C to confirm or 2 to cancel'],
    ['es', 'Responda C para confirmar o 2 para cancelar'],
  ])('in %s asks for C or 2, never for the CANCEL keyword', (locale, instruction) => {
    const { text } = catalog.render('appointment-reminder', { channel: 'sms', locale, variables });
    expect(text).toContain(instruction);
    expect(text).not.toMatch(/\bCANCEL\b/);
    expect(text).not.toMatch(/reply\s+["']?cancel\b/i);
  });

  test('reads naturally with the time in the patient zone', () => {
    const { text } = catalog.render('appointment-reminder', {
      channel: 'sms',
      variables,
      timeZone: 'America/New_York',
    });
    expect(text).toBe(
      'Main Street Clinic: reminder of your appointment on Fri, Mar 14, 11:30 AM at 12 Main St. Reply C to confirm or 2 to cancel.',
    );
  });
});

test.each<[string, string]>([
  ['en', 'You have a new secure message from Main Street Clinic: https://clinic.example/s/abc123'],
  ['es', 'Tiene un nuevo mensaje seguro de Main Street Clinic: https://clinic.example/s/abc123'],
])('secure-message-notice SMS in %s', (locale, expected) => {
  const { text } = catalog.render('secure-message-notice', {
    channel: 'sms',
    locale,
    variables: { clinicName: 'Main Street Clinic', link: 'https://clinic.example/s/abc123' },
  });
  expect(text).toBe(expected);
});

test.each(catalog.get('emergency-safety-reply')!.channels)(
  'emergency-safety-reply on %s sends to 911 and names the clinic crisis line',
  (channel) => {
    const { text } = catalog.render('emergency-safety-reply', {
      channel,
      variables: { clinicName: 'Clinic', crisisLine: '1-800-555-0199' },
    });
    expect(text).toMatch(/call 911/);
    expect(text).toMatch(/nearest emergency department/);
    expect(text).toContain('1-800-555-0199');
    const { text: spanish } = catalog.render('emergency-safety-reply', {
      channel,
      locale: 'es',
      variables: { clinicName: 'Clinic', crisisLine: '988' },
    });
    expect(spanish).toMatch(/llame .*al 911/);
    expect(spanish).toContain('988');
  },
);
