import { attachmentId, attachmentPath } from './inbound-attachments';

const org = '00000000-0000-4000-8000-000000000001';

test('attachment ids are stable per provider message and position, and look like UUIDs', () => {
  const a = attachmentId(org, 'email', '<m@x>', 0);
  expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(attachmentId(org, 'email', '<m@x>', 0)).toBe(a);
  expect(attachmentId(org, 'email', '<m@x>', 1)).not.toBe(a);
  expect(attachmentId(org, 'email', '<n@x>', 0)).not.toBe(a);
  expect(attachmentPath(a)).toBe(`/api/v1/attachments/${a}`);
});
