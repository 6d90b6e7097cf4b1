import { and, asc, desc, eq, inArray, max } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import type { ChannelRegistry } from '../channel-port/channel-registry';
import { findIdentity } from '../contacts/contact-directory';
import { messageFromOrTo } from '../contacts/contact-history';
import { normalizeEmail, normalizePhone } from '../platform/addresses/addresses';
import type { Database } from '../platform/db/database';
import { contactIdentities, conversations, messages } from '../platform/db/schema';
import { HttpError } from '../platform/http/http-error';
import { visibleConversations } from '../staff/contact-access';

const sandboxMessage = z.object({
  from: z.string().trim().min(3).max(320),
  body: z.string().max(1600),
});

const threadQuery = z.object({
  channel: z.string().min(1).max(40),
  address: z.string().trim().min(3).max(320),
});

const addressesQuery = z.object({ channel: z.string().min(1).max(40) });

export interface SandboxRouterDeps {
  db: Database;
  defaultRegion: string;
}

/**
 * The sandbox phone's API, for channels in sandbox mode only (404 for live ones):
 * - `GET /sandbox/channels`: the sandboxed channels and whether a patient can be played on them,
 *   then the channels played on a page of their own (web chat: `patientPage` `/chat`), live or not;
 * - `GET /sandbox/addresses?channel=`: patient addresses that have messages on that channel;
 * - `GET /sandbox/threads?channel=&address=`: what the hub sent to that address and what it sent,
 *   with the ids of the conversations they are in (for the page's live updates);
 * - `POST /sandbox/:channel/inbound` plays the patient: the adapter signs the request its provider
 *   would send and the hub posts it to its own webhook, so it takes exactly the path real traffic takes.
 */
export function sandboxRouter(
  channels: ChannelRegistry,
  localUrl: () => string,
  deps: SandboxRouterDeps,
): Router {
  const router = Router();

  const sandboxed = (channel: string) => {
    const adapter = channels.get(channel);
    if (!adapter?.sandbox) {
      throw new HttpError(404, 'sandbox_unavailable', `No ${channel} channel in sandbox mode on this hub`);
    }
    return adapter;
  };

  const normalize = (kind: string, address: string): string | null =>
    kind === 'phone'
      ? normalizePhone(address, deps.defaultRegion)
      : kind === 'email'
        ? normalizeEmail(address)
        : address.trim();

  router.get('/sandbox/channels', (_req, res) => {
    const all = channels.all();
    // Sandboxed channels first (the page opens the first one), then those with a page of their own.
    const listed = [
      ...all.filter((adapter) => adapter.sandbox),
      ...all.filter((adapter) => !adapter.sandbox && adapter.patientPage),
    ];
    res.json({
      channels: listed.map((adapter) => ({
        channel: adapter.channel,
        identityKind: adapter.identityKind,
        canReply: adapter.sandbox && Boolean(adapter.sandboxInbound),
        ...(adapter.patientPage ? { patientPage: adapter.patientPage } : {}),
      })),
    });
  });

  router.get('/sandbox/addresses', async (req, res) => {
    const { channel } = addressesQuery.parse(req.query);
    const adapter = sandboxed(channel);
    const lastActivity = max(conversations.lastActivityAt);
    const rows = await deps.db
      .select({ address: contactIdentities.address, lastActivityAt: lastActivity })
      .from(contactIdentities)
      .innerJoin(conversations, eq(conversations.contactId, contactIdentities.contactId))
      .where(
        and(
          eq(contactIdentities.orgId, req.staff!.orgId),
          eq(contactIdentities.kind, adapter.identityKind),
          // A patient's address is listed only to staff who see one of her conversations.
          visibleConversations(req.staff!),
        ),
      )
      .groupBy(contactIdentities.address)
      .orderBy(desc(lastActivity))
      .limit(50);
    res.json({ addresses: rows });
  });

  router.get('/sandbox/threads', async (req, res) => {
    // The channel first: a live channel is a 404 whatever the address.
    const adapter = sandboxed(addressesQuery.parse(req.query).channel);
    const query = threadQuery.parse(req.query);
    const address = normalize(adapter.identityKind, query.address);
    if (!address) {
      throw new HttpError(
        400,
        'validation_failed',
        `Invalid request: address is not a valid ${adapter.identityKind}`,
        {
          fields: ['address'],
        },
      );
    }
    const orgId = req.staff!.orgId;
    const identity = await findIdentity(deps.db, orgId, adapter.identityKind, address);
    if (!identity) {
      res.json({ channel: adapter.channel, address, conversationIds: [], messages: [] });
      return;
    }
    const conversationIds = deps.db
      .select({ id: conversations.id })
      .from(conversations)
      .where(
        and(
          eq(conversations.orgId, orgId),
          eq(conversations.contactId, identity.contactId),
          // The thread shows what she could read in the inbox, and no more.
          visibleConversations(req.staff!),
        ),
      );
    const rows = await deps.db
      .select({
        id: messages.id,
        conversationId: messages.conversationId,
        direction: messages.direction,
        body: messages.body,
        status: messages.status,
        createdAt: messages.createdAt,
      })
      .from(messages)
      .where(
        and(
          inArray(messages.conversationId, conversationIds),
          eq(messages.channel, adapter.channel),
          messageFromOrTo(address),
        ),
      )
      .orderBy(asc(messages.createdAt), asc(messages.id))
      .limit(500);
    // The page listens to the /inbox socket for these conversations' message events.
    res.json({
      channel: adapter.channel,
      address,
      conversationIds: [...new Set(rows.map((m) => m.conversationId))],
      messages: rows,
    });
  });

  router.post('/sandbox/:channel/inbound', async (req, res) => {
    const adapter = channels.get(String(req.params.channel));
    if (!adapter?.sandbox || !adapter.sandboxInbound) {
      throw new HttpError(
        404,
        'sandbox_unavailable',
        `No ${req.params.channel} channel in sandbox mode on this hub`,
      );
    }
    const input = sandboxMessage.parse(req.body);
    const signed = adapter.sandboxInbound(input);
    const answer = await fetch(`${localUrl()}${signed.path}`, {
      method: 'POST',
      headers: { ...signed.headers, 'x-request-id': req.id },
      body: signed.body,
    });
    const text = await answer.text();
    if (!answer.ok) {
      // The webhook's own error (e.g. 400 naming the bad field) is the useful answer.
      res
        .status(answer.status)
        .type(answer.headers.get('content-type') ?? 'application/json')
        .send(text);
      return;
    }
    res.status(202).json({ accepted: true, webhookStatus: answer.status });
  });
  return router;
}
