import { Router } from 'express';
import { z } from 'zod';
import { writeAudit } from '../platform/audit/audit-log';
import type { Database } from '../platform/db/database';
import { HttpError } from '../platform/http/http-error';
import { assertConversationAccess } from '../staff/contact-access';
import { loadAttachment } from './inbound-attachments';

const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i;

/**
 * `GET /attachments/:id` under the staff API (mounted after requireStaff): the bytes of a file a
 * patient sent, for staff who may see the conversation it came in. Every download is audited.
 */
export function attachmentRouter(db: Database): Router {
  const router = Router();
  router.get('/attachments/:id', async (req, res) => {
    const staff = req.staff!;
    const id = z.uuid().safeParse(req.params.id);
    if (!id.success) throw new HttpError(404, 'attachment_not_found', 'No such attachment');
    const attachment = await loadAttachment(db, staff.orgId, id.data);
    // A file whose message was never stored (the store failed after the file) belongs to nobody yet.
    if (!attachment?.messageId || attachment.queue === null) {
      throw new HttpError(404, 'attachment_not_found', 'No such attachment');
    }
    assertConversationAccess(staff, attachment.queue);
    await writeAudit(db, {
      orgId: staff.orgId,
      actorKind: 'staff',
      actorId: staff.id,
      action: 'attachment.download',
      subjectType: 'message',
      subjectId: attachment.messageId,
      ip: req.ip ?? null,
      requestId: req.id,
      detail: {
        attachmentId: attachment.id,
        conversationId: attachment.conversationId,
        size: attachment.size,
      },
    });
    // Always a download, never rendered by the browser in the hub's origin (an HTML file could script it).
    res.attachment(attachment.filename ?? `attachment-${attachment.id}`);
    res.type(MIME_TYPE.test(attachment.contentType) ? attachment.contentType : 'application/octet-stream');
    res.set({
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
    });
    res.send(attachment.content);
  });
  return router;
}
