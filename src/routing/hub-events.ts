import type { Queryable } from '../db/database';
import { hubEvents } from '../db/schema';

export interface HubEvent {
  orgId: string;
  type: 'triage.escalated';
  conversationId: string;
  messageId: string;
  queue: string;
  /** Ids, codes and reasons only: never message bodies or contact details. */
  payload: Record<string, unknown>;
}

/** Stores an event; the caller announces it in-process (an EventEmitter per hub) after the commit. */
export async function storeHubEvent(tx: Queryable, event: HubEvent): Promise<number> {
  const [row] = await tx
    .insert(hubEvents)
    .values({
      orgId: event.orgId,
      type: event.type,
      conversationId: event.conversationId,
      messageId: event.messageId,
      queue: event.queue,
      payload: event.payload,
    })
    .returning({ id: hubEvents.id });
  return row!.id;
}
