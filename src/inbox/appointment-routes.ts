import { and, eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import { writeAudit } from '../audit/audit-log';
import { findDeliverableAddress } from '../conversations/contact-directory';
import { appendOutboundMessage, findOrOpenConversation } from '../conversations/conversation-store';
import type { Database } from '../db/database';
import { appointments, contacts, messages } from '../db/schema';
import { HttpError } from '../http/http-error';
import { enqueueAfterCommit, type OutboundDeps, SendRefused } from '../outbound/reply-service';
import { isOptedOut } from '../policy/consent-ledger';
import { appointmentReminder, formatAppointmentTime } from '../routing/auto-replies';

const newAppointment = z.object({
  contactId: z.uuid(),
  startsAt: z.iso.datetime({ offset: true }),
  location: z.string().trim().min(1).max(200),
});

type AppointmentRow = typeof appointments.$inferSelect;

const present = (a: AppointmentRow) => ({
  id: a.id,
  contactId: a.contactId,
  startsAt: a.startsAt,
  location: a.location,
  status: a.status,
  createdAt: a.createdAt,
  updatedAt: a.updatedAt,
});

/** Appointments, enough for reminders and the confirm/cancel/reschedule replies to act on. */
export function appointmentRouter(
  db: Database,
  outbound: OutboundDeps,
  clinic: { name: string; timeZone: string },
): Router {
  const router = Router();

  const load = async (orgId: string, id: string) => {
    const [row] = await db
      .select()
      .from(appointments)
      .where(and(eq(appointments.id, id), eq(appointments.orgId, orgId)));
    if (!row) throw new HttpError(404, 'appointment_not_found', 'No such appointment');
    return row;
  };

  router.post('/appointments', async (req, res) => {
    const body = newAppointment.parse(req.body);
    const staff = req.staff!;
    const [contact] = await db
      .select({ id: contacts.id })
      .from(contacts)
      .where(and(eq(contacts.id, body.contactId), eq(contacts.orgId, staff.orgId)));
    if (!contact) throw new HttpError(422, 'contact_not_found', 'No such contact');
    const [row] = await db
      .insert(appointments)
      .values({
        orgId: staff.orgId,
        contactId: body.contactId,
        startsAt: new Date(body.startsAt),
        location: body.location,
      })
      .returning();
    res.status(201).json({ appointment: present(row!) });
  });

  router.get('/appointments/:id', async (req, res) => {
    const row = await load(req.staff!.orgId, z.uuid().parse(req.params.id));
    res.json({ appointment: present(row) });
  });

  /** Sends the appointment reminder by SMS; the patient's short reply (C / 2) then acts on this appointment. */
  router.post('/appointments/:id/reminders', async (req, res) => {
    const staff = req.staff!;
    const appointment = await load(staff.orgId, z.uuid().parse(req.params.id));
    const channel = 'sms';
    const adapter = outbound.channels.get(channel);
    if (!adapter) throw new SendRefused('channel_unavailable', 'The sms channel is not running on this hub');
    const toAddress = await findDeliverableAddress(db, appointment.contactId, adapter.identityKind);
    if (!toAddress) throw new SendRefused('no_address', 'The contact has no deliverable phone number');
    if (await isOptedOut(db, appointment.contactId, channel, 'administrative')) {
      throw new SendRefused('consent_opted_out', 'The contact has opted out of sms messages');
    }
    const [contact] = await db.select().from(contacts).where(eq(contacts.id, appointment.contactId));
    const language = contact?.language ?? undefined;
    const body = appointmentReminder(
      clinic.name,
      formatAppointmentTime(appointment.startsAt, contact?.timeZone ?? clinic.timeZone, language),
      appointment.location,
      language,
    );
    const message = await db.transaction(async (tx) => {
      const conversationId = await findOrOpenConversation(tx, staff.orgId, appointment.contactId);
      const row = await appendOutboundMessage(tx, {
        orgId: staff.orgId,
        conversationId,
        contactId: appointment.contactId,
        channel,
        toAddress,
        body,
        authorKind: 'staff',
        authorStaffId: staff.id,
        templateId: 'appointment-reminder',
        channelMeta: adapter.describeOutbound?.(body) ?? {},
        requestId: req.id,
      });
      await tx.update(messages).set({ appointmentId: appointment.id }).where(eq(messages.id, row.id));
      await writeAudit(tx, {
        orgId: staff.orgId,
        actorKind: 'staff',
        actorId: staff.id,
        action: 'appointment.reminder',
        subjectType: 'appointment',
        subjectId: appointment.id,
        ip: req.ip ?? null,
        requestId: req.id,
        detail: { messageId: row.id },
      });
      return row;
    });
    await enqueueAfterCommit(outbound, [message]);
    res
      .status(202)
      .json({ message: { id: message.id, status: message.status, templateId: message.templateId } });
  });

  return router;
}
