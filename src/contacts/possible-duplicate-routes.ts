import { Router } from 'express';
import { z } from 'zod';
import { writeAudit } from '../platform/audit/audit-log';
import type { Database } from '../platform/db/database';
import { HttpError } from '../platform/http/http-error';
import {
  assertContactAccess,
  assertIdentityChange,
  reachableContacts,
  type StaffMember,
} from '../staff/contact-access';
import { dismissPossibleDuplicate, listPossibleDuplicates } from './possible-duplicates';

/**
 * Possible duplicate contacts, for staff (mounted after requireStaff): `GET /contacts/:id/duplicates`
 * lists them; `POST /contacts/:id/duplicates/:suggestionId/dismiss` records that they are two people.
 * Nothing here merges contacts: that is a decision for a person, with its own tool.
 */
export function possibleDuplicateRouter(db: Database): Router {
  const router = Router();

  const loadContact = async (staff: StaffMember, raw: unknown) => {
    const id = z.uuid().safeParse(raw);
    if (!id.success) throw new HttpError(404, 'contact_not_found', 'No such contact');
    await assertContactAccess(db, staff, id.data);
    return { id: id.data };
  };

  router.get('/contacts/:id/duplicates', async (req, res) => {
    const staff = req.staff!;
    const contact = await loadContact(staff, req.params.id);
    const suggestions = await listPossibleDuplicates(db, staff.orgId, contact.id);
    // The other side of a pair is another patient: named only to someone who may read her.
    const reachable = await reachableContacts(
      db,
      staff,
      suggestions.map((s) => s.contact.id),
    );
    res.json({ duplicates: suggestions.filter((s) => reachable.has(s.contact.id)) });
  });

  /** Saying two records are two people is an identity decision, like merging them. */
  router.post('/contacts/:id/duplicates/:suggestionId/dismiss', async (req, res) => {
    const staff = req.staff!;
    const contact = await loadContact(staff, req.params.id);
    assertIdentityChange(staff, 'whether two contacts are one person');
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
