import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { QUEUE_NAMES } from '../queues/queue-names';
import { producerConnection, workerConnection } from '../queues/redis-connections';
import { execSendJob, type SendJobData, type SendJobDeps } from './send-job';

export interface SendQueueOptions {
  redisUrl: string;
  prefix: string;
  concurrency: number;
}

/** Retries: 5 attempts, exponential from 2 s (2, 4, 8, 16 s) — long enough to ride out a provider blip. */
const JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

export interface SendQueue {
  /** Enqueues sends; a message that already has a job is left alone (job id = message id). */
  add(jobs: SendJobData[]): Promise<void>;
  close(): Promise<void>;
  queue: Queue<SendJobData>;
}

export function initSendQueue(options: SendQueueOptions): SendQueue {
  const connection = producerConnection(options.redisUrl);
  connection.on('error', () => undefined);
  const queue = new Queue<SendJobData>(QUEUE_NAMES.outboundSend, { connection, prefix: options.prefix });
  queue.on('error', () => undefined);
  return {
    queue,
    async add(jobs) {
      if (jobs.length === 0) return;
      await queue.addBulk(
        jobs.map((data) => ({ name: 'send', data, opts: { ...JOB_OPTIONS, jobId: data.messageId } })),
      );
    },
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}

export function initSendWorker(deps: SendJobDeps, options: SendQueueOptions): Worker<SendJobData> {
  const connection = workerConnection(options.redisUrl);
  const worker = new Worker<SendJobData>(
    QUEUE_NAMES.outboundSend,
    async (job: Job<SendJobData>) => {
      const isFinal = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const outcome = await execSendJob(deps, job.data, { isFinal });
      if (outcome.kind === 'retry') throw new Error(`${outcome.code}: ${outcome.message}`);
      if (outcome.kind === 'failed') throw new UnrecoverableError(outcome.code);
      return outcome;
    },
    { connection, prefix: options.prefix, concurrency: options.concurrency },
  );
  worker.on('error', (err) => deps.logger.error({ err }, 'send worker error'));
  // BullMQ leaves a connection it was given open on close; this one is ours to end.
  worker.on('closed', () => connection.disconnect());
  return worker;
}

/** Waits for in-flight sends to finish, then disconnects. */
export async function closeSendWorker(worker: Worker<SendJobData>): Promise<void> {
  await worker.close();
}
