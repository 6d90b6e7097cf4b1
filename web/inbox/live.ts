import { io, type Socket } from 'socket.io-client';
import type { CampaignDetailResponse } from '../../contracts/inbox-api';

export interface HubEvent {
  type: string;
  id?: number;
  conversationId?: string | null;
  messageId?: string | null;
  queue?: string | null;
  status?: string;
  change?: string;
  staffId?: string;
  /** message.created: inbound (from the patient) or outbound. */
  direction?: string;
  /** triage.escalated: urgent or emergency. */
  urgency?: string;
}

const EVENT_TYPES = [
  'message.created',
  'message.status',
  'message.failed',
  'conversation.updated',
  'triage.escalated',
  'typing',
  'resync.required',
];

/**
 * The ids of the events already handed to listeners, the newest `capacity` of them. A reconnect
 * re-sends the events stored shortly before `lastEventId` (one whose transaction took a lower id may
 * have committed later, and only a re-send can bring it): the ones already seen are dropped here.
 */
export class SeenEventIds {
  private readonly ids = new Set<number>();

  constructor(private readonly capacity = 5000) {}

  /** True the first time an id is offered; false for a repeat. */
  firstTime(id: number): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      // A Set iterates in insertion order: forget the oldest id.
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
    return true;
  }
}

/**
 * The `/inbox` socket. Events carry ids and statuses only: listeners refetch what they show.
 * Reconnects resume from the last event id seen, so nothing committed meanwhile is missed; events
 * are de-duplicated by `id`, since a reconnect also re-sends recent ones (see SeenEventIds).
 *
 * On every connection the server says where the clinic's events stand (`inbox.ready`), so a page
 * that has seen no event yet still resumes from there after a disconnect. Every reconnect is also
 * announced to listeners as a `reconnected` event: they refetch what they show, which covers what a
 * replay cannot (a replay cut short by `resync.required`, state that changed without an event).
 */
export class InboxLive {
  private readonly socket: Socket;
  private lastEventId: number | undefined;
  private readonly seen = new SeenEventIds();
  private readonly listeners = new Set<(event: HubEvent) => void>();
  private readonly statusListeners = new Set<(connected: boolean) => void>();
  private readonly campaignListeners = new Set<(campaign: CampaignDetailResponse) => void>();
  private subscribed: string | null = null;
  private connectedBefore = false;

  constructor() {
    this.socket = io('/inbox', {
      autoConnect: false,
      withCredentials: true,
      transports: ['websocket', 'polling'],
      // The session is the HttpOnly cookie the browser sends with the handshake.
      auth: (cb) => cb(this.lastEventId !== undefined ? { lastEventId: this.lastEventId } : {}),
    });
    this.socket.on('inbox.ready', (payload: { lastEventId?: unknown } | undefined) => {
      const latest = payload?.lastEventId;
      if (typeof latest === 'number') this.lastEventId = Math.max(this.lastEventId ?? 0, latest);
    });
    for (const type of EVENT_TYPES) {
      this.socket.on(type, (payload: Omit<HubEvent, 'type'> | undefined) => {
        const event: HubEvent = { ...(payload ?? {}), type };
        if (typeof event.id === 'number' && type !== 'typing' && type !== 'resync.required') {
          if (!this.seen.firstTime(event.id)) return;
          this.lastEventId = Math.max(this.lastEventId ?? 0, event.id);
        }
        if (type === 'resync.required' && typeof event.id !== 'number') {
          const last = (payload as { lastEventId?: number } | undefined)?.lastEventId;
          if (typeof last === 'number') this.lastEventId = last;
        }
        for (const listener of this.listeners) listener(event);
      });
    }
    // Admins and managers only (the hub sends it to no one else): a campaign's figures, pushed.
    this.socket.on('campaign.progress', (payload: CampaignDetailResponse) => {
      for (const listener of this.campaignListeners) listener(payload);
    });
    this.socket.on('connect', () => {
      if (this.subscribed) this.socket.emit('subscribe', { conversationId: this.subscribed });
      for (const l of this.statusListeners) l(true);
      if (this.connectedBefore) for (const listener of this.listeners) listener({ type: 'reconnected' });
      this.connectedBefore = true;
    });
    this.socket.on('disconnect', (reason) => {
      for (const l of this.statusListeners) l(false);
      // The hub closed it on purpose (her queues or role changed): connect again at once, to be
      // authorized afresh. Any other reason is retried by socket.io itself.
      if (reason === 'io server disconnect') this.socket.connect();
    });
  }

  on(listener: (event: HubEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A campaign's figures as `GET /campaigns/:id` answers them, each time they move. */
  onCampaign(listener: (campaign: CampaignDetailResponse) => void): () => void {
    this.campaignListeners.add(listener);
    return () => this.campaignListeners.delete(listener);
  }

  onStatus(listener: (connected: boolean) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Joins the room of the open conversation (its typing and status events), leaving the previous one. */
  focus(conversationId: string | null): void {
    if (this.subscribed === conversationId) return;
    if (this.subscribed) this.socket.emit('unsubscribe', { conversationId: this.subscribed });
    this.subscribed = conversationId;
    if (conversationId && this.socket.connected) this.socket.emit('subscribe', { conversationId });
  }

  typing(conversationId: string): void {
    this.socket.emit('typing', { conversationId });
  }

  connect(): void {
    this.socket.connect();
  }

  close(): void {
    this.socket.disconnect();
  }
}
