import { randomUUID } from 'node:crypto';
import { simpleParser } from 'mailparser';
import pino from 'pino';
import type { ChannelContext } from '../../src/channel-port';
import { parseConfig as parseHubConfig } from '../../src/platform/config/config';
import { createEmailChannel } from '.';
import { emailConfig } from './email-config';
import { EMAIL_SECRET_HEADER, EMAIL_WEBHOOK_PATH } from './email-webhooks';

const parseConfig = (env: NodeJS.ProcessEnv) => parseHubConfig(env, [emailConfig]);

test('without SMTP_URL the channel is a sandbox: sends are recorded as delivered, nothing leaves', async () => {
  const adapter = await createEmailChannel({
    config: parseConfig({ CLINIC_NAME: 'Riverside Clinic' }),
    logger: pino({ level: 'silent' }),
    ensureSecret: async () => 'stored-secret',
    stateFor: () => {
      throw new Error('the email channel keeps no state');
    },
    clientAddress: (peer) => peer,
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

function context(env: Record<string, string>, secrets: string[] = []): ChannelContext {
  return {
    config: parseConfig({ CLINIC_NAME: 'Riverside Clinic', ...env }),
    logger: pino({ level: 'silent' }),
    ensureSecret: async (name) => {
      secrets.push(name);
      return `stored-${name}`;
    },
    stateFor: () => {
      throw new Error('the email channel keeps no state');
    },
    clientAddress: (peer) => peer,
  };
}

test('in sandbox mode, sandboxInbound builds the MIME request its own webhook takes, with a generated secret', async () => {
  const asked: string[] = [];
  const adapter = await createEmailChannel(context({}, asked));
  expect(asked).toContain('email-sandbox-inbound-secret');
  const signed = adapter.sandboxInbound!({
    from: 'Pat@Example.org',
    body: 'Héllo from the sandbox\nLine two',
  });
  expect(signed.path).toBe(EMAIL_WEBHOOK_PATH);
  expect(signed.headers[EMAIL_SECRET_HEADER]).toBe('stored-email-sandbox-inbound-secret');
  const parsed = await simpleParser(signed.body);
  expect(parsed.from?.value[0]?.address).toBe('Pat@Example.org');
  expect(parsed.subject).toBe('Héllo from the sandbox');
  expect(parsed.text?.trim()).toBe('Héllo from the sandbox\nLine two');
  expect(parsed.messageId).toMatch(/^<sandbox\.[0-9a-f-]{36}@localhost>$/);
  // Nothing that could start another header gets in.
  for (const from of ['a@b.org\r\nBcc: x@y.org', 'not-an-address', '"x" <a@b.org>']) {
    expect(() => adapter.sandboxInbound!({ from, body: 'hi' })).toThrow(/not a valid email address/);
  }
  await adapter.close?.();
});

test('EMAIL_INBOUND_SECRET, when set, is the one the sandbox uses; with SMTP there is no sandbox', async () => {
  const set = await createEmailChannel(context({ EMAIL_INBOUND_SECRET: 'configured-secret-0123456789' }));
  expect(set.sandboxInbound!({ from: 'a@b.org', body: 'x' }).headers[EMAIL_SECRET_HEADER]).toBe(
    'configured-secret-0123456789',
  );
  const asked: string[] = [];
  const live = await createEmailChannel(context({ SMTP_URL: 'smtp://127.0.0.1:2525' }, asked));
  expect(live.sandbox).toBe(false);
  expect(live.sandboxInbound).toBeUndefined();
  expect(asked).not.toContain('email-sandbox-inbound-secret');
  await set.close?.();
  await live.close?.();
});
