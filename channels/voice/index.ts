import { randomBytes } from 'node:crypto';
import { openTwilioAccount } from '../../providers/twilio/twilio-account';
import { twilioConfig } from '../../providers/twilio/twilio-config';
import { toSendError } from '../../providers/twilio/twilio-requests';
import {
  type ChannelAdapter,
  type ChannelContext,
  normalizePhone,
  type OutboundEnvelope,
  type SendResult,
} from '../../src/channel-port';
// One Twilio REST client construction for the account (SMS and voice share it and its TWILIO_API_URL rebasing).
import { mapCallStatus } from './call-status';
import { voiceTriageHint } from './voice-triage-hints';
import { voiceUrls } from './voice-twiml';
import { twilioVoiceRouter } from './voice-webhooks';

/**
 * Calls through Twilio Programmable Voice: an inbound phone menu (keypad or speech, English or
 * Spanish), transcribed voicemail, reminder calls answered on the keypad, and a text-back after a
 * missed call. Without TWILIO_ACCOUNT_SID (sandbox) calls are recorded, never placed.
 */
export async function createVoiceChannel(context: ChannelContext): Promise<ChannelAdapter> {
  const { logger } = context;
  const config = twilioConfig.read(context.config);
  // One Twilio account (signing token, REST client) for SMS and voice.
  const { sandbox, authToken, client } = await openTwilioAccount(context);
  if (sandbox) logger.info('voice channel in sandbox mode: calls are recorded, none is placed');
  const urls = voiceUrls(config.publicUrl);
  const state = context.stateFor('voice');

  return {
    channel: 'voice',
    label: 'voice',
    title: 'Voice call',
    mark: 'Call',
    identityKind: 'phone',
    // A call is heard by whoever answers, on speaker, or by an answering machine the household
    // shares: no more than an appointment time and place (`limited`); PHI never goes by phone.
    maxSensitivity: 'limited',
    // Ranked, though only ever used when asked for by name (onlyWhenRequested).
    fallbackRank: 30,
    // A one-time code read out on a call is not offered; a campaign may ask for calls.
    canCarry: ['campaign'],
    templateBody: 'voice',
    // A secure link cannot be spoken and followed from a call.
    carriesSecureLinkNotice: false,
    sandbox,
    // Acknowledgements and safety replies to a call go by text: the caller has hung up by the
    // time triage decides, and calling back to read a sentence is intrusive.
    automaticRepliesVia: 'sms',
    // A call is placed only when a send asks for voice (a reminder call), never as a fallback.
    onlyWhenRequested: true,
    triageHint: voiceTriageHint,
    async send(envelope: OutboundEnvelope): Promise<SendResult> {
      if (!client) {
        return {
          providerMessageId: `CA${randomBytes(16).toString('hex')}`,
          status: 'delivered',
          channelMeta: { sandbox: true },
        };
      }
      try {
        // The call fetches what to say when answered (the message id is in the URL, which Twilio
        // signs), so the body is read from the store then and never travels in the call request.
        const call = await client.calls.create({
          to: envelope.to,
          from: config.TWILIO_FROM_NUMBER!,
          url: urls.outbound(envelope.messageId, 1),
          method: 'POST',
          statusCallback: urls.status(),
          statusCallbackMethod: 'POST',
          statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
          timeout: 30,
        });
        return { providerMessageId: call.sid, status: mapCallStatus(call.status) ?? 'queued' };
      } catch (error) {
        throw toSendError(error);
      }
    },
    createRouter: (sink) =>
      twilioVoiceRouter(sink, {
        publicUrl: config.publicUrl,
        authToken,
        clinicName: config.CLINIC_NAME,
        normalizePhone: (raw) => normalizePhone(raw, config.DEFAULT_REGION),
        state,
        logger: logger.child({ channel: 'voice' }),
      }),
  };
}
