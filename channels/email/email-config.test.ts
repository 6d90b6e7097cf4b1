import { ConfigError, parseConfig as parseHubConfig } from '../../src/platform/config/config';
import { emailConfig } from './email-config';

/** The hub's config with the email channel's keys composed in (its section lives in this folder). */
const parseConfig = (env: NodeJS.ProcessEnv) => parseHubConfig(env, [emailConfig]);

describe('email configuration', () => {
  test('defaults', () => {
    const config = parseConfig({});
    expect(config.EMAIL_FROM).toBeUndefined();
    expect(config.EMAIL_INBOUND_SECRET).toBeUndefined();
    expect(config.EMAIL_INBOUND_DOMAINS).toEqual([]);
    expect(config.EMAIL_MAX_ATTACHMENT_BYTES).toBe(5 * 1024 * 1024);
    // The listener is loopback-only unless told otherwise, and a peer's message rate is bounded.
    expect(config.SMTP_INBOUND_HOST).toBe('127.0.0.1');
    expect(config.SMTP_INBOUND_MESSAGES_PER_MINUTE).toBe(30);
    expect(config.EMAIL_WEBHOOK_AUTHSERV_ID).toBeUndefined();
  });

  test('values parse', () => {
    const config = parseConfig({
      EMAIL_FROM: '"Riverside Clinic" <care@riverside.example>',
      EMAIL_REPLY_DOMAIN: 'mail.riverside.example',
      EMAIL_INBOUND_SECRET: 'x'.repeat(32),
      EMAIL_INBOUND_DOMAINS: ' Mail.Riverside.example , riverside.example',
      EMAIL_MAX_ATTACHMENT_BYTES: '1000',
    });
    expect(config.EMAIL_INBOUND_DOMAINS).toEqual(['mail.riverside.example', 'riverside.example']);
    expect(config.EMAIL_MAX_ATTACHMENT_BYTES).toBe(1000);
  });

  test.each([
    [{ EMAIL_FROM: 'not an address' }, 'EMAIL_FROM'],
    [{ EMAIL_REPLY_DOMAIN: 'not a domain!' }, 'EMAIL_REPLY_DOMAIN'],
    [{ EMAIL_INBOUND_SECRET: 'short' }, 'EMAIL_INBOUND_SECRET'],
    [{ EMAIL_INBOUND_DOMAINS: 'ok.org,bad domain' }, 'EMAIL_INBOUND_DOMAINS'],
    [{ EMAIL_MAX_ATTACHMENT_BYTES: '-1' }, 'EMAIL_MAX_ATTACHMENT_BYTES'],
    // An SMTP listener with no domain of its own would take mail for any recipient.
    [{ SMTP_INBOUND_PORT: '2525' }, 'EMAIL_INBOUND_DOMAINS'],
    [{ SMTP_INBOUND_MESSAGES_PER_MINUTE: '0' }, 'SMTP_INBOUND_MESSAGES_PER_MINUTE'],
    [{ EMAIL_WEBHOOK_AUTHSERV_ID: 'mx clinic; dmarc=pass' }, 'EMAIL_WEBHOOK_AUTHSERV_ID'],
  ])('rejects %p naming %s', (env, variable) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(variable);
  });
});
