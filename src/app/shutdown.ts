import type { Closable, FeatureRuntime, Stoppable } from '../platform/runtime/lifecycle';

/**
 * Stops what the features run, in phases across all of them: every periodic task, then every
 * worker in list order, then every queue. Connections (Redis, adapters, the database) are the
 * caller's to close after this.
 */
export async function stopFeatures(features: FeatureRuntime[]): Promise<void> {
  const inOrder = async (parts: (Stoppable | Closable)[]) => {
    for (const part of parts) await ('stop' in part ? part.stop() : part.close());
  };
  await inOrder(features.flatMap((f) => f.periodic));
  await inOrder(features.flatMap((f) => f.workers));
  await inOrder(features.flatMap((f) => f.queues));
}
