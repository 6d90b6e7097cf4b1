import { randomUUID } from 'node:crypto';
import {
  type ChannelAdapter,
  type ChannelContext,
  type OutboundEnvelope,
  SendError,
  type SendResult,
  withTimeout,
} from '../../src/channel-port';
import { providerActivityId } from './activity-schema';
import { type ConversationReference, createBotConnector } from './bot-connector';
import { botframeworkConfig } from './botframework-config';
import { botframeworkRouter } from './botframework-routes';
import { classifyServiceUrl, type ServiceUrlPolicy } from './service-urls';

/** A connector call that has not answered by then is given up on (its outcome is unknown). */
const SEND_TIMEOUT_MS = 30_000;

function toSendError(error: unknown): SendError {
  if (error instanceof SendError) return error;
  const status = (error as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number') {
    // 5xx and 429 may pass later; any other 4xx (conversation gone, bot removed) will not.
    const retryable = status >= 500 || status === 429;
    return new SendError(`http_${status}`, `The Bot Framework connector answered ${status}`, retryable);
  }
  return new SendError('provider_unreachable', 'The Bot Framework connector could not be reached', true);
}

/**
 * Bot Framework (Teams, Web Chat, Direct Line, the Emulator...) through botbuilder's CloudAdapter.
 * Off unless configured: with MICROSOFT_APP_ID/MICROSOFT_APP_PASSWORD every request must carry a
 * valid token; with BOTFRAMEWORK_EMULATOR=true (a developer's machine) activities are accepted
 * unauthenticated and the channel is a sandbox. Either way replies go only to allowed service URLs.
 */
export function createBotframeworkChannel(context: ChannelContext): ChannelAdapter {
  const { logger } = context;
  const config = botframeworkConfig.read(context.config);
  const credentials =
    config.MICROSOFT_APP_ID && config.MICROSOFT_APP_PASSWORD
      ? {
          appId: config.MICROSOFT_APP_ID,
          password: config.MICROSOFT_APP_PASSWORD,
          appType: config.MICROSOFT_APP_TYPE,
          tenantId: config.MICROSOFT_APP_TENANT_ID,
          openIdMetadataUrl: config.BOTFRAMEWORK_OPENID_METADATA_URL,
        }
      : null;
  const emulator = credentials === null && config.BOTFRAMEWORK_EMULATOR;
  const connector = credentials || emulator ? createBotConnector(credentials) : null;
  const sandbox = credentials === null;
  const serviceUrls: ServiceUrlPolicy = { extraOrigins: config.BOTFRAMEWORK_SERVICE_URLS, emulator };
  const references = context.stateFor('botframework');
  const log = logger.child({ channel: 'botframework' });
  if (emulator) {
    log.warn(
      'BOTFRAMEWORK_EMULATOR=true: POST /api/messages ACCEPTS UNAUTHENTICATED ACTIVITIES from anyone who ' +
        'can reach this hub. This is for the Bot Framework Emulator on a developer machine only; never ' +
        'run it where patients or the internet can reach it. Set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD instead.',
    );
  } else if (!connector) {
    log.info('Bot Framework channel off: POST /api/messages answers 404 until MICROSOFT_APP_ID is set');
  }

  return {
    channel: 'botframework',
    label: 'Bot Framework',
    title: 'Teams',
    mark: 'Teams',
    identityKind: 'botframework',
    // The address is the connector's user id: never shown. The name comes with the user's account
    // (not typed in a form), so a first-time user under a full name on file is a possible duplicate.
    identityKinds: [
      {
        kind: 'botframework',
        shown: { as: 'hidden', described: 'Bot Framework chat', visitor: 'Web chat visitor' },
        nameFromAccount: true,
      },
    ],
    // Messages pass through Microsoft's Bot Connector and the channel behind it (Teams, Web Chat),
    // and the conversation may be a group or an unverified web visitor: nothing above `limited`.
    maxSensitivity: 'limited',
    fallbackRank: 50,
    // No wording of its own in templates: the plain-text (SMS) one.
    sandbox,
    async send(envelope: OutboundEnvelope): Promise<SendResult> {
      const reference = await references.get<Partial<ConversationReference>>(envelope.to);
      if (!reference?.conversation?.id) {
        throw new SendError(
          'conversation_reference_missing',
          'No Bot Framework conversation is stored for this address; the user has to write first',
          false,
        );
      }
      if (!connector) {
        throw new SendError(
          'botframework_disabled',
          'The Bot Framework channel is off: set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD',
          false,
        );
      }
      const allowed = classifyServiceUrl(reference.serviceUrl, serviceUrls);
      if (!allowed) {
        throw new SendError(
          'service_url_not_allowed',
          "The conversation's service URL is not a Bot Framework service URL the hub may send to " +
            '(see BOTFRAMEWORK_SERVICE_URLS)',
          false,
        );
      }
      if (sandbox && allowed === 'microsoft') {
        // No app id, so no token: Microsoft's connector would refuse it. Recorded for staff to see.
        return {
          providerMessageId: `sandbox:${randomUUID()}`,
          status: 'delivered',
          channelMeta: { sandbox: true, notSent: 'service_url_not_local' },
        };
      }
      let activityId: string | undefined;
      try {
        activityId = await withTimeout(
          connector.sendProactive(reference, envelope.body),
          SEND_TIMEOUT_MS,
          // Not retried: the connector may have delivered it, and never twice beats maybe twice.
          () =>
            new SendError('provider_timeout', 'The Bot Framework connector did not answer in time', false),
        );
      } catch (error) {
        throw toSendError(error);
      }
      // Some channels answer without an id; ours is then the stand-in, still unique.
      const id = activityId ?? `careline:${envelope.messageId}`;
      return {
        providerMessageId: providerActivityId(envelope.to, id),
        status: 'sent',
        channelMeta: {
          channelId: reference.channelId,
          conversationId: reference.conversation.id,
          ...(activityId ? { activityId } : {}),
          ...(sandbox ? { sandbox: true } : {}),
        },
      };
    },
    createRouter: (sink) =>
      botframeworkRouter(sink, {
        connector,
        references,
        logger: log,
        messagesPerMinute: config.BOTFRAMEWORK_MESSAGES_PER_MINUTE,
        serviceUrls,
      }),
  };
}
