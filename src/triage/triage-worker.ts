import type { Job, Worker } from 'bullmq';
import {
  createJobQueue,
  createJobWorker,
  type JobQueue,
  type JobQueueOptions,
} from '../platform/queues/job-queue';
import { JOB_QUEUE_NAMES } from '../platform/queues/queue-names';
import {
  execTriageJob,
  packTriageJobs,
  type TriageJobData,
  type TriageJobDeps,
  triageItems,
  triageJobId,
} from './triage-job';

export type TriageQueue = JobQueue<TriageJobData>;

/**
 * Retries cover the database and a triage thread that died or hung; a classifier that still cannot
 * run on the last attempt routes the message to front desk (inside the job), so none is dropped.
 * A job that still fails (the database was down for longer than its retries) is removed, not kept:
 * a kept failed job holds its id, and the sweeper's re-add under that id would be ignored for as
 * long as it is kept. The message itself stays undecided in PostgreSQL until a sweep.
 */
const JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: true,
  removeOnFail: true,
} as const;

export function initTriageQueue(options: JobQueueOptions): TriageQueue {
  return createJobQueue<TriageJobData>(JOB_QUEUE_NAMES.inboundTriage, 'triage', JOB_OPTIONS, options, {
    pack: packTriageJobs,
    jobId: triageJobId,
  });
}

export function initTriageWorker(deps: TriageJobDeps, options: JobQueueOptions): Worker<TriageJobData> {
  return createJobWorker<TriageJobData>(
    JOB_QUEUE_NAMES.inboundTriage,
    async (job: Job<TriageJobData>) => {
      // In order, one after another: a retry after a failure skips the messages already decided.
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      for (const item of triageItems(job.data)) await execTriageJob(deps, item, lastAttempt);
    },
    options,
    deps.logger,
  );
}

/** Waits for in-flight triage jobs to finish, then disconnects. */
export async function closeTriageWorker(worker: Worker<TriageJobData>): Promise<void> {
  await worker.close();
}
