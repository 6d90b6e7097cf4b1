import { attachmentId, attachmentPath } from './inbound-attachments';
import { refusedAttachmentText } from './refused-attachment-reply';

const org = '00000000-0000-4000-8000-000000000001';

test('attachment ids are stable per provider message and position, and look like UUIDs', () => {
  const a = attachmentId(org, 'email', '<m@x>', 0);
  expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(attachmentId(org, 'email', '<m@x>', 0)).toBe(a);
  expect(attachmentId(org, 'email', '<m@x>', 1)).not.toBe(a);
  expect(attachmentId(org, 'email', '<n@x>', 0)).not.toBe(a);
  expect(attachmentPath(a)).toBe(`/api/v1/attachments/${a}`);
});

test.each([
  [1, 5 * 1024 * 1024, null, 'could not accept one attachment because it is larger than 5 MB'],
  [3, 512 * 1024, 'en', 'could not accept 3 attachments because they are larger than 0.5 MB'],
  [1, 25 * 1024 * 1024, 'es', 'no pudimos aceptar un archivo adjunto porque supera 25 MB'],
])('refusedAttachmentText(%i, %i, %s)', (count, limit, language, expected) => {
  expect(refusedAttachmentText(count, limit, language)).toContain(expected);
});
