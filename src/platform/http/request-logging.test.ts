import { loggablePath } from './request-logging';

describe('loggablePath', () => {
  test.each([
    ['/webhooks/twilio/sms', '/webhooks/twilio/sms'],
    ['/api/v1/conversations?queue=billing', '/api/v1/conversations'],
    ['/s/AbCdEf0123456789_-AbCdEf0123456789_-AbCdE', '/s/:token'],
    ['/s/AbCdEf0123456789_-AbCdEf0123456789_-AbCdE/reply', '/s/:token/reply'],
    ['/sandbox', '/sandbox'],
  ])('%s is logged as %s', (url, expected) => {
    expect(loggablePath(url)).toBe(expected);
  });
});
