import type { EventEmitter } from 'node:events';
import { and, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Namespace, Server, Socket } from 'socket.io';
import { z } from 'zod';
import { HUB_EVENT_TYPES, type StoredHubEvent } from '../../conversations/hub-events';
import type { Database } from '../../platform/db/database';
import { conversations } from '../../platform/db/schema';
import { campaignRoom, canSeeCampaigns } from '../../staff/campaign-access';
import { canSeeQueue, seesAllQueues, visibleQueues } from '../../staff/queue-access';
import { listQueues } from '../../staff/queue-directory';
import { readCookie, SESSION_COOKIE } from '../../staff/session-cookie';
import { type AuthenticatedStaff, authenticateSession, sessionKey } from '../../staff/staff-sessions';
import { DeliveryGate } from './delivery-gate';
import { latestEventId, loadEventsAfter, loadRecentEventsBefore } from './event-replay';
import {
  conversationRoom,
  orgRoom,
  queueRoom,
  queuesFor,
  roomsForEvent,
  sessionRoom,
  staffRoom,
} from './inbox-rooms';
import { cookieOriginAllowed } from './socket-origin';

export interface InboxNamespaceDeps {
  db: Database;
  /** The hub's announcements of committed events (hub.events). */
  events: EventEmitter;
  logger: Logger;
  /** Most stored events replayed on a reconnect before `resync.required` (default 1000). */
  replayLimit?: number;
  /**
   * A reconnect is also re-sent the events stored up to this many seconds before its `lastEventId`
   * (INBOX_REPLAY_LOOKBACK_SECONDS): one whose transaction took an earlier id but committed later
   * would be lost otherwise. Clients drop the ids they already have (see event-replay.ts).
   */
  replayLookBackSeconds: number;
  /** A staff member typed in a conversation they follow: e.g. shown to the patient in a web chat. */
  onStaffTyping?(staff: AuthenticatedStaff, conversationId: string): void;
  /** The hub's own origin (PUBLIC_URL's): where a page may open a socket with the session cookie. */
  publicOrigin: string;
}

export interface InboxNamespace {
  namespace: Namespace;
  /**
   * Closes every live socket of a staff member, in every hub process: her queues, role or account
   * changed, and a socket keeps the rooms it joined with. The page connects again and is authorized
   * afresh (or refused, when the account was disabled).
   */
  disconnectStaff(staffId: string): void;
  /** Closes every live socket opened with this session token, in every hub process: it was logged out. */
  disconnectSession(token: string): void;
  /** Stops relaying hub events (the sockets are closed with the server). */
  detach(): void;
}

/**
 * Server-to-server messages: events committed in one hub process, for the sockets of the others.
 * `hub-events` carries every event one process announced in one turn of its event loop (a batch of
 * inbound webhooks stores dozens at once): one entry on the Redis stream instead of one per event.
 * `hub-event` (one event) is what earlier versions send; still understood during a rolling update.
 */
const RELAY_EVENT = 'hub-event';
const RELAY_BATCH_EVENT = 'hub-events';

/**
 * Sent to each socket once it has joined its rooms (and after its replay): `lastEventId` is the
 * newest stored event id of the clinic, where a client that has seen no event yet resumes from.
 */
const READY_EVENT = 'inbox.ready';

const handshakeSchema = z.object({
  // Absent: the page's HttpOnly session cookie, which the browser sends with the handshake.
  token: z.string().min(1).optional(),
  lastEventId: z.coerce.number().int().nonnegative().optional(),
});
const conversationSchema = z.object({ conversationId: z.uuid() });

interface SocketState {
  staff: AuthenticatedStaff;
  session: { key: string; expiresAt: Date };
  queues: string[];
  lastEventId: number | undefined;
  gate: DeliveryGate<StoredHubEvent>;
}

type Ack = (answer: { ok: boolean; code?: string }) => void;

/** What a client receives for an event: its id and ids, codes and statuses, never bodies or names. */
export function clientPayload(event: StoredHubEvent): Record<string, unknown> {
  return {
    id: event.id,
    conversationId: event.conversationId,
    messageId: event.messageId,
    queue: event.queue,
    ...event.payload,
  };
}

/**
 * The staff namespace `/inbox`: bearer-token auth, rooms per organization, queue and conversation,
 * typing indicators, and delivery of stored hub events with replay from `lastEventId` on reconnect.
 *
 * Clients must de-duplicate events by `id`: a reconnect re-sends the events stored shortly before
 * `lastEventId` too, since ids are taken before commit and a transaction holding an earlier id may
 * commit later (see event-replay.ts). Within one connection each id is sent once.
 */
export function attachInboxNamespace(io: Server, deps: InboxNamespaceDeps): InboxNamespace {
  const namespace = io.of('/inbox');
  const replayLimit = deps.replayLimit ?? 1000;
  const log = deps.logger.child({ namespace: '/inbox' });
  const state = (socket: Socket) => socket.data as SocketState;

  namespace.use(async (socket, next) => {
    const handshake = handshakeSchema.safeParse(socket.handshake.auth);
    if (!handshake.success) return next(new Error('unauthorized'));
    const cookie = handshake.data.token ? null : readCookie(socket.handshake.headers.cookie, SESSION_COOKIE);
    // A browser sends the cookie to the hub from whatever page opens the socket: only the hub's own
    // pages may use it. A token in `auth` was read by script that had it, so any origin may send one.
    if (cookie && !cookieOriginAllowed(socket.handshake.headers, deps.publicOrigin)) {
      return next(new Error('origin_not_allowed'));
    }
    const token = handshake.data.token ?? cookie;
    const session = token ? await authenticateSession(deps.db, token).catch(() => null) : null;
    if (!token || !session) return next(new Error('unauthorized'));
    const { staff } = session;
    const lastEventId = handshake.data.lastEventId;
    // Supervisors and admins follow every queue of the clinic, also ones added since start.
    const queues = seesAllQueues(staff)
      ? visibleQueues(
          staff,
          (await listQueues(deps.db, staff.orgId).catch(() => [])).map((q) => q.id),
        )
      : queuesFor(staff);
    const data: SocketState = {
      staff,
      session: { key: sessionKey(token), expiresAt: session.expiresAt },
      queues,
      lastEventId,
      gate: new DeliveryGate((event) => socket.emit(event.type, clientPayload(event)), {
        replaying: lastEventId !== undefined,
      }),
    };
    socket.data = data;
    next();
  });

  namespace.on('connection', (socket) => {
    const { staff, session, queues, lastEventId } = state(socket);
    // Rooms first, then the replay: a live event committed meanwhile is buffered, not lost.
    socket.join([
      orgRoom(staff.orgId),
      staffRoom(staff.id),
      sessionRoom(session.key),
      ...queues.map(queueRoom),
      // Campaign progress (campaign-progress.ts) reaches admins and managers only.
      ...(canSeeCampaigns(staff) ? [campaignRoom(staff.orgId)] : []),
    ]);
    // A socket lives no longer than the session it was opened with.
    const expiry = closeAt(session.expiresAt, () => socket.disconnect(true));
    socket.on('disconnect', () => expiry.cancel());
    if (lastEventId !== undefined) void replay(socket, lastEventId).then(() => announceReady(socket));
    else void announceReady(socket);

    socket.on('subscribe', async (raw: unknown, ack?: Ack) => {
      const parsed = conversationSchema.safeParse(raw);
      if (!parsed.success) return ack?.({ ok: false, code: 'invalid_request' });
      const [found] = await deps.db
        .select({ id: conversations.id, queue: conversations.queue })
        .from(conversations)
        .where(and(eq(conversations.id, parsed.data.conversationId), eq(conversations.orgId, staff.orgId)))
        .catch(() => []);
      if (!found) return ack?.({ ok: false, code: 'not_found' });
      if (!canSeeQueue(staff, found.queue)) return ack?.({ ok: false, code: 'forbidden_queue' });
      await socket.join(conversationRoom(found.id));
      ack?.({ ok: true });
    });

    socket.on('unsubscribe', async (raw: unknown, ack?: Ack) => {
      const parsed = conversationSchema.safeParse(raw);
      if (!parsed.success) return ack?.({ ok: false, code: 'invalid_request' });
      await socket.leave(conversationRoom(parsed.data.conversationId));
      ack?.({ ok: true });
    });

    // Typing is ephemeral: not stored, only for those looking at the conversation right now.
    socket.on('typing', (raw: unknown) => {
      const parsed = conversationSchema.safeParse(raw);
      if (!parsed.success) return;
      const room = conversationRoom(parsed.data.conversationId);
      if (!socket.rooms.has(room)) return;
      socket.to(room).emit('typing', { conversationId: parsed.data.conversationId, staffId: staff.id });
      deps.onStaffTyping?.(staff, parsed.data.conversationId);
    });
  });

  /**
   * Tells the socket where it stands. Read after the rooms were joined, so any event committed later
   * reaches it live; one that took a lower id but commits later is re-sent by the look-back of the
   * next reconnect's replay.
   */
  async function announceReady(socket: Socket) {
    const { staff, lastEventId } = state(socket);
    try {
      const latest = await latestEventId(deps.db, staff.orgId);
      socket.emit(READY_EVENT, { lastEventId: Math.max(latest, lastEventId ?? 0) });
    } catch (err) {
      log.warn({ err, staffId: staff.id }, 'could not read the latest event id');
    }
  }

  async function replay(socket: Socket, afterId: number) {
    const { staff, queues, gate } = state(socket);
    try {
      const missed = await loadEventsAfter(deps.db, {
        orgId: staff.orgId,
        afterId,
        queues,
        limit: replayLimit + 1,
      });
      // Events with lower ids whose transactions may have committed after `afterId` was sent: sent
      // first (the gate keeps one copy per id), not counted against the limit of missed ones.
      const late = await loadRecentEventsBefore(deps.db, {
        orgId: staff.orgId,
        beforeId: afterId,
        queues,
        lookBackSeconds: deps.replayLookBackSeconds,
        limit: replayLimit,
      });
      for (const event of late) gate.deliver(event);
      for (const event of missed.slice(0, replayLimit)) gate.deliver(event);
      if (missed.length > replayLimit) {
        socket.emit('resync.required', { lastEventId: missed[replayLimit - 1]?.id ?? afterId });
      }
    } catch (err) {
      log.error({ err, staffId: staff.id }, 'event replay failed; client told to resync');
      socket.emit('resync.required', { lastEventId: afterId });
    }
    gate.finishReplay();
  }

  /** Hands an event to each local socket in one of its rooms, through that socket's gate. */
  const deliverLocally = (event: StoredHubEvent) => {
    const recipients = new Set<string>();
    for (const room of roomsForEvent(event)) {
      for (const id of namespace.adapter.rooms.get(room) ?? []) recipients.add(id);
    }
    for (const id of recipients) {
      const socket = namespace.sockets.get(id);
      if (socket && state(socket).staff.orgId === event.orgId) state(socket).gate.offer(event);
    }
    leaveMovedConversation(event);
  };

  /**
   * A conversation moved to a queue some subscribers may not see: after they got the move itself
   * (they see it leave), their sockets leave its room, so none of its later events reach them.
   * Every process receives every event (its own commits and the relayed ones), so each one does
   * this for its own sockets, with each socket's own queue membership, in the order events arrive:
   * no cross-process round trip, and no later event of the conversation slips in before the leave.
   */
  const leaveMovedConversation = (event: StoredHubEvent) => {
    const previous = event.payload.previousQueue;
    if (typeof previous !== 'string' || previous === event.queue || !event.conversationId) return;
    const room = conversationRoom(event.conversationId);
    for (const id of [...(namespace.adapter.rooms.get(room) ?? [])]) {
      const socket = namespace.sockets.get(id);
      if (socket && !canSeeQueue(state(socket).staff, event.queue)) void socket.leave(room);
    }
  };

  // Events committed by this process: to local sockets, and to the other processes through the
  // adapter. Each process only relays what it committed itself; nobody re-reads the table.
  const relayed: StoredHubEvent[] = [];
  let relayTimer: NodeJS.Immediate | undefined;
  const relayPending = () => {
    if (relayTimer) clearImmediate(relayTimer);
    relayTimer = undefined;
    if (relayed.length > 0) namespace.serverSideEmit(RELAY_BATCH_EVENT, relayed.splice(0));
  };
  const onAnnounced = (event: StoredHubEvent) => {
    deliverLocally(event);
    relayed.push(event);
    relayTimer ??= setImmediate(relayPending);
  };
  const deliverRelayed = (events: unknown) => {
    if (Array.isArray(events)) for (const event of events as StoredHubEvent[]) deliverLocally(event);
  };
  namespace.on(RELAY_EVENT, deliverLocally);
  namespace.on(RELAY_BATCH_EVENT, deliverRelayed);
  for (const type of HUB_EVENT_TYPES) deps.events.on(type, onAnnounced);

  return {
    namespace,
    disconnectStaff(staffId) {
      namespace.in(staffRoom(staffId)).disconnectSockets(true);
    },
    disconnectSession(token) {
      namespace.in(sessionRoom(sessionKey(token))).disconnectSockets(true);
    },
    detach() {
      for (const type of HUB_EVENT_TYPES) deps.events.off(type, onAnnounced);
      // Committed events still waiting for the next turn go to the other processes now.
      relayPending();
      namespace.off(RELAY_EVENT, deliverLocally);
      namespace.off(RELAY_BATCH_EVENT, deliverRelayed);
    },
  };
}

/** The longest delay a Node timer takes; a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Runs `close` at `at` (sessions may outlast a single timer: it re-arms until then). */
function closeAt(at: Date, close: () => void): { cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const left = at.getTime() - Date.now();
    if (left <= 0) return close();
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    timer.unref();
  };
  arm();
  return { cancel: () => clearTimeout(timer) };
}
