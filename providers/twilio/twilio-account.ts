import type { ChannelContext } from '../../src/channel-port';
import { createTwilioClient, type TwilioClient } from './twilio-client';
import { twilioConfig } from './twilio-config';

export interface TwilioAccount {
  /** True without TWILIO_ACCOUNT_SID: nothing is sent to Twilio, sends are recorded only. */
  sandbox: boolean;
  /** The token Twilio signs every webhook of the account with: TWILIO_AUTH_TOKEN, or the hub's sandbox token. */
  authToken: string;
  /** The REST client, or null in sandbox mode. */
  client: TwilioClient | null;
}

/**
 * The Twilio account the SMS and voice channels share: one signing token for every webhook of the
 * account (in sandbox mode a token the hub makes once and keeps), and one REST client.
 */
export async function openTwilioAccount(context: ChannelContext): Promise<TwilioAccount> {
  const config = twilioConfig.read(context.config);
  const sandbox = config.smsSandbox;
  const authToken = config.TWILIO_AUTH_TOKEN ?? (await context.ensureSecret('sms-sandbox-auth-token'));
  const client =
    !sandbox && config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN
      ? createTwilioClient({
          accountSid: config.TWILIO_ACCOUNT_SID,
          authToken: config.TWILIO_AUTH_TOKEN,
          apiUrl: config.TWILIO_API_URL,
        })
      : null;
  return { sandbox, authToken, client };
}
