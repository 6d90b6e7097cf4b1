import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the stand-in answers to the next Messages.json POST. */
export type StandInReply = (
  | { kind: 'accept'; delayMs?: number }
  /** Accepts the message (it is recorded and listed), then closes the connection without answering. */
  | { kind: 'accept_then_drop' }
  | { kind: 'error'; status: number; code: number; message: string }
) & {
  /** Only for a request to this number; requests to others pass it by (other sends of the hub). */
  to?: string;
};

export interface RecordedTwilioMessage {
  sid: string;
  accountSid: string;
  authorized: boolean;
  params: Record<string, string | string[]>;
  /** When Twilio created it; the stand-in "sends" at once, so this is also its DateSent. */
  createdAt: Date;
}

/** Twilio's page size when the request names none, and its largest. */
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

/** A call the hub asked Twilio to place (Calls.json). */
export interface RecordedTwilioCall {
  sid: string;
  accountSid: string;
  params: Record<string, string | string[]>;
}

/**
 * A local server that speaks the part of Twilio's REST API the hub uses (create a Message, create a
 * Call), so the real `twilio` SDK runs against it through TWILIO_API_URL.
 */
export class TwilioStandIn {
  readonly messages: RecordedTwilioMessage[] = [];
  /** Calls placed through Calls.json, in arrival order (they share `enqueueReplies` with messages). */
  readonly calls: RecordedTwilioCall[] = [];
  /** Every authorized create request, including refused ones, in arrival order. */
  requestCount = 0;
  /** Every accepted send is answered after this many milliseconds (a provider's own latency). */
  acceptDelayMs = 0;
  /** Messages.json requests answered with an error (enqueueReplies), as they arrived. */
  readonly refusedMessages: RecordedTwilioMessage[] = [];
  private readonly replies: StandInReply[] = [];
  private server?: http.Server;
  url = '';

  constructor(
    readonly accountSid: string,
    readonly authToken: string,
  ) {}

  /** Queue replies for the next requests; after they run out, every request is accepted. */
  enqueueReplies(...replies: StandInReply[]): void {
    this.replies.push(...replies);
  }

  /** The first queued reply meant for a request to `to` (or for any request), taken off the queue. */
  private nextReply(to: string | string[] | undefined): StandInReply {
    const index = this.replies.findIndex((r) => r.to === undefined || r.to === to);
    if (index < 0) return { kind: 'accept' };
    return this.replies.splice(index, 1)[0]!;
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }

  /** Resolves when `count` messages have been recorded (or rejects after `ms`). */
  async waitForMessages(count: number, ms = 10_000): Promise<RecordedTwilioMessage[]> {
    const deadline = Date.now() + ms;
    while (this.messages.length < count) {
      if (Date.now() > deadline) throw new Error(`stand-in saw ${this.messages.length} of ${count} messages`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return this.messages;
  }

  /** Resolves when `count` calls have been placed (or rejects after `ms`). */
  async waitForCalls(count: number, ms = 10_000): Promise<RecordedTwilioCall[]> {
    const deadline = Date.now() + ms;
    while (this.calls.length < count) {
      if (Date.now() > deadline) throw new Error(`stand-in saw ${this.calls.length} of ${count} calls`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return this.calls;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const call = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Calls\.json$/.exec(req.url ?? '');
      if (req.method === 'POST' && call) {
        this.handleCall(req, res, call[1]!, Buffer.concat(chunks).toString());
        return;
      }
      const list = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Messages\.json(\?.*)?$/.exec(req.url ?? '');
      if (req.method === 'GET' && list) {
        this.handleList(req, res, list[1]!, new URLSearchParams(list[2] ?? ''));
        return;
      }
      const match = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Messages\.json$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ code: 20404, message: 'The requested resource was not found', status: 404 }),
        );
        return;
      }
      const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
      const authorized = req.headers.authorization === expected;
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      const params: Record<string, string | string[]> = {};
      for (const key of new Set(form.keys())) {
        const all = form.getAll(key);
        params[key] = all.length > 1 ? all : (all[0] ?? '');
      }
      if (!authorized) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 20003, message: 'Authenticate', status: 401 }));
        return;
      }
      this.requestCount += 1;
      const reply = this.nextReply(params.To);
      if (reply.kind === 'error') {
        this.refusedMessages.push({
          sid: '',
          accountSid: match[1]!,
          authorized,
          params,
          createdAt: new Date(),
        });
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: reply.code, message: reply.message, status: reply.status }));
        return;
      }
      const sid = `SM${randomBytes(16).toString('hex')}`;
      this.messages.push({ sid, accountSid: match[1]!, authorized, params, createdAt: new Date() });
      if (reply.kind === 'accept_then_drop') {
        req.socket.destroy();
        return;
      }
      const respond = () => {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            sid,
            account_sid: match[1],
            to: params.To,
            from: params.From,
            body: params.Body,
            status: 'queued',
            num_segments: '1',
            direction: 'outbound-api',
            date_created: new Date().toUTCString(),
            uri: `/2010-04-01/Accounts/${match[1]}/Messages/${sid}.json`,
          }),
        );
      };
      const delayMs = reply.delayMs ?? this.acceptDelayMs;
      if (delayMs) setTimeout(respond, delayMs);
      else respond();
    });
  }
  /** Requests to the Message list resource (GET Messages.json), in arrival order. */
  readonly listRequests: URLSearchParams[] = [];

  /**
   * GET Messages.json as Twilio serves it: filters `To`, `From`, `DateSent` (that day), `DateSent>`
   * and `DateSent<` (on or after / before, a date or a date-time), newest first, `PageSize` records a
   * page, and `next_page_uri` (with `Page` and `PageToken`) while more remain.
   */
  private handleList(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    accountSid: string,
    query: URLSearchParams,
  ): void {
    if (!this.isAuthorized(req)) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 20003, message: 'Authenticate', status: 401 }));
      return;
    }
    this.listRequests.push(query);
    const day = (d: Date) => d.toISOString().slice(0, 10);
    const bound = (raw: string) => new Date(raw.length === 10 ? `${raw}T00:00:00Z` : raw);
    const to = query.get('To');
    const from = query.get('From');
    const sentOn = query.get('DateSent');
    const after = query.get('DateSent>');
    const before = query.get('DateSent<');
    const matching = this.messages
      .filter((m) => m.accountSid === accountSid)
      .filter((m) => !to || m.params.To === to)
      .filter((m) => !from || m.params.From === from)
      .filter((m) => !sentOn || day(m.createdAt) === sentOn.slice(0, 10))
      .filter((m) => !after || m.createdAt.getTime() >= bound(after).getTime())
      .filter((m) => !before || m.createdAt.getTime() <= bound(before).getTime())
      .reverse();
    const pageSize = Math.min(MAX_PAGE_SIZE, Number(query.get('PageSize') ?? DEFAULT_PAGE_SIZE));
    const page = Number(query.get('Page') ?? 0);
    const records = matching.slice(page * pageSize, (page + 1) * pageSize);
    const path = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
    const pageUri = (n: number) => {
      const next = new URLSearchParams(query);
      next.set('PageSize', String(pageSize));
      next.set('Page', String(n));
      if (n > 0) next.set('PageToken', `PA${records.at(-1)?.sid ?? ''}`);
      else next.delete('PageToken');
      return `${path}?${next.toString()}`;
    };
    const more = matching.length > (page + 1) * pageSize;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        messages: records.map((m) => ({
          sid: m.sid,
          account_sid: m.accountSid,
          to: m.params.To,
          from: m.params.From,
          body: m.params.Body ?? '',
          status: 'sent',
          direction: 'outbound-api',
          num_segments: '1',
          date_created: m.createdAt.toUTCString(),
          date_updated: m.createdAt.toUTCString(),
          date_sent: m.createdAt.toUTCString(),
          uri: `${path.slice(0, -5)}/${m.sid}.json`,
        })),
        page,
        page_size: pageSize,
        first_page_uri: pageUri(0),
        previous_page_uri: page > 0 ? pageUri(page - 1) : null,
        next_page_uri: more ? pageUri(page + 1) : null,
        uri: `${path}?${query.toString()}`,
        start: page * pageSize,
        end: page * pageSize + Math.max(0, records.length - 1),
      }),
    );
  }

  private isAuthorized(req: http.IncomingMessage): boolean {
    const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
    return req.headers.authorization === expected;
  }

  /** POST Calls.json: recorded and answered `queued`, as Twilio answers a call it accepted. */
  private handleCall(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    accountSid: string,
    rawBody: string,
  ): void {
    const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 20003, message: 'Authenticate', status: 401 }));
      return;
    }
    const form = new URLSearchParams(rawBody);
    const params: Record<string, string | string[]> = {};
    for (const key of new Set(form.keys())) {
      const all = form.getAll(key);
      params[key] = all.length > 1 ? all : (all[0] ?? '');
    }
    this.requestCount += 1;
    const reply = this.nextReply(params.To);
    if (reply.kind === 'error') {
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: reply.code, message: reply.message, status: reply.status }));
      return;
    }
    const sid = `CA${randomBytes(16).toString('hex')}`;
    this.calls.push({ sid, accountSid, params });
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        sid,
        account_sid: accountSid,
        to: params.To,
        from: params.From,
        status: 'queued',
        direction: 'outbound-api',
        date_created: new Date().toUTCString(),
        uri: `/2010-04-01/Accounts/${accountSid}/Calls/${sid}.json`,
      }),
    );
  }
}
