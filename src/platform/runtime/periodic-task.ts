import type { Logger } from 'pino';

export interface PeriodicTask {
  stop(): Promise<void>;
}

/** Runs `task` every `everySeconds`, never two at once; failures are logged and tried again next time. */
export function startPeriodic(
  logger: Logger,
  name: string,
  everySeconds: number,
  task: () => Promise<number>,
): PeriodicTask {
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = task()
      .then((count) => {
        if (count > 0) logger.info({ count }, `${name}: re-enqueued`);
      })
      .catch((err) => logger.warn({ err }, `${name} failed; will try again`))
      .finally(() => {
        running = null;
      });
  }, everySeconds * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
