import { Router } from 'express';
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { writeAudit } from '../platform/audit/audit-log';
import type { Database } from '../platform/db/database';
import { requireRole } from '../staff/require-role';
import {
  ACKNOWLEDGEMENT_TEXT_MAX,
  ACKNOWLEDGEMENT_WINDOW_MINUTES,
  acknowledgementSettings,
} from './acknowledgement-settings';
import { carrierKeywordReply } from './carrier-keyword-replies';
import {
  CHAT_GREETING_MAX,
  chatAppearance,
  chatAppearanceBody,
  mergedChatAppearance,
} from './chat-appearance';
import type { ClinicSettings } from './clinic-settings';
import { CSAT_WINDOW_HOURS, csatSettings } from './csat-settings';
import type { OrganizationRow } from './organization';

/** Two SMS segments: the HELP reply is sent by SMS, and carriers expect it short. */
export const HELP_TEXT_MAX = 320;
const CRISIS_LINE_MAX = 24;

/**
 * The "we got your message" reply: on or off, once per conversation in `windowMinutes`, and the
 * clinic's own wording per language (an empty text goes back to the shipped one). Merged into what
 * is stored: a field left out keeps its value.
 */
const acknowledgementBody = z
  .object({
    enabled: z.boolean().optional(),
    windowMinutes: z
      .number()
      .int()
      .min(ACKNOWLEDGEMENT_WINDOW_MINUTES.min)
      .max(ACKNOWLEDGEMENT_WINDOW_MINUTES.max)
      .optional(),
    texts: z
      .record(
        z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'must be a language code such as en or es'),
        z
          .string()
          .trim()
          .max(ACKNOWLEDGEMENT_TEXT_MAX, `must be at most ${ACKNOWLEDGEMENT_TEXT_MAX} characters`),
      )
      .optional(),
  })
  .strict();

/** On or off, and how long a bare 1-5 reply counts as the rating; a field left out keeps its value. */
const csatBody = z
  .object({
    enabled: z.boolean().optional(),
    windowHours: z.number().int().min(CSAT_WINDOW_HOURS.min).max(CSAT_WINDOW_HOURS.max).optional(),
  })
  .strict();

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
    acknowledgement: acknowledgementBody.optional(),
    // The patient web chat's logo, colour and greeting (chat-appearance.ts).
    chatAppearance: chatAppearanceBody.optional(),
    // The rating question after a resolved conversation (csat-settings.ts).
    csat: csatBody.optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'give at least one field to change');

const presentSettings = (org: Readonly<OrganizationRow>) => ({
  name: org.name,
  timeZone: org.timeZone,
  helpText: org.helpText,
  helpTextMax: HELP_TEXT_MAX,
  crisisLine: org.crisisLine,
  acknowledgement: { ...acknowledgementSettings(org.acknowledgement), textMax: ACKNOWLEDGEMENT_TEXT_MAX },
  chatAppearance: { ...chatAppearance(org.chatAppearance), greetingMax: CHAT_GREETING_MAX },
  csat: csatSettings(org.csat),
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
    const { acknowledgement: ackChange, chatAppearance: lookChange, csat: csatChange, ...rest } = body;
    const row = await db.transaction(async (tx) => {
      const stored = await settings.store(tx, {
        ...rest,
        ...(ackChange ? { acknowledgement: mergedAcknowledgement(settings.current, ackChange) } : {}),
        ...(lookChange ? { chatAppearance: mergedChatAppearance(settings.current, lookChange) } : {}),
        ...(csatChange ? { csat: { ...csatSettings(settings.current.csat), ...csatChange } } : {}),
      });
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
          ...(ackChange?.enabled !== undefined ? { acknowledgementEnabled: ackChange.enabled } : {}),
          ...(csatChange?.enabled !== undefined ? { csatEnabled: csatChange.enabled } : {}),
        },
      });
      return stored;
    });
    settings.applyCommitted(row);
    res.json({ settings: presentSettings(settings.current) });
  });

  return router;
}

/** The stored acknowledgement settings with a change applied; an empty text removes that language's. */
function mergedAcknowledgement(
  org: Readonly<OrganizationRow>,
  change: z.infer<typeof acknowledgementBody>,
): NonNullable<OrganizationRow['acknowledgement']> {
  const now = acknowledgementSettings(org.acknowledgement);
  const texts = { ...now.texts };
  for (const [language, text] of Object.entries(change.texts ?? {})) {
    if (text) texts[language] = text;
    else delete texts[language];
  }
  return {
    enabled: change.enabled ?? now.enabled,
    windowMinutes: change.windowMinutes ?? now.windowMinutes,
    texts,
  };
}
