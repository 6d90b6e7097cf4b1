import { randomUUID } from 'node:crypto';
import {
  type ChannelAdapter,
  type ChannelContext,
  type OutboundEnvelope,
  SendError,
  type SendResult,
} from '../../src/channel-port';
import { providerActivityId } from './activity-schema';
import { type ConversationReference, createBotConnector } from './bot-connector';
import { botframeworkRouter } from './botframework-routes';

/** A connector call that has not answered by then is given up on (its outcome is unknown). */
const SEND_TIMEOUT_MS = 30_000;

/** Loopback hosts: in sandbox mode replies go only to a connector on this machine (the Emulator). */
function isLoopback(serviceUrl: string | undefined): boolean {
  if (!serviceUrl) return false;
  try {
    const host = new URL(serviceUrl).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

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

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          // Not retried: the connector may have delivered it, and never twice beats maybe twice.
          new SendError('provider_timeout', 'The Bot Framework connector did not answer in time', false),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Bot Framework (Teams, Web Chat, Direct Line, the Emulator...) through botbuilder's CloudAdapter.
 * With MICROSOFT_APP_ID/MICROSOFT_APP_PASSWORD every request must carry a valid token; without them
 * the channel runs in sandbox mode for the Emulator: unauthenticated, and replies only to loopback.
 */
export function createBotframeworkChannel(context: ChannelContext): ChannelAdapter {
  const { config, logger } = context;
  const credentials =
    config.MICROSOFT_APP_ID && config.MICROSOFT_APP_PASSWORD
      ? {
          appId: config.MICROSOFT_APP_ID,
          password: config.MICROSOFT_APP_PASSWORD,
          appType: config.MICROSOFT_APP_TYPE,
          tenantId: config.MICROSOFT_APP_TENANT_ID,
        }
      : null;
  const sandbox = credentials === null;
  const connector = createBotConnector(credentials);
  const references = context.stateFor('botframework');
  const log = logger.child({ channel: 'botframework' });
  if (sandbox) {
    log.warn(
      'Bot Framework channel in sandbox mode: POST /api/messages accepts unauthenticated activities ' +
        '(for the Bot Framework Emulator) and replies only to a connector on this machine; ' +
        'set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD for real traffic',
    );
  }

  return {
    channel: 'botframework',
    identityKind: 'botframework',
    // Messages pass through Microsoft's Bot Connector and the channel behind it (Teams, Web Chat),
    // and the conversation may be a group or an unverified web visitor: nothing above `limited`.
    maxSensitivity: 'limited',
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
      if (sandbox && !isLoopback(reference.serviceUrl)) {
        return {
          providerMessageId: `sandbox:${randomUUID()}`,
          status: 'delivered',
          channelMeta: { sandbox: true, notSent: 'service_url_not_local' },
        };
      }
      let activityId: string | undefined;
      try {
        activityId = await withTimeout(connector.sendProactive(reference, envelope.body), SEND_TIMEOUT_MS);
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
    createRouter: (sink) => botframeworkRouter(sink, { connector, references, logger: log }),
  };
}
