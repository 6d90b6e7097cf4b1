import { type Job, Queue, Worker } from 'bullmq';
import { QUEUE_NAMES } from '../queues/queue-names';
import { producerConnection, workerConnection } from '../queues/redis-connections';
import { execTriageJob, type TriageJobData, type TriageJobDeps } from './triage-job';

export interface TriageQueueOptions {
  redisUrl: string;
  prefix: string;
  concurrency: number;
}

/** A classifier that throws is handled inside the job (routed to front desk); retries cover the database. */
const JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

export interface TriageQueue {
  add(jobs: TriageJobData[]): Promise<void>;
  close(): Promise<void>;
  queue: Queue<TriageJobData>;
}

export function initTriageQueue(options: TriageQueueOptions): TriageQueue {
  const connection = producerConnection(options.redisUrl);
  connection.on('error', () => undefined);
  const queue = new Queue<TriageJobData>(QUEUE_NAMES.inboundTriage, { connection, prefix: options.prefix });
  queue.on('error', () => undefined);
  return {
    queue,
    async add(jobs) {
      if (jobs.length === 0) return;
      await queue.addBulk(
        jobs.map((data) => ({ name: 'triage', data, opts: { ...JOB_OPTIONS, jobId: data.messageId } })),
      );
    },
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}

export function initTriageWorker(deps: TriageJobDeps, options: TriageQueueOptions): Worker<TriageJobData> {
  const connection = workerConnection(options.redisUrl);
  const worker = new Worker<TriageJobData>(
    QUEUE_NAMES.inboundTriage,
    (job: Job<TriageJobData>) => execTriageJob(deps, job.data),
    { connection, prefix: options.prefix, concurrency: options.concurrency },
  );
  worker.on('error', (err) => deps.logger.error({ err }, 'triage worker error'));
  worker.on('closed', () => connection.disconnect());
  return worker;
}

export async function closeTriageWorker(worker: Worker<TriageJobData>): Promise<void> {
  await worker.close();
}
