import { type Request, Router } from 'express';
import { z } from 'zod';
import type { PolicyCheckResponse, PolicyDecisionView, Sendable } from '../../contracts/inbox-api';
import { normalizeEmail, normalizePhone } from '../conversations/addresses';
import { findIdentity, resolveContactByIdentity } from '../conversations/contact-directory';
import type { Database } from '../db/database';
import { HttpError } from '../http/http-error';
import type { ChannelRegistry } from '../outbound/channel-registry';
import {
  asHttpError,
  type OutboundContent,
  type OutboundServiceDeps,
  planOutbound,
} from '../outbound/outbound-service';
import type { PolicyDecision } from '../policy/policy-engine';
import { assertContactAccess } from '../staff/contact-access';
import { presentMessage } from './conversation-routes';
import { planStaffReply } from './staff-reply';

const sensitivity = z.enum(['public', 'limited', 'phi']);
const purpose = z.enum(['care', 'administrative', 'marketing']);

/** Either a template with its variables, or free text with its sensitivity and purpose. */
export const contentSchema = z.union([
  z.object({
    template: z.string().min(1).max(100),
    variables: z.record(z.string(), z.unknown()).default({}),
    locale: z.string().max(10).optional(),
  }),
  z.object({
    body: z.string().trim().min(1, 'must not be empty').max(1600),
    // Free text is treated as PHI unless the sender says otherwise: the safe default.
    sensitivity: sensitivity.default('phi'),
    purpose: purpose.default('care'),
  }),
]);

const recipient = z.union([
  z.object({ contactId: z.uuid() }),
  z.object({ phone: z.string().min(3).max(40) }),
  z.object({ email: z.string().min(3).max(320) }),
]);

const outboundBody = z.intersection(
  z.object({
    to: recipient,
    // Checked against the channels the hub runs (deliveryChannel), so a new channel needs no edit here.
    channel: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,30}$/, 'must be a channel name such as sms')
      .optional(),
    urgent: z.boolean().optional(),
  }),
  contentSchema,
);

/**
 * A check of a staff reply (the inbox composer's preview): the conversation decides the contact and
 * the channel, so `to`, `channel` and `urgent` may be sent but are not used.
 */
const replyCheckBody = z.intersection(
  z.object({ conversationId: z.uuid('must be a conversation id'), to: recipient.optional() }),
  contentSchema,
);

export function toContent(parsed: z.infer<typeof contentSchema>): OutboundContent {
  return 'template' in parsed
    ? { template: parsed.template, variables: parsed.variables, locale: parsed.locale }
    : { body: parsed.body, sensitivity: parsed.sensitivity, purpose: parsed.purpose };
}

export function presentDecision(decision: PolicyDecision): Sendable<PolicyDecisionView> {
  return {
    allowed: decision.allowed,
    channel: decision.channel ?? null,
    securedVia: decision.securedVia ?? null,
    scheduledFor: decision.scheduledFor ?? null,
    code: decision.code ?? null,
    reasons: decision.reasons,
    considered: decision.considered,
  };
}

/** 400 unless the hub runs `channel` and delivers on it (a secure link is announced, never asked for). */
function assertDeliveryChannel(channels: ChannelRegistry, channel: string): void {
  const adapter = channels.get(channel);
  if (adapter && !adapter.readInPlace) return;
  throw new HttpError(
    400,
    'validation_failed',
    `Invalid request: channel: no channel named ${channel} delivers messages here`,
    { fields: ['channel'] },
  );
}

/**
 * `POST /outbound` (one message to a contact) and `POST /policy/check` (the same, decided but not
 * sent; with a `conversationId`, the staff reply in that conversation, decided as it would be sent).
 */
export function outboundRouter(db: Database, deps: OutboundServiceDeps, defaultRegion: string): Router {
  const router = Router();

  const resolveContact = async (req: Request, to: z.infer<typeof outboundBody>['to'], create: boolean) => {
    const staff = req.staff!;
    const orgId = staff.orgId;
    if ('contactId' in to) {
      await assertContactAccess(db, staff, to.contactId, { status: 422 });
      return to.contactId;
    }
    const [kind, address] =
      'phone' in to
        ? (['phone', normalizePhone(to.phone, defaultRegion)] as const)
        : (['email', normalizeEmail(to.email)] as const);
    if (!address) {
      throw new HttpError(400, 'validation_failed', `Invalid request: to.${kind} is not a valid ${kind}`, {
        fields: [`to.${kind}`],
      });
    }
    // Writing to a patient on file needs what writing to her by id needs; a new address is a new person.
    const known = await findIdentity(db, orgId, kind, address);
    if (known) await assertContactAccess(db, staff, known.contactId);
    // A check must not create anything.
    if (known || !create) return known?.contactId ?? null;
    return db.transaction((tx) => resolveContactByIdentity(tx, orgId, kind, address));
  };

  const handle = (dryRun: boolean) => async (req: Request, res: import('express').Response) => {
    if (dryRun && req.body && typeof req.body === 'object' && 'conversationId' in req.body) {
      // Decided exactly as POST /conversations/:id/messages would send it.
      const body = replyCheckBody.parse(req.body);
      try {
        const { decision } = await planStaffReply(
          deps,
          {
            staff: req.staff!,
            conversationId: body.conversationId,
            content: toContent(body),
            requestId: req.id,
            ip: req.ip,
          },
          { dryRun: true },
        );
        res.json({ decision: presentDecision(decision) } satisfies Sendable<PolicyCheckResponse>);
      } catch (error) {
        throw asHttpError(error);
      }
      return;
    }
    const body = outboundBody.parse(req.body);
    if (body.channel !== undefined) assertDeliveryChannel(deps.channels, body.channel);
    const contactId = await resolveContact(req, body.to, !dryRun);
    if (!contactId) {
      res.json({
        decision: {
          allowed: false,
          channel: null,
          securedVia: null,
          scheduledFor: null,
          code: 'contact_not_found',
          reasons: ['no contact has that address yet'],
          considered: [],
        },
      } satisfies Sendable<PolicyCheckResponse>);
      return;
    }
    try {
      const { decision, outcome } = await planOutbound(
        deps,
        {
          orgId: req.staff!.orgId,
          contactId,
          initiator: 'automated',
          urgent: body.urgent,
          requestedChannel: body.channel,
          content: toContent(body),
          staffId: req.staff!.id,
          requestId: req.id,
          ip: req.ip,
        },
        { dryRun },
      );
      if (dryRun || !outcome) {
        res.json({ decision: presentDecision(decision) } satisfies Sendable<PolicyCheckResponse>);
        return;
      }
      res.status(202).json({
        message: {
          ...presentMessage(outcome.message),
          securedVia: decision.securedVia ?? null,
          scheduledFor: decision.scheduledFor ?? null,
        },
        decision: presentDecision(decision),
      });
    } catch (error) {
      throw asHttpError(error);
    }
  };

  router.post('/outbound', handle(false));
  router.post('/policy/check', handle(true));
  return router;
}
