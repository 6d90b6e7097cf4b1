/** Something a feature runs that has to stop when the hub does. */
export interface Stoppable {
  stop(): Promise<void>;
}

/** A queue or connection, closed last. */
export interface Closable {
  close(): Promise<void>;
}

/**
 * What a feature runs besides its routes. The app stops every feature's parts in phases
 * (src/app/shutdown.ts): all periodic tasks first, then workers in list order, then queues, so no
 * task or job adds work to a queue that is already closed.
 */
export interface FeatureRuntime {
  /** Sweeps and reminders on a timer. */
  periodic: Stoppable[];
  /** Job workers and thread pools; each finishes its jobs in flight before it stops. */
  workers: Stoppable[];
  /** Queues the feature's producers write to. */
  queues: Closable[];
}
