import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { parseConfig } from '../../src/config/config';
import { createEmailChannel } from '.';

test('without SMTP_URL the channel is a sandbox: sends are recorded as delivered, nothing leaves', async () => {
  const adapter = await createEmailChannel({
    config: parseConfig({ CLINIC_NAME: 'Riverside Clinic' }),
    logger: pino({ level: 'silent' }),
    ensureSecret: async () => 'stored-secret',
    stateFor: () => {
      throw new Error('the email channel keeps no state');
    },
  });
  expect(adapter).toMatchObject({
    channel: 'email',
    identityKind: 'email',
    maxSensitivity: 'limited',
    sandbox: true,
  });
  const messageId = randomUUID();
  const result = await adapter.send({ messageId, to: 'a@b.org', body: 'hi', media: [] });
  expect(result.status).toBe('delivered');
  expect(result.channelMeta).toEqual({ sandbox: true });
  expect(result.providerMessageId).toMatch(
    new RegExp(`^<${messageId}\\.sandbox\\.[0-9a-f-]{36}@localhost>$`),
  );
  await adapter.close?.();
});
