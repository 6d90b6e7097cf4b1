import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { openTwilioAccount } from '../../providers/twilio/twilio-account';
import { twilioConfig } from '../../providers/twilio/twilio-config';
import { toSendError } from '../../providers/twilio/twilio-requests';
import {
  type ChannelAdapter,
  type ChannelContext,
  normalizePhone,
  type OutboundEnvelope,
  type ReconcileRequest,
  type ReconcileResult,
  type SendResult,
} from '../../src/channel-port';
import { countSegments } from './sms-segments';
import { findSentMessage } from './twilio-message-lookup';
import { mapTwilioStatus } from './twilio-status';
import { twilioSmsRouter } from './twilio-webhooks';

export const SMS_STATUS_CALLBACK_PATH = '/webhooks/twilio/status';

/** Where Twilio posts a message's status: the path, with our message id as `m`. */
export function smsStatusCallbackUrl(publicUrl: string, messageId: string): string {
  return `${publicUrl}${SMS_STATUS_CALLBACK_PATH}?m=${encodeURIComponent(messageId)}`;
}

const RECENT_NUMBERS = 10_000;

/**
 * Remembers the E.164 form of the numbers seen (senders, and the clinic's own few numbers in `To`).
 * Validating a number against the full metadata is a few percent of a webhook's CPU, and the same
 * patients text again and again. Bounded: once full, the entry remembered first goes first.
 */
function recentlyNormalized(normalize: (raw: string) => string | null): (raw: string) => string | null {
  const recent = new Map<string, string | null>();
  return (raw) => {
    if (recent.has(raw)) return recent.get(raw)!;
    const normalized = normalize(raw);
    if (recent.size >= RECENT_NUMBERS) recent.delete(recent.keys().next().value!);
    recent.set(raw, normalized);
    return normalized;
  };
}

/** SMS/MMS through Twilio Programmable Messaging, or recorded only (sandbox) without credentials. */
export async function createSmsChannel(context: ChannelContext): Promise<ChannelAdapter> {
  const { logger } = context;
  const config = twilioConfig.read(context.config);
  // One Twilio account (signing token, REST client) for SMS and voice.
  const { sandbox, authToken, client } = await openTwilioAccount(context);
  if (sandbox) {
    logger.info(
      {
        signedWith: config.TWILIO_AUTH_TOKEN
          ? 'TWILIO_AUTH_TOKEN'
          : 'the sandbox token stored in the database',
      },
      'SMS channel in sandbox mode: outbound is recorded, nothing leaves the machine',
    );
  }
  const toE164 = recentlyNormalized((raw) => normalizePhone(raw, config.DEFAULT_REGION));

  return {
    channel: 'sms',
    label: 'SMS',
    mark: 'SMS',
    identityKind: 'phone',
    maxSensitivity: 'limited',
    // The first channel the hub falls back to: nearly every patient has a phone that takes texts.
    fallbackRank: 10,
    canCarry: ['verification', 'campaign'],
    templateBody: 'sms',
    // Carriers limit each sending number: campaign sends are paced per from-number.
    sender: `sms:${config.TWILIO_FROM_NUMBER ?? 'default'}`,
    sandbox,
    honoursCarrierKeywords: true,
    describeOutbound: (body) => ({ ...countSegments(body) }),
    async send(envelope: OutboundEnvelope): Promise<SendResult> {
      if (!client) {
        return {
          providerMessageId: `SM${randomBytes(16).toString('hex')}`,
          status: 'delivered',
          channelMeta: { sandbox: true },
        };
      }
      try {
        const sent = await client.messages.create({
          to: envelope.to,
          from: config.TWILIO_FROM_NUMBER,
          body: envelope.body,
          ...(envelope.media.length > 0 ? { mediaUrl: envelope.media.map((m) => m.url) } : {}),
          // Our id in the callback URL (signed with it): every callback names its message, even
          // when this call's answer is lost and the SID never recorded.
          statusCallback: smsStatusCallbackUrl(config.publicUrl, envelope.messageId),
        });
        return { providerMessageId: sent.sid, status: mapTwilioStatus(sent.status) ?? 'queued' };
      } catch (error) {
        throw toSendError(error);
      }
    },
    async reconcile(request: ReconcileRequest): Promise<ReconcileResult> {
      // Sandbox sends never leave the machine: sending again cannot reach anyone twice.
      if (!client) return { kind: 'absent' };
      return findSentMessage(client, { ...request, from: config.TWILIO_FROM_NUMBER ?? '' });
    },
    sandboxInbound: sandbox
      ? ({ from, body }) => {
          const params = {
            MessageSid: `SM${randomBytes(16).toString('hex')}`,
            AccountSid: `AC${'0'.repeat(32)}`,
            From: from,
            To: config.TWILIO_FROM_NUMBER ?? '+15005550006',
            Body: body,
            NumMedia: '0',
          };
          const path = '/webhooks/twilio/sms';
          return {
            path,
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'x-twilio-signature': twilio.getExpectedTwilioSignature(
                authToken,
                `${config.publicUrl}${path}`,
                params,
              ),
            },
            body: new URLSearchParams(params).toString(),
          };
        }
      : undefined,
    createRouter: (sink) =>
      twilioSmsRouter(sink, { publicUrl: config.publicUrl, authToken, normalizePhone: toE164 }),
  };
}
