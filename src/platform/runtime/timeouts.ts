/**
 * `work`, or the error `onTimeout` makes once `ms` have passed without an answer, whichever comes
 * first. The work itself is not cancelled (a promise cannot be): the caller decides what a late
 * answer means (a send that may have gone is not retried).
 */
export async function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
