import { loadTemplateCatalog } from '../templates';
import { limitInMegabytes, REFUSED_ATTACHMENT_TEMPLATE } from './refused-attachment-reply';

test.each([
  [5 * 1024 * 1024, 5],
  [512 * 1024, 0.5],
  [25 * 1024 * 1024, 25],
  [10.4 * 1024 * 1024, 10],
  [1.25 * 1024 * 1024, 1.3],
])('limitInMegabytes(%i) = %d', (bytes, expected) => {
  expect(limitInMegabytes(bytes)).toBe(expected);
});

const catalog = loadTemplateCatalog();

test.each([
  ['en', 'email', 'could not accept 3 of its attachments because they are larger than 0.5 MB'],
  ['es', 'email', 'no pudimos aceptar 3 de sus archivos adjuntos porque superan 0,5 MB'],
  ['en', 'sms', 'Riverside Clinic: we received your message, but could not accept 3'],
] as const)(
  'the answer in %s on %s names how many and the limit, never a file',
  (locale, channel, expected) => {
    const rendered = catalog.render(REFUSED_ATTACHMENT_TEMPLATE, {
      channel,
      locale,
      variables: { clinicName: 'Riverside Clinic', count: 3, limitMegabytes: 0.5 },
    });
    expect(rendered.text).toContain(expected);
    expect(rendered.sensitivity).toBe('public');
  },
);
