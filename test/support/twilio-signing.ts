import { randomBytes } from 'node:crypto';
import twilio from 'twilio';

/** Signs form parameters the way Twilio does (HMAC-SHA1 over URL + sorted params). */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}

export const messageSid = (): string => `SM${randomBytes(16).toString('hex')}`;
export const accountSid = (): string => `AC${randomBytes(16).toString('hex')}`;

/** A random valid US mobile-looking number in the 555-01xx-free ranges libphonenumber accepts. */
export function randomUsPhone(): string {
  const line = String(Math.floor(Math.random() * 9000) + 1000);
  return `+1415555${line}`;
}
