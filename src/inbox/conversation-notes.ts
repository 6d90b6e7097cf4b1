import { asc, eq } from 'drizzle-orm';
import type { Queryable } from '../platform/db/database';
import { newId } from '../platform/db/ids';
import { conversationNotes, staffUsers } from '../platform/db/schema';

export interface NoteView {
  id: string;
  body: string;
  author: { id: string; name: string };
  createdAt: Date;
}

/** Appends an internal note; it is stored apart from messages so no send path can ever pick it up. */
export async function addNote(
  tx: Queryable,
  input: { orgId: string; conversationId: string; author: { id: string; name: string }; body: string },
): Promise<NoteView> {
  const [row] = await tx
    .insert(conversationNotes)
    .values({
      id: newId(),
      orgId: input.orgId,
      conversationId: input.conversationId,
      authorStaffId: input.author.id,
      body: input.body,
    })
    .returning();
  if (!row) throw new Error('note insert returned nothing');
  return {
    id: row.id,
    body: row.body,
    author: { id: input.author.id, name: input.author.name },
    createdAt: row.createdAt,
  };
}

export async function listNotes(db: Queryable, conversationId: string): Promise<NoteView[]> {
  const rows = await db
    .select({
      id: conversationNotes.id,
      body: conversationNotes.body,
      author: { id: staffUsers.id, name: staffUsers.name },
      createdAt: conversationNotes.createdAt,
    })
    .from(conversationNotes)
    .innerJoin(staffUsers, eq(staffUsers.id, conversationNotes.authorStaffId))
    .where(eq(conversationNotes.conversationId, conversationId))
    .orderBy(asc(conversationNotes.createdAt), asc(conversationNotes.id));
  return rows;
}
