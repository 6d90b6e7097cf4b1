import { Router } from 'express';
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { writeAudit } from '../platform/audit/audit-log';
import type { Database } from '../platform/db/database';
import { requireRole } from '../staff/require-role';
import { carrierKeywordReply } from './carrier-keyword-replies';
import type { ClinicSettings } from './clinic-settings';
import type { OrganizationRow } from './organization';

/** Two SMS segments: the HELP reply is sent by SMS, and carriers expect it short. */
export const HELP_TEXT_MAX = 320;
const CRISIS_LINE_MAX = 24;

const updateBody = z
  .object({
    timeZone: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .refine((zone) => IANAZone.isValidZone(zone), 'must be an IANA time zone such as America/New_York')
      .optional(),
    // null (or an empty string) goes back to the built-in HELP reply.
    helpText: z
      .string()
      .trim()
      .max(HELP_TEXT_MAX, `must be at most ${HELP_TEXT_MAX} characters`)
      .transform((text) => (text === '' ? null : text))
      .nullable()
      .optional(),
    // What a patient at risk dials or texts: a number or a short code ("988", "+1 800 273 8255").
    crisisLine: z
      .string()
      .trim()
      .min(2)
      .max(CRISIS_LINE_MAX, `must be at most ${CRISIS_LINE_MAX} characters`)
      .regex(/^[0-9+() .-]+$/, 'must be a phone number or short code, such as 988')
      .optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'give at least one field to change');

const presentSettings = (org: Readonly<OrganizationRow>) => ({
  name: org.name,
  timeZone: org.timeZone,
  helpText: org.helpText,
  helpTextMax: HELP_TEXT_MAX,
  crisisLine: org.crisisLine,
  // What a patient texting HELP gets now: the clinic's text, or the built-in reply.
  helpReply: carrierKeywordReply('help', org),
});

/** `GET/PATCH /settings`: the clinic's time zone, HELP reply and crisis line, for admins; changes apply at once. */
export function settingsRouter(db: Database, settings: ClinicSettings): Router {
  const router = Router();

  router.get('/settings', requireRole('admin'), (_req, res) => {
    res.json({ settings: presentSettings(settings.current) });
  });

  router.patch('/settings', requireRole('admin'), async (req, res) => {
    const body = updateBody.parse(req.body);
    const admin = req.staff!;
    const previousZone = settings.current.timeZone;
    const row = await db.transaction(async (tx) => {
      const stored = await settings.store(tx, body);
      await writeAudit(tx, {
        orgId: admin.orgId,
        actorKind: 'staff',
        actorId: admin.id,
        action: 'settings.update',
        subjectType: 'organization',
        subjectId: stored.id,
        ip: req.ip ?? null,
        requestId: req.id,
        // The help text is the clinic's own wording, not PHI, but its length says enough.
        detail: {
          fields: Object.keys(body),
          ...(body.timeZone !== undefined ? { timeZone: { from: previousZone, to: stored.timeZone } } : {}),
          ...(body.helpText !== undefined ? { helpTextLength: stored.helpText?.length ?? 0 } : {}),
          ...(body.crisisLine !== undefined ? { crisisLine: stored.crisisLine } : {}),
        },
      });
      return stored;
    });
    settings.applyCommitted(row);
    res.json({ settings: presentSettings(settings.current) });
  });

  return router;
}
