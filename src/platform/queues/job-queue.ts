import { type Job, type JobsOptions, Queue, Worker, type WorkerOptions } from 'bullmq';
import type { Logger } from 'pino';
import { MicroBatcher } from '../batching/micro-batcher';
import { producerConnection, workerConnection } from './redis-connections';

export interface JobQueueOptions {
  redisUrl: string;
  prefix: string;
  concurrency: number;
}

/**
 * A producer for one queue. A job's id is its `messageId` (unless `jobId` says otherwise), so adding
 * a message's job twice adds it once. A job whose data carries `notBefore` (ISO time) waits in
 * BullMQ's delayed set until then. Jobs added while an earlier add is being written go to Redis
 * together, in one pipeline, or, for a queue with `pack`, as one job (triage: the messages enqueued
 * meanwhile). Either way that is one round trip per batch instead of one per job.
 */
export interface JobQueue<T extends { messageId: string; notBefore?: string }> {
  add(jobs: T[]): Promise<void>;
  close(): Promise<void>;
  queue: Queue<T>;
}

export function createJobQueue<T extends { messageId: string; notBefore?: string }>(
  name: string,
  jobName: string,
  jobOptions: JobsOptions,
  options: JobQueueOptions,
  shape: {
    /** Makes one job of the jobs written together; else one job each. */
    pack?: (jobs: T[]) => T;
    /** The job id, when not the job's `messageId` (a packed job is more than its first message). */
    jobId?: (data: T) => string;
  } = {},
): JobQueue<T> {
  const connection = producerConnection(options.redisUrl);
  // Errors surface on add(); the connection reconnects by itself.
  connection.on('error', () => undefined);
  const queue = new Queue<T>(name, { connection, prefix: options.prefix });
  queue.on('error', () => undefined);
  const writer = new MicroBatcher<T, undefined>(
    async (jobs) => {
      const now = Date.now();
      const bulk = (shape.pack ? [shape.pack(jobs)] : jobs).map((data) => {
        const delay = data.notBefore ? Math.max(0, Date.parse(data.notBefore) - now) : 0;
        return {
          name: jobName,
          data,
          opts: {
            ...jobOptions,
            jobId: shape.jobId?.(data) ?? data.messageId,
            ...(delay > 0 ? { delay } : {}),
          },
        };
      });
      // BullMQ derives the data type through a conditional type that a generic T cannot satisfy.
      await queue.addBulk(bulk as unknown as Parameters<Queue<T>['addBulk']>[0]);
      return jobs.map(() => undefined);
    },
    // Small enough that encoding one pipeline never holds the event loop for long.
    { maxBatch: 100, concurrency: 1 },
  );
  return {
    queue,
    async add(jobs) {
      await Promise.all(jobs.map((job) => writer.submit(job)));
    },
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}

export function createJobWorker<T>(
  name: string,
  processor: (job: Job<T>, token?: string) => Promise<unknown>,
  options: JobQueueOptions,
  logger: Logger,
  /** BullMQ's lock and stall settings, for a queue whose jobs run long (a campaign's planner). */
  locks?: Pick<WorkerOptions, 'lockDuration' | 'stalledInterval'>,
): Worker<T> {
  const connection = workerConnection(options.redisUrl);
  const worker = new Worker<T>(name, processor, {
    connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    ...locks,
  });
  worker.on('error', (err) => logger.error({ err, queue: name }, 'worker error'));
  // BullMQ leaves a connection it was given open on close; this one is ours to end.
  worker.on('closed', () => connection.disconnect());
  return worker;
}
