import { and, eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import type { Database } from '../db/database';
import { contacts } from '../db/schema';
import { HttpError } from '../http/http-error';
import { dismissPossibleDuplicate, listPossibleDuplicates } from './possible-duplicates';

/**
 * Possible duplicate contacts, for staff (mounted after requireStaff): `GET /contacts/:id/duplicates`
 * lists them; `POST /contacts/:id/duplicates/:suggestionId/dismiss` records that they are two people.
 * Nothing here merges contacts: that is a decision for a person, with its own tool.
 */
export function possibleDuplicateRouter(db: Database): Router {
  const router = Router();

  const loadContact = async (orgId: string, raw: unknown) => {
    const id = z.uuid().safeParse(raw);
    const [row] = id.success
      ? await db
          .select({ id: contacts.id })
          .from(contacts)
          .where(and(eq(contacts.id, id.data), eq(contacts.orgId, orgId)))
      : [];
    if (!row) throw new HttpError(404, 'contact_not_found', 'No such contact');
    return row;
  };

  router.get('/contacts/:id/duplicates', async (req, res) => {
    const staff = req.staff!;
    const contact = await loadContact(staff.orgId, req.params.id);
    const suggestions = await listPossibleDuplicates(db, staff.orgId, contact.id);
    res.json({ duplicates: suggestions });
  });

  router.post('/contacts/:id/duplicates/:suggestionId/dismiss', async (req, res) => {
    const staff = req.staff!;
    const contact = await loadContact(staff.orgId, req.params.id);
    const suggestionId = z.uuid().safeParse(req.params.suggestionId);
    const dismissed = suggestionId.success
      ? await db.transaction(async (tx) => {
          const row = await dismissPossibleDuplicate(
            tx,
            staff.orgId,
            contact.id,
            suggestionId.data,
            staff.id,
          );
          if (row) {
            await writeAudit(tx, {
              orgId: staff.orgId,
              actorKind: 'staff',
              actorId: staff.id,
              action: 'contact.duplicate_dismissed',
              subjectType: 'contact',
              subjectId: contact.id,
              ip: req.ip ?? null,
              requestId: req.id,
              detail: { suggestionId: row.id },
            });
          }
          return row;
        })
      : null;
    if (!dismissed) {
      throw new HttpError(
        404,
        'suggestion_not_found',
        'No open duplicate suggestion with that id for this contact',
      );
    }
    res.json({ dismissed: { id: dismissed.id, status: 'dismissed' } });
  });

  return router;
}
