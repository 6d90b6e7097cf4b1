import express, { type Request, type Response, Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  parseTwilioRequest,
  requestMeta,
  verifyTwilioSignature,
} from '../../providers/twilio/twilio-requests';
import { type ChannelStateStore, HttpError, type InboundSink } from '../../src/channel-port';
import { FINAL_CALL_STATUSES, mapCallStatus, TWILIO_CALL_STATUSES } from './call-status';
import {
  MENU_OPTION_DIGIT,
  MENU_OPTION_LABEL,
  type MenuOption,
  otherLanguage,
  PROMPTS,
  parseMenuInput,
  parseReminderInput,
  REMINDER_ANSWER_DIGIT,
  VOICE_LANGUAGES,
  type VoiceLanguage,
  voiceLanguageOf,
} from './voice-prompts';
import { VOICE_MESSAGE_KIND } from './voice-triage-hints';
import {
  EMPTY_TWIML,
  MENU_ATTEMPTS,
  menuTwiml,
  outboundCallTwiml,
  redirectTwiml,
  sayAndHangUp,
  VOICE_BASE_PATH,
  type VoicemailReason,
  voicemailTwiml,
  voiceUrls,
} from './voice-twiml';

/** The template whose calls offer confirm/cancel; any other outbound call offers a call back only. */
const REMINDER_TEMPLATE = 'appointment-reminder';
/** How long the adapter remembers what happened during a call (for the missed-call decision). */
const CALL_STATE_TTL_SECONDS = 3 * 24 * 3600;

export interface VoiceWebhookOptions {
  publicUrl: string;
  /** The token Twilio signs with: TWILIO_AUTH_TOKEN, or the hub's own sandbox token. */
  authToken: string;
  clinicName: string;
  normalizePhone(raw: string): string | null;
  state: ChannelStateStore;
  logger: Logger;
}

/**
 * What the adapter keeps per inbound call, from the moment it answers it: who called (for voicemail)
 * and whether the caller got somewhere. No record means the hub never answered the call: its
 * recording, transcription and final status are refused (see `unknownCall`).
 */
interface CallState {
  /** Absent while the caller is still in the menu; `refused` for a withheld number. */
  handled?: 'menu_choice' | 'voicemail' | 'refused';
  /** The caller's normalized number; null when it was withheld. */
  from: string | null;
}

const sid = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}[0-9a-fA-F]{32}$`), `must be a ${prefix}… Twilio SID`);

// Blocked and withheld numbers arrive as "Anonymous", "+266696687" and the like: any short string
// is accepted here, and normalization decides whether it is a number we can store.
const callSchema = z.object({
  CallSid: sid('CA'),
  AccountSid: sid('AC'),
  From: z.string().max(64).default(''),
  To: z.string().max(64).default(''),
  Direction: z.string().max(32).optional(),
});

const gatherSchema = callSchema.extend({
  Digits: z
    .string()
    .regex(/^[0-9*#]{0,16}$/, 'must be keypad digits')
    .optional(),
  SpeechResult: z.string().max(2000).optional(),
});

const recordedSchema = callSchema.extend({
  RecordingSid: sid('RE').optional(),
  RecordingDuration: z.coerce.number().int().min(0).optional(),
});

const transcriptionSchema = callSchema.extend({
  RecordingSid: sid('RE'),
  RecordingUrl: z.url(),
  TranscriptionSid: sid('TR').optional(),
  TranscriptionStatus: z.enum(['completed', 'failed', 'in-progress']),
  TranscriptionText: z.string().max(20_000).default(''),
});

const statusSchema = callSchema.extend({
  CallStatus: z.enum(TWILIO_CALL_STATUSES),
  CallDuration: z.coerce.number().int().min(0).optional(),
  ErrorCode: z.string().max(16).optional(),
});

const lang = z.enum(VOICE_LANGUAGES).default('en');
const attempt = z.coerce.number().int().min(1).max(MENU_ATTEMPTS).default(1);
const menuQuery = z.object({ lang, attempt });
const voicemailQuery = z.object({ lang, reason: z.enum(['nurse', 'no-input']).default('nurse') });
const outboundQuery = z.object({ message: z.uuid('must be a message id'), attempt });
const answerQuery = z.object({ message: z.uuid('must be a message id'), lang });

const sendTwiml = (res: Response, twiml: string) => res.status(200).type('text/xml').send(twiml);

/**
 * The answer to a callback about a call the hub never answered (a transcription or final status
 * Twilio posts after the call): 404 JSON, nothing stored. Twilio ignores what these callbacks
 * answer, so the only audience is its debugger log, where a 404 shows a misrouted callback (another
 * app's calls pointed here) instead of hiding it. Callbacks made during a live call get TwiML instead.
 */
const unknownCall = () =>
  new HttpError(404, 'unknown_call', 'No call with this CallSid was answered by this hub');

/** The Twilio Programmable Voice webhooks: phone menu, voicemail, reminder calls and call status. */
export function twilioVoiceRouter(sink: InboundSink, options: VoiceWebhookOptions): Router {
  const router = Router();
  const urls = voiceUrls(options.publicUrl);
  const form = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 200 });
  const callKey = (callSid: string) => `call:${callSid}`;

  const languageOf = async (phone: string): Promise<VoiceLanguage> =>
    voiceLanguageOf(
      sink.contactLanguage ? await sink.contactLanguage({ kind: 'phone', address: phone }) : null,
    );

  const remember = async (callSid: string, value: CallState, log: Logger) => {
    try {
      await options.state.set(callKey(callSid), value, { ttlSeconds: CALL_STATE_TTL_SECONDS });
    } catch (err) {
      // The caller is on the line: carry on. The cost is a text-back the call did not need.
      log.warn({ err }, 'could not remember the call step; a missed-call text-back may follow');
    }
  };

  const logFor = (req: Request, callSid: string, step: string) =>
    options.logger.child({ requestId: req.id, callSid, step });

  const known = (callSid: string) => options.state.get<CallState>(callKey(callSid));

  const blocked = (lang: VoiceLanguage) =>
    sayAndHangUp(lang, PROMPTS[lang].blockedCaller(options.clinicName));

  // 1. An inbound call: the menu in the caller's language.
  router.post(VOICE_BASE_PATH, form, async (req, res) => {
    verifyTwilioSignature(req, options.publicUrl, options.authToken);
    const body = parseTwilioRequest(callSchema, req.body);
    const log = logFor(req, body.CallSid, 'answer');
    const from = options.normalizePhone(body.From);
    if (!from) {
      // Nobody to call or text back, and no contact to file a request under: say so and end.
      log.info('inbound call from a withheld or invalid number; refused politely');
      await remember(body.CallSid, { handled: 'refused', from: null }, log);
      return sendTwiml(res, blocked('en'));
    }
    // From here on the call is known: its voicemail and its end are accepted.
    await remember(body.CallSid, { from }, log);
    const lang = await languageOf(from);
    log.info({ lang }, 'inbound call answered');
    sendTwiml(res, menuTwiml({ lang, clinicName: options.clinicName, urls, attempt: 1 }));
  });

  // 2. The caller's menu choice (keypad or speech), or none.
  router.post(`${VOICE_BASE_PATH}/menu`, form, async (req, res) => {
    verifyTwilioSignature(req, options.publicUrl, options.authToken);
    const body = parseTwilioRequest(gatherSchema, req.body);
    const query = parseTwilioRequest(menuQuery, req.query);
    const log = logFor(req, body.CallSid, 'menu');
    const from = options.normalizePhone(body.From);
    if (!from) return sendTwiml(res, blocked(query.lang));
    // A menu step for a call the hub has no record of (its answer went to a fallback URL, or the
    // record could not be written) is served as usual and the call is known from now on: Twilio only
    // posts a <Gather> action during a live call, the signature proves it is Twilio's, and hanging up
    // on a caller, or making them start again, is worse than filing what they asked for.
    if (!(await known(body.CallSid))) {
      log.info('menu step for a call this hub did not answer; taken as a fresh call');
      await remember(body.CallSid, { from }, log);
    }
    const choice = parseMenuInput({ digits: body.Digits, speech: body.SpeechResult });
    log.info({ choice: choice ?? 'none', attempt: query.attempt }, 'menu input');

    if (choice === 'switch_language') {
      const lang = otherLanguage(query.lang);
      return sendTwiml(res, menuTwiml({ lang, clinicName: options.clinicName, urls, attempt: 1 }));
    }
    if (choice === null && query.attempt < MENU_ATTEMPTS) {
      return sendTwiml(
        res,
        menuTwiml({ lang: query.lang, clinicName: options.clinicName, urls, attempt: query.attempt + 1 }),
      );
    }
    if (choice === null || choice === 'nurse_message') {
      const reason: VoicemailReason = choice === null ? 'no-input' : 'nurse';
      return sendTwiml(res, redirectTwiml(urls.voicemail(query.lang, reason)));
    }

    const how = body.Digits ? `pressed ${body.Digits}` : `said "${body.SpeechResult ?? ''}"`;
    // Resolves only once committed: the caller is thanked for a request that is really filed.
    await sink.receive(
      {
        channel: 'voice',
        from: { kind: 'phone', address: from },
        toAddress: options.normalizePhone(body.To) ?? undefined,
        body: `Phone menu: ${MENU_OPTION_LABEL[choice]} (${how})`,
        media: [],
        // One menu choice per call: a replayed callback stores nothing new.
        providerMessageId: `${body.CallSid}:menu`,
        channelMeta: {
          kind: VOICE_MESSAGE_KIND.menuChoice,
          option: choice,
          digits: body.Digits ?? MENU_OPTION_DIGIT[choice],
          ...(body.Digits ? {} : { speech: body.SpeechResult }),
          callSid: body.CallSid,
          language: query.lang,
        },
      },
      requestMeta(req),
    );
    await remember(body.CallSid, { handled: 'menu_choice', from }, log);
    sendTwiml(res, sayAndHangUp(query.lang, PROMPTS[query.lang].choiceThanks(choice as MenuOption)));
  });

  // 3. Voicemail: for the nurse (4), or after no usable choice.
  router.post(`${VOICE_BASE_PATH}/voicemail`, form, async (req, res) => {
    verifyTwilioSignature(req, options.publicUrl, options.authToken);
    const body = parseTwilioRequest(callSchema, req.body);
    const query = parseTwilioRequest(voicemailQuery, req.query);
    const log = logFor(req, body.CallSid, 'voicemail');
    const from = options.normalizePhone(body.From);
    if (!from) return sendTwiml(res, blocked(query.lang));
    // Reaching voicemail counts as handled: hanging up here is the caller's choice, not a missed call.
    await remember(body.CallSid, { handled: 'voicemail', from }, log);
    log.info({ reason: query.reason }, 'voicemail offered');
    sendTwiml(res, voicemailTwiml({ lang: query.lang, urls, reason: query.reason }));
  });

  // 4. The recording ended (Twilio's <Record> action). The transcription callback stores it.
  router.post(`${VOICE_BASE_PATH}/recorded`, form, async (req, res) => {
    verifyTwilioSignature(req, options.publicUrl, options.authToken);
    const body = parseTwilioRequest(recordedSchema, req.body);
    const query = parseTwilioRequest(voicemailQuery, req.query);
    const log = logFor(req, body.CallSid, 'recorded');
    if ((await known(body.CallSid))?.handled !== 'voicemail') {
      // A recording the hub never asked for: its transcription will be refused too. The caller may
      // still be on the line, and Twilio plays whatever this answers: TwiML that says so, not an error.
      log.warn('recording for a call this hub never took to voicemail; not kept');
      return sendTwiml(res, sayAndHangUp(query.lang, PROMPTS[query.lang].noRecording));
    }
    log.info(
      { recordingSid: body.RecordingSid, seconds: body.RecordingDuration },
      'voicemail recorded; waiting for its transcription',
    );
    sendTwiml(res, sayAndHangUp(query.lang, PROMPTS[query.lang].voicemailThanks));
  });

  // 5. The transcription: the voicemail becomes an inbound message (idempotent on RecordingSid).
  router.post(`${VOICE_BASE_PATH}/transcription`, form, async (req, res) => {
    verifyTwilioSignature(req, options.publicUrl, options.authToken);
    const body = parseTwilioRequest(transcriptionSchema, req.body);
    const query = parseTwilioRequest(voicemailQuery, req.query);
    const log = logFor(req, body.CallSid, 'transcription');
    const call = await known(body.CallSid);
    if (call?.handled !== 'voicemail') {
      log.warn(
        { known: call !== null },
        'transcription for a call this hub never took to voicemail; refused',
      );
      throw unknownCall();
    }
    // Twilio sends the call's From with the transcription; the remembered caller covers it if not.
    const from = options.normalizePhone(body.From) ?? call.from;
    if (!from) {
      throw new HttpError(400, 'validation_failed', 'Invalid request: From is not a valid phone number', {
        fields: ['From'],
      });
    }
    const text = body.TranscriptionText.trim();
    const transcribed = body.TranscriptionStatus === 'completed' && text.length > 0;
    const receipt = await sink.receive(
      {
        channel: 'voice',
        from: { kind: 'phone', address: from },
        toAddress: options.normalizePhone(body.To) ?? undefined,
        // The transcript alone, so triage reads the caller's words (and their red flags) as a text.
        body: transcribed ? text : '(Voicemail: no transcription. Listen to the recording.)',
        // Twilio serves the recording (WAV without an extension) to holders of the account credentials.
        media: [{ url: body.RecordingUrl, contentType: 'audio/wav' }],
        providerMessageId: body.RecordingSid,
        channelMeta: {
          kind: VOICE_MESSAGE_KIND.voicemail,
          reason: query.reason,
          transcribed,
          transcriptionStatus: body.TranscriptionStatus,
          ...(body.TranscriptionSid ? { transcriptionSid: body.TranscriptionSid } : {}),
          recordingSid: body.RecordingSid,
          callSid: body.CallSid,
          language: query.lang,
        },
      },
      requestMeta(req),
    );
    log.info({ messageId: receipt.messageId, duplicate: receipt.duplicate, transcribed }, 'voicemail stored');
    sendTwiml(res, EMPTY_TWIML);
  });

  // 6. Call status: reminder calls update their message; an inbound call that got nowhere is missed.
  router.post(`${VOICE_BASE_PATH}/status`, form, async (req, res) => {
    verifyTwilioSignature(req, options.publicUrl, options.authToken);
    const body = parseTwilioRequest(statusSchema, req.body);
    const log = logFor(req, body.CallSid, 'status');
    const meta = requestMeta(req);
    if (body.Direction?.startsWith('outbound')) {
      // A reminder call is its message's provider id. An unknown CallSid is not refused here: a
      // call's first status can arrive before the send that placed it has committed, and the core
      // keeps a status for a provider id it does not know yet (it moves no message of another).
      const status = mapCallStatus(body.CallStatus);
      if (status) {
        await sink.applyStatus(
          {
            channel: 'voice',
            providerMessageId: body.CallSid,
            status,
            providerStatus: body.CallStatus,
            errorCode: body.ErrorCode,
          },
          meta,
        );
      }
      return sendTwiml(res, EMPTY_TWIML);
    }
    if (!FINAL_CALL_STATUSES.has(body.CallStatus)) return sendTwiml(res, EMPTY_TWIML);
    const state = await known(body.CallSid);
    if (!state) {
      // Not a missed call of ours: filing it would text back a number the hub never spoke to.
      log.warn({ status: body.CallStatus }, 'final status for a call this hub never answered; refused');
      throw unknownCall();
    }
    const from = state.from ?? options.normalizePhone(body.From);
    if (state.handled || !from) {
      log.info({ status: body.CallStatus, handled: state.handled ?? 'no caller id' }, 'inbound call ended');
      return sendTwiml(res, EMPTY_TWIML);
    }
    const receipt = await sink.receive(
      {
        channel: 'voice',
        from: { kind: 'phone', address: from },
        toAddress: options.normalizePhone(body.To) ?? undefined,
        body: 'Missed call: the caller hung up before choosing an option or leaving a voicemail.',
        media: [],
        providerMessageId: `${body.CallSid}:missed`,
        channelMeta: {
          kind: VOICE_MESSAGE_KIND.missedCall,
          callSid: body.CallSid,
          callStatus: body.CallStatus,
          ...(body.CallDuration !== undefined ? { seconds: body.CallDuration } : {}),
        },
      },
      meta,
    );
    if (!sink.missedCall) {
      log.warn({ messageId: receipt.messageId }, 'missed call stored; the core offers no text-back');
      return sendTwiml(res, EMPTY_TWIML);
    }
    try {
      // Called on replays too: the core texts back at most once per missed call.
      const outcome = await sink.missedCall({ messageId: receipt.messageId }, meta);
      log.info(
        { messageId: receipt.messageId, textBack: outcome.textBack, code: outcome.code },
        'missed call',
      );
    } catch (err) {
      // The missed call is stored and staff see it; the text-back is not retried (never twice).
      log.error({ err, messageId: receipt.messageId }, 'missed-call text-back failed');
    }
    sendTwiml(res, EMPTY_TWIML);
  });

  /** The outbound message a reminder call is about, if it really was sent to the number Twilio called. */
  const calledMessage = async (messageId: string, calledNumber: string) => {
    const view = sink.outboundMessage ? await sink.outboundMessage('voice', messageId) : null;
    if (!view || options.normalizePhone(calledNumber) !== view.to) return null;
    return view;
  };

  // 7. A call we placed was answered: read the message and offer its answers.
  router.post(`${VOICE_BASE_PATH}/outbound`, form, async (req, res) => {
    verifyTwilioSignature(req, options.publicUrl, options.authToken);
    const body = parseTwilioRequest(callSchema, req.body);
    const query = parseTwilioRequest(outboundQuery, req.query);
    const log = logFor(req, body.CallSid, 'outbound');
    const view = await calledMessage(query.message, body.To);
    if (!view) {
      log.warn({ messageId: query.message }, 'outbound call for an unknown message; hung up');
      return sendTwiml(res, sayAndHangUp('en', PROMPTS.en.unavailable));
    }
    const lang = voiceLanguageOf(view.language);
    log.info({ messageId: view.messageId, attempt: query.attempt }, 'outbound call answered');
    sendTwiml(
      res,
      outboundCallTwiml({
        lang,
        body: view.body,
        messageId: view.messageId,
        isReminder: view.templateId === REMINDER_TEMPLATE,
        urls,
        attempt: query.attempt,
      }),
    );
  });

  // 8. The answer to a call we placed: stored like the text reply it stands for.
  router.post(`${VOICE_BASE_PATH}/answer`, form, async (req, res) => {
    verifyTwilioSignature(req, options.publicUrl, options.authToken);
    const body = parseTwilioRequest(gatherSchema, req.body);
    const query = parseTwilioRequest(answerQuery, req.query);
    const log = logFor(req, body.CallSid, 'answer');
    const view = await calledMessage(query.message, body.To);
    if (!view) {
      log.warn({ messageId: query.message }, 'answer for an unknown message; hung up');
      return sendTwiml(res, sayAndHangUp(query.lang, PROMPTS[query.lang].unavailable));
    }
    const isReminder = view.templateId === REMINDER_TEMPLATE;
    const parsed = parseReminderInput({ digits: body.Digits, speech: body.SpeechResult });
    const answer = parsed === 'staff' || isReminder ? parsed : null;
    log.info({ messageId: view.messageId, answer: answer ?? 'none' }, 'call answer');
    if (!answer) {
      const text = PROMPTS[query.lang].notUnderstood;
      return sendTwiml(
        res,
        redirectTwiml(urls.outbound(view.messageId, MENU_ATTEMPTS), { lang: query.lang, text }),
      );
    }
    await sink.receive(
      {
        channel: 'voice',
        from: { kind: 'phone', address: view.to },
        toAddress: options.normalizePhone(body.From) ?? undefined,
        // Confirm and cancel are stored as the digit a text reply would be ("1", "2"), so triage's
        // reminder rules read them exactly as they read the SMS reply.
        body:
          answer === 'staff'
            ? 'Asked to talk to staff (pressed 3 during our call)'
            : REMINDER_ANSWER_DIGIT[answer],
        media: [],
        providerMessageId: `${body.CallSid}:answer`,
        inReplyTo: view.messageId,
        channelMeta: {
          kind: VOICE_MESSAGE_KIND.callAnswer,
          answer,
          digits: body.Digits ?? REMINDER_ANSWER_DIGIT[answer],
          ...(body.Digits ? {} : { speech: body.SpeechResult }),
          callSid: body.CallSid,
        },
      },
      requestMeta(req),
    );
    sendTwiml(res, sayAndHangUp(query.lang, PROMPTS[query.lang].answerThanks[answer]));
  });

  return router;
}
