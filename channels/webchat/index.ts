import type { Server } from 'socket.io';
import {
  type ChannelAdapter,
  type ChannelContext,
  type OutboundEnvelope,
  SendError,
  type SendResult,
} from '../../src/channel-port';
import { attachChatNamespace, CHAT_NAMESPACE, providerIdFor, sessionRoom } from './chat-namespace';
import { chatRouter } from './chat-routes';
import { webchatConfig } from './webchat-config';

/**
 * Web chat: a visitor on the clinic's site (`/chat`, or the `/chat/widget.js` button) talks to the
 * clinic over socket.io namespace `/chat`, in an anonymous signed session that becomes a `webchat`
 * identity. Staff replies are emitted to the session's room through the hub's socket server, whose
 * Redis adapter carries them to whichever hub process holds the visitor's socket. A visitor who is
 * away gets them from the stored history when they come back.
 *
 * maxSensitivity is the anonymous session's (`limited`): the policy raises it to `phi` for a
 * session whose visitor proved to be the contact it belongs to, by a one-time code or by arriving
 * from a secure link whose date of birth they had just confirmed.
 */
export async function createWebchatChannel(context: ChannelContext): Promise<ChannelAdapter> {
  const { logger } = context;
  const config = webchatConfig.read(context.config);
  const sessionSecret = await context.ensureSecret('webchat-session');
  let io: Server | null = null;

  return {
    channel: 'webchat',
    label: 'web chat',
    mark: 'Chat',
    identityKind: 'webchat',
    // The address is the session id the visitor's browser holds: never shown to staff.
    identityKinds: [
      {
        kind: 'webchat',
        shown: { as: 'hidden', described: 'web chat session', visitor: 'Web chat visitor' },
      },
    ],
    maxSensitivity: 'limited',
    fallbackRank: 40,
    templateBody: 'webchat',
    // Nothing to sandbox: no provider. A person plays the patient at /chat (listed on /sandbox).
    sandbox: false,
    patientPage: '/chat',
    // A confirmed secure link hands its patient to a verified chat session (src/securelinks/chat-handoff).
    acceptsSecureLinkHandoff: true,
    notifyTyping(address, from) {
      io?.of(CHAT_NAMESPACE).to(sessionRoom(address)).emit('typing', { from });
    },
    // Across hub processes: the Redis adapter asks every node for the room's sockets. When a node
    // does not answer, the visitor counts as there: the reply stays in the chat, as it always did.
    async isPresent(address) {
      if (!io) return false;
      try {
        const sockets = await io.of(CHAT_NAMESPACE).in(sessionRoom(address)).fetchSockets();
        return sockets.length > 0;
      } catch (err) {
        logger.warn({ err }, 'could not tell whether a chat visitor is connected');
        return true;
      }
    },
    async send(envelope: OutboundEnvelope): Promise<SendResult> {
      if (!io) {
        throw new SendError('realtime_unavailable', 'The chat socket server is not running yet', true);
      }
      io.of(CHAT_NAMESPACE).to(sessionRoom(envelope.to)).emit('message', {
        id: envelope.messageId,
        direction: 'outbound',
        body: envelope.body,
        status: 'sent',
        createdAt: new Date().toISOString(),
      });
      // `sent`: handed to the session. The client's receipt makes it `delivered`, then `read`.
      return { providerMessageId: providerIdFor(envelope.messageId), status: 'sent' };
    },
    // A resend is the same message id: the chat page keeps one copy per id, and the visitor's
    // reconnect replays what they have not acknowledged anyway.
    reconcile: async () => ({ kind: 'resend_safe' }),
    createRouter: () =>
      chatRouter({
        publicUrl: config.publicUrl,
        frameAncestors: config.WEBCHAT_FRAME_ANCESTORS,
        logoOrigin: context.clinicLogoOrigin,
      }),
    attachRealtime(server, sink) {
      io = server;
      attachChatNamespace(server, sink, {
        sessionSecret,
        clinic: {
          name: config.CLINIC_NAME,
          timeZone: config.CLINIC_TIME_ZONE,
          officeHours: config.CLINIC_OFFICE_HOURS,
        },
        limits: {
          messagesPerMinute: config.WEBCHAT_MESSAGES_PER_MINUTE,
          ipMessagesPerMinute: config.WEBCHAT_IP_MESSAGES_PER_MINUTE,
        },
        clientAddress: context.clientAddress,
        logger,
      });
    },
  };
}
