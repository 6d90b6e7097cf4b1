import { randomBytes } from 'node:crypto';
import twilio from 'twilio';

/** Signs form parameters the way Twilio does (HMAC-SHA1 over URL + sorted params). */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}

export const messageSid = (): string => `SM${randomBytes(16).toString('hex')}`;
export const accountSid = (): string => `AC${randomBytes(16).toString('hex')}`;

// A random start, then one number after another: a suite that draws dozens of numbers on one
// database must never get the same patient twice (9,000 random draws collide within a few dozen).
let nextLine = Math.floor(Math.random() * 9000);

/** A valid US mobile-looking number in the 555 ranges libphonenumber accepts, new to this test file. */
export function randomUsPhone(): string {
  const line = String((nextLine++ % 9000) + 1000);
  return `+1415555${line}`;
}
