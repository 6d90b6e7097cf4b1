// The JSON the hub's staff API answers with, as the staff pages read it. The server's presenters
// are checked against these types (`satisfies Sendable<...>`) and web/ imports them, so a field
// renamed on one side fails the type check of the other instead of showing "—" in the page.
// Types only: no imports, no code, so both the hub (Node, CommonJS) and the pages (Vite) compile it.

/** What the server may hand to res.json for a wire type `T`: a Date is sent as its ISO string. */
export type Sendable<T> = T extends string
  ? T | Date
  : T extends readonly (infer U)[]
    ? readonly Sendable<U>[]
    : T extends object
      ? { [K in keyof T]: Sendable<T[K]> }
      : T;

/** An instant as JSON carries it: ISO 8601 in UTC. */
export type Timestamp = string;

/** One row of `GET /stats/queues`: today's figures of one staff queue. */
export interface QueueStatsRow {
  queue: string;
  name: string;
  /** Patient messages since midnight, clinic time. */
  volumeToday: number;
  /** Conversations not resolved (snoozed ones included). */
  openNow: number;
  /** Median time from a patient's first message today to the first staff reply; null when none. */
  medianFirstResponseSeconds: number | null;
  slaBreaches: number;
  emergenciesToday: number;
}

/** `GET /stats/queues` (supervisors and admins). */
export interface QueueStatsResponse {
  /** The clinic's calendar date the figures are for (YYYY-MM-DD). */
  date: string | null;
  timeZone: string;
  since: Timestamp;
  queues: QueueStatsRow[];
}
