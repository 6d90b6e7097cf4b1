import { type Job, UnrecoverableError, type Worker } from 'bullmq';
import {
  createJobQueue,
  createJobWorker,
  type JobQueue,
  type JobQueueOptions,
} from '../platform/queues/job-queue';
import { JOB_QUEUE_NAMES } from '../platform/queues/queue-names';
import { execSendJob, type SendJobData, type SendJobDeps, sendJobId } from './send-job';

export type SendQueueOptions = JobQueueOptions;
export type SendQueue = JobQueue<SendJobData>;

/**
 * Retries: 5 attempts, exponential from 2 s (2, 4, 8, 16 s) — long enough to ride out a provider
 * blip, so that it does not become a failed message (or a failed campaign recipient).
 */
const SEND_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

/**
 * A queue of outbox sends (patient conversations' or campaigns'): a message that already has a job
 * is left alone (job id = message id).
 */
export function createSendQueue(
  name: (typeof JOB_QUEUE_NAMES)['outboundSend' | 'campaignSend'],
  options: SendQueueOptions,
): SendQueue {
  return createJobQueue<SendJobData>(name, 'send', SEND_JOB_OPTIONS, options, { jobId: sendJobId });
}

/** The patient conversations' send queue. */
export function initSendQueue(options: SendQueueOptions): SendQueue {
  return createSendQueue(JOB_QUEUE_NAMES.outboundSend, options);
}

export function initSendWorker(deps: SendJobDeps, options: SendQueueOptions): Worker<SendJobData> {
  return createJobWorker<SendJobData>(
    JOB_QUEUE_NAMES.outboundSend,
    async (job: Job<SendJobData>) => {
      const isFinal = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const outcome = await execSendJob(deps, job.data, { isFinal });
      if (outcome.kind === 'retry') throw new Error(`${outcome.code}: ${outcome.message}`);
      if (outcome.kind === 'failed') throw new UnrecoverableError(outcome.code);
      // `unknown`: the job ends; the row's lapsed claim is found by the sweeper and reconciled.
      return outcome;
    },
    options,
    deps.logger,
  );
}

/** Waits for in-flight sends to finish, then disconnects. */
export async function closeSendWorker(worker: Worker<SendJobData>): Promise<void> {
  await worker.close();
}
