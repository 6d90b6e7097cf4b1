import type { MessageRow } from '../conversations/conversation-store';
import { askOnResolve, type CsatDeps, sendQuestions } from '../csat/csat-question';
import type { Database } from '../platform/db/database';
import { type ConversationStateView, changeConversation, type WorkflowActor } from './conversation-workflow';
import { resolveStep } from './workflow-steps';

/**
 * Resolves a conversation (one, or each of a bulk selection) and, in the same transaction, plans the
 * clinic's rating question when it asks one (src/csat): resolved and asked together, or neither.
 */
export async function resolveConversation(
  db: Database,
  actor: WorkflowActor,
  conversationId: string,
  csat: CsatDeps,
): Promise<ConversationStateView> {
  let questions: MessageRow[] = [];
  const view = await changeConversation(db, actor, conversationId, 'resolved', async (tx, current) => {
    const patch = await resolveStep(tx, current);
    if (patch !== 'unchanged') {
      questions = await askOnResolve(tx, csat, current, actor.requestId ?? `resolve:${conversationId}`);
    }
    return patch;
  });
  await sendQuestions(csat, questions);
  return view;
}
