import type { EventEmitter } from 'node:events';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { StoredHubEvent } from '../conversations/hub-events';
import { campaigns } from '../platform/db/campaign-schema';
import type { Database } from '../platform/db/database';
import { rowsOf } from '../platform/db/rows';
import { withoutJit } from '../platform/db/without-jit';
import { CAMPAIGN_PROGRESS_EVENT, campaignRoom } from '../staff/campaign-access';
import { campaignDetail, DEFAULT_ATTRIBUTION_DAYS } from './campaign-store';

/** Where progress goes: the `/inbox` namespace's campaign room of a clinic (any hub process). */
export interface ProgressSink {
  emit(orgId: string, event: string, payload: unknown): void;
  /**
   * Whether anyone (an admin or manager, on any hub process) is in the clinic's campaign room now:
   * figures nobody watches are not counted. Whoever opens the Campaigns tab later reads them fresh
   * from GET /campaigns/:id, and hears the next movement pushed.
   */
  watched(orgId: string): Promise<boolean>;
  /**
   * Calls `listener` whenever someone joins a clinic's campaign room (in this process), with a way
   * to send to that one socket: they are sent the figures as they stand (CampaignProgress.attach).
   */
  onJoin?(listener: (orgId: string, send: SendToJoiner) => void): void;
}

/** Sends an event to the one socket that joined a campaign room. */
export type SendToJoiner = (event: string, payload: unknown) => void;

/** The campaigns whose figures one who joins is sent: those still sending or that may again. */
const LIVE_STATUSES = ['running', 'paused'] as const;

/** A campaign's figures as GET /campaigns/:id answers them (injectable so a test can count calls). */
export type CountFigures = (
  db: Database,
  campaign: typeof campaigns.$inferSelect,
  windowDays: number,
) => Promise<unknown>;

// Without JIT, as GET /campaigns/:id counts them (campaign-routes.ts).
const countFigures: CountFigures = (db, campaign, windowDays) =>
  withoutJit(db, (tx) => campaignDetail(tx, campaign, windowDays));

/** The message events that can move a campaign's figures: a send, a status callback, a reply. */
const MOVING_EVENTS = ['message.created', 'message.status', 'message.failed'] as const;

export interface CampaignProgress {
  /** A campaign changed state (started, paused, completed…): its figures go out at the next flush. */
  touch(campaignId: string): void;
  /**
   * Something moved a figure that no message event announces: a secure link opened (its messages,
   * which carry their campaign) or an appointment booked (its contact: the campaigns whose message
   * reached them within the attribution window).
   */
  outcome(moved: { messageIds?: readonly string[]; contactId?: string }): void;
  /**
   * Where to emit; until it is set (the socket server starts after the features), nothing is sent.
   * Whoever joins the campaign room is sent the figures of the clinic's running and paused
   * campaigns at the next flush, the joiner alone: the page's figures do not wait for a movement.
   */
  attach(sink: ProgressSink): void;
  close(): void;
}

/**
 * Live campaign figures for the Campaigns tab, pushed instead of polled. Every message event this
 * process commits (its sends, the carrier's status callbacks it receives, replies it stores) is
 * noted by message id; at most once per `intervalMs` the ids are matched to campaigns in one indexed
 * query (or, when counting took long, four times as long as it took), and each campaign touched
 * has its figures computed once and emitted to the clinic's
 * campaign room, which only admins and managers join (inbox-namespace.ts), provided someone is in
 * that room: counting 100,000 recipients takes seconds of a database core that inbound webhooks need
 * more than an empty room does. So a campaign sending
 * 100 messages a second costs one figures query a second per process, not one per message; and
 * the payload is counts and ids only, never a body, name or address.
 */
export function startCampaignProgress(deps: {
  db: Database;
  events: EventEmitter;
  logger: Logger;
  intervalMs?: number;
  /** CAMPAIGN_REPLY_WINDOW_DAYS, for the `booked` figure (campaign-outcomes.ts). */
  attributionDays?: number;
  figures?: CountFigures;
}): CampaignProgress {
  const figures = deps.figures ?? countFigures;
  const intervalMs = deps.intervalMs ?? 1000;
  let sink: ProgressSink | undefined;
  const messageIds = new Set<string>();
  const campaignIds = new Set<string>();
  const contactIds = new Set<string>();
  // Sockets that joined a clinic's campaign room since the last flush, by clinic.
  const joiners = new Map<string, SendToJoiner[]>();
  const windowDays = deps.attributionDays ?? DEFAULT_ATTRIBUTION_DAYS;
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  // The figures of a campaign of 100,000 take a while to count: the next flush waits four times as
  // long as the last one took, so progress never keeps the database busy more than a fifth of the time.
  let lastFlushMs = 0;

  const schedule = () => {
    if (!sink || timer) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        const started = performance.now();
        flushing = flush()
          .then(() => {
            lastFlushMs = performance.now() - started;
          })
          .catch((err: unknown) => deps.logger.warn({ err }, 'campaign progress not sent'))
          .finally(() => {
            flushing = undefined;
            if (messageIds.size > 0 || campaignIds.size > 0 || contactIds.size > 0 || joiners.size > 0) {
              schedule();
            }
          });
      },
      Math.max(intervalMs, 4 * lastFlushMs),
    );
    timer.unref();
  };

  async function flush() {
    if (flushing) await flushing;
    const ids = [...messageIds];
    messageIds.clear();
    const touched = new Set(campaignIds);
    campaignIds.clear();
    const contacts = [...contactIds];
    contactIds.clear();
    const joined = new Map(joiners);
    joiners.clear();
    if (ids.length > 0) {
      // One look-up by primary key: every campaign message carries its campaign (the planner writes
      // it on the outbox row, secure-link content and notice alike), and so does a reply attributed
      // to one. A reply is attributed (and read as a confirmation or not) by its triage job, which
      // announces nothing a campaign hears: one not triaged yet is looked at again at the next flush,
      // for a few minutes (triage that takes longer has failed and is retried by its sweeper, unannounced).
      const rows = rowsOf<{ id: string; campaign_id: string | null; untriaged: boolean }>(
        await deps.db.execute(sql`
          select id, campaign_id, (direction = 'inbound' and triage is null
            and created_at > now() - interval '5 minutes') as untriaged
          from messages where id = any(${sql.param(ids)}::uuid[])`),
      );
      for (const row of rows) {
        if (row.campaign_id) touched.add(row.campaign_id);
        if (row.untriaged) messageIds.add(row.id);
      }
    }
    if (contacts.length > 0) {
      const rows = rowsOf<{ campaign_id: string }>(
        await deps.db.execute(sql`
          select distinct r.campaign_id from campaign_recipients r join messages m on m.id = r.message_id
          where r.contact_id = any(${sql.param(contacts)}::uuid[]) and r.status = 'planned'
            and m.sent_at > now() - ${windowDays}::float8 * interval '1 day'`),
      );
      for (const row of rows) touched.add(row.campaign_id);
    }
    // One look per clinic per flush: asking every hub process costs a round trip through Redis.
    const watched = new Map<string, Promise<boolean>>();
    for (const id of touched) {
      const [campaign] = await deps.db.select().from(campaigns).where(eq(campaigns.id, id));
      if (!campaign || !sink) continue;
      const target = sink;
      if (!watched.has(campaign.orgId)) watched.set(campaign.orgId, target.watched(campaign.orgId));
      if (!(await watched.get(campaign.orgId))) continue;
      target.emit(campaign.orgId, CAMPAIGN_PROGRESS_EVENT, await figures(deps.db, campaign, windowDays));
    }
    // Those who joined: a campaign touched above reached them in the room already; the others'
    // figures are counted once per flush, however many joined (a hub restart reconnects them all).
    for (const [orgId, sends] of joined) {
      const live = await deps.db
        .select()
        .from(campaigns)
        .where(and(eq(campaigns.orgId, orgId), inArray(campaigns.status, [...LIVE_STATUSES])));
      for (const campaign of live) {
        if (touched.has(campaign.id) || !sink) continue;
        const payload = await figures(deps.db, campaign, windowDays);
        for (const send of sends) send(CAMPAIGN_PROGRESS_EVENT, payload);
      }
    }
  }

  const onEvent = (event: StoredHubEvent) => {
    if (!sink || !event.messageId) return;
    messageIds.add(event.messageId);
    schedule();
  };
  for (const type of MOVING_EVENTS) deps.events.on(type, onEvent);

  return {
    touch(campaignId) {
      if (!sink) return;
      campaignIds.add(campaignId);
      schedule();
    },
    outcome(moved) {
      if (!sink) return;
      for (const id of moved.messageIds ?? []) messageIds.add(id);
      if (moved.contactId) contactIds.add(moved.contactId);
      schedule();
    },
    attach(next) {
      sink = next;
      next.onJoin?.((orgId, send) => {
        if (sink !== next) return;
        joiners.set(orgId, [...(joiners.get(orgId) ?? []), send]);
        schedule();
      });
      schedule();
    },
    close() {
      for (const type of MOVING_EVENTS) deps.events.off(type, onEvent);
      clearTimeout(timer);
      sink = undefined;
    },
  };
}

/** Asked of every other hub process: how many sockets it holds in a clinic's campaign room. */
const WATCHERS_EVENT = 'campaign.watchers';

/** What of a socket.io namespace the sink uses (kept structural: socket.io is the hub's, not ours). */
interface ProgressNamespace {
  to(room: string): { emit(event: string, payload: unknown): unknown };
  adapter: {
    rooms: Map<string, Set<string>>;
    /** An event for the other hub processes; its last element, a function, receives their answers. */
    serverSideEmit(packet: unknown[]): unknown;
  };
  // Loosely typed: the namespace's `connection` and the watchers' count have listeners of their own.
  on(event: string, listener: (...args: never[]) => void): unknown;
}

/**
 * Asks the other hub processes through the adapter and collects their answers, as socket.io's
 * `serverSideEmitWithAck` does, but keeping the promise the adapter returns: socket.io drops it, so
 * when the adapter cannot reach Redis (a hub closing while a flush asks) the ask neither settled nor
 * was caught, and its rejection went unhandled.
 */
function askOtherProcesses(namespace: ProgressNamespace, event: string, orgId: string): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const ack = (error: Error | null, answers: unknown[]) => (error ? reject(error) : resolve(answers));
    Promise.resolve(namespace.adapter.serverSideEmit([event, orgId, ack])).catch(reject);
  });
}

/** What of a socket that just connected the sink reads: its staff member's clinic and its rooms. */
interface JoiningSocket {
  data?: { staff?: { orgId?: unknown } };
  rooms: Set<string>;
  emit(event: string, payload: unknown): unknown;
}

/**
 * The sink of a socket.io server: the campaign room of the clinic, in every hub process. Whether
 * anyone watches is answered by this process's own room first, else by asking the others through
 * the adapter (Redis streams): a count, not fetchSockets, which would ship every socket's data.
 */
export const socketSink = (io: { of(name: string): ProgressNamespace }): ProgressSink => {
  const inbox = io.of('/inbox');
  const localWatchers = (orgId: string) => inbox.adapter.rooms.get(campaignRoom(orgId))?.size ?? 0;
  inbox.on(WATCHERS_EVENT, (orgId: string, ack: (size: number) => void) => ack(localWatchers(String(orgId))));
  return {
    emit(orgId, event, payload) {
      inbox.to(campaignRoom(orgId)).emit(event, payload);
    },
    async watched(orgId) {
      if (localWatchers(orgId) > 0) return true;
      try {
        // The adapter waits for every live process (or its request timeout, 5 s).
        const counts = await askOtherProcesses(inbox, WATCHERS_EVENT, orgId);
        return counts.some((count) => Number(count) > 0);
      } catch {
        // A process that did not answer may hold a manager: count as before rather than go quiet.
        return true;
      }
    },
    onJoin(listener) {
      // After the inbox namespace's own `connection` listener, which joined the rooms: the campaign
      // room holds admins and managers only (inbox-namespace.ts), so an agent is never sent figures.
      inbox.on('connection', (socket: JoiningSocket) => {
        const orgId = socket.data?.staff?.orgId;
        if (typeof orgId !== 'string' || !socket.rooms.has(campaignRoom(orgId))) return;
        listener(orgId, (event, payload) => socket.emit(event, payload));
      });
    },
  };
};
