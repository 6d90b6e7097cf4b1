import { and, eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import type { ChannelRegistry } from '../channel-port/channel-registry';
import { presentMessage } from '../inbox/message-presenter';
import { presentDecision } from '../inbox/outbound-routes';
import { asHttpError, type OutboundServiceDeps, planOutbound } from '../outbound/outbound-service';
import type { Database } from '../platform/db/database';
import { appointments } from '../platform/db/schema';
import { HttpError } from '../platform/http/http-error';
import { assertContactAccess, type StaffMember } from '../staff/contact-access';

const newAppointment = z.object({
  contactId: z.uuid(),
  startsAt: z.iso.datetime({ offset: true }),
  location: z.string().trim().min(1).max(200),
});

/**
 * The channel a reminder is asked for, one the hub delivers on (read from the registry, so a new
 * channel needs no edit here); unless asked, the registry's first choice (SMS, ranked first), and
 * voice (a call) only ever when asked.
 */
const reminderBodyFor = (channels: ChannelRegistry) => {
  const names = channels.deliveryChannels().map((adapter) => adapter.channel);
  const first = channels.firstChoice()?.channel ?? names[0] ?? '';
  return z
    .object({ channel: z.enum(names as [string, ...string[]]).default(first) })
    .default({ channel: first });
};

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
  outbound: OutboundServiceDeps,
  clinic: { name: string; timeZone: string },
  /** Told of every appointment booked, once it is stored. */
  onBooked?: (contactId: string) => void,
): Router {
  const router = Router();
  const reminderBody = reminderBodyFor(outbound.channels);

  /** An appointment is the patient's: reached through her contact. */
  const load = async (staff: StaffMember, id: string) => {
    const [row] = await db
      .select()
      .from(appointments)
      .where(and(eq(appointments.id, id), eq(appointments.orgId, staff.orgId)));
    if (!row) throw new HttpError(404, 'appointment_not_found', 'No such appointment');
    await assertContactAccess(db, staff, row.contactId);
    return row;
  };

  router.post('/appointments', async (req, res) => {
    const body = newAppointment.parse(req.body);
    const staff = req.staff!;
    await assertContactAccess(db, staff, body.contactId, { status: 422 });
    const [row] = await db
      .insert(appointments)
      .values({
        orgId: staff.orgId,
        contactId: body.contactId,
        startsAt: new Date(body.startsAt),
        location: body.location,
      })
      .returning();
    onBooked?.(row!.contactId);
    res.status(201).json({ appointment: present(row!) });
  });

  router.get('/appointments/:id', async (req, res) => {
    const row = await load(req.staff!, z.uuid().parse(req.params.id));
    res.json({ appointment: present(row) });
  });

  /**
   * Sends the `appointment-reminder` template under policy (an automated, administrative message:
   * quiet hours defer it); the patient's short reply (C / 2, or a key on a reminder call) then acts
   * on this appointment. `{channel?}`, a delivery channel (default: the registry's first choice,
   * SMS), is the channel asked for; policy may still fall back to another, except that a call is never a fallback.
   */
  router.post('/appointments/:id/reminders', async (req, res) => {
    const staff = req.staff!;
    const appointment = await load(staff, z.uuid().parse(req.params.id));
    const { channel } = reminderBody.parse(req.body ?? {});
    try {
      const { decision, outcome } = await planOutbound(
        outbound,
        {
          orgId: staff.orgId,
          contactId: appointment.contactId,
          initiator: 'automated',
          requestedChannel: channel,
          content: {
            template: 'appointment-reminder',
            variables: {
              clinicName: clinic.name,
              appointmentTime: appointment.startsAt.toISOString(),
              location: appointment.location,
            },
          },
          appointmentId: appointment.id,
          staffId: staff.id,
          requestId: req.id,
          ip: req.ip,
        },
        { dryRun: false },
      );
      res
        .status(202)
        .json({ message: presentMessage(outcome!.message), decision: presentDecision(decision) });
    } catch (error) {
      throw asHttpError(error);
    }
  });

  return router;
}
