import { and, eq, sql } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import type { ContactConversationsResponse, ContactResponse, Sendable } from '../../contracts/inbox-api';
import type { ChannelRegistry } from '../channel-port/channel-registry';
import { normalizeEmail, normalizePhone } from '../platform/addresses/addresses';
import { writeAudit } from '../platform/audit/audit-log';
import type { Database, Transaction } from '../platform/db/database';
import { contactIdentities, contacts, type IdentityKind } from '../platform/db/schema';
import { HttpError } from '../platform/http/http-error';
import { languageTagSchema } from '../platform/locale/language-tag';
import { listConsents, recordConsent } from '../policy/consent-ledger';
import {
  assertContactAccess,
  assertIdentityChange,
  identityTaken,
  type StaffMember,
} from '../staff/contact-access';
import { listContactConversations } from './contact-conversations';
import { findIdentity } from './contact-directory';
import { parseTags } from './contact-tags';

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

const dateOfBirth = z.iso
  .date('must be a date as YYYY-MM-DD')
  .refine((d) => d <= new Date().toISOString().slice(0, 10), 'must not be in the future');

/**
 * Custom attributes: up to 30 labels a clinic chose ("MRN", "Preferred pharmacy"), each with a short
 * text value. The whole set is replaced on each write, so a removed label is gone.
 */
const attributes = z
  .record(
    z
      .string()
      .trim()
      .min(1, 'attribute labels must not be empty')
      .max(60, 'attribute labels are at most 60 characters'),
    z.string().trim().max(500, 'attribute values are at most 500 characters'),
  )
  .refine((set) => Object.keys(set).length <= 30, 'at most 30 attributes');

/**
 * A channel name the hub runs, one of `names` (read from the channel registry, so a new channel is
 * accepted with no edit here).
 */
const oneOf = (names: string[]) => z.enum(names as [string, ...string[]]);

/** The request bodies, built from the channels the hub runs. */
function contactSchemas(channels: ChannelRegistry) {
  const all = channels.all().map((adapter) => adapter.channel);
  // A patient's consent is about what is delivered to her on a channel; a secure link is read here.
  const delivering = channels.deliveryChannels().map((adapter) => adapter.channel);
  return {
    contactFields: contactFieldsOf(all),
    consentBody: consentBodyOf(delivering),
  };
}

const contactFieldsOf = (channelNames: string[]) =>
  z
    .object({
      name: z.string().trim().min(1).max(200).nullable().optional(),
      phone: z.string().trim().min(3).max(40).nullable().optional(),
      email: z.string().trim().min(3).max(320).nullable().optional(),
      dateOfBirth: dateOfBirth.nullable().optional(),
      language: languageTagSchema.nullable().optional(),
      timeZone: z
        .string()
        .refine(isTimeZone, 'must be an IANA time zone such as America/Chicago')
        .nullable()
        .optional(),
      channelPreferences: z.array(oneOf(channelNames)).max(channelNames.length).nullable().optional(),
      attributes: attributes.nullable().optional(),
      // Checked by parseTags, for codes that say which rule a tag broke.
      tags: z.unknown().optional(),
    })
    // A misspelt field would otherwise be dropped with a 200, and the change the caller meant lost.
    .strict();

const consentBodyOf = (channelNames: string[]) =>
  z.object({
    channel: oneOf(channelNames),
    purpose: z.enum(['all', 'care', 'administrative', 'marketing', 'unencrypted_phi']),
    status: z.enum(['opted_in', 'opted_out']),
    /** What the patient was told, e.g. the warning shown before accepting unencrypted PHI. Required then. */
    warningText: z.string().trim().max(2000).optional(),
    note: z.string().trim().max(500).optional(),
  });

type ContactRow = typeof contacts.$inferSelect;

async function presentContact(
  db: Database | Transaction,
  contact: ContactRow,
): Promise<Sendable<ContactResponse['contact']>> {
  const identities = await db
    .select()
    .from(contactIdentities)
    .where(eq(contactIdentities.contactId, contact.id));
  const address = (kind: IdentityKind) => identities.find((i) => i.kind === kind)?.address ?? null;
  return {
    id: contact.id,
    name: contact.displayName,
    phone: address('phone'),
    email: address('email'),
    dateOfBirth: contact.dateOfBirth,
    language: contact.language,
    timeZone: contact.timeZone,
    channelPreferences: contact.channelPreferences ?? [],
    attributes: contact.attributes ?? {},
    tags: contact.tags,
    identities: identities.map((i) => ({
      kind: i.kind,
      address: i.address,
      undeliverable: i.undeliverableAt !== null,
    })),
    createdAt: contact.createdAt,
    updatedAt: contact.updatedAt,
  };
}

/**
 * Sets the contact's address of one kind. An address that belongs to another contact is refused
 * (409): merging two people's records is a decision for a person, never a side effect.
 */
async function setIdentity(
  tx: Transaction,
  staff: StaffMember,
  contactId: string,
  kind: IdentityKind,
  address: string | null,
) {
  const { orgId } = staff;
  await tx
    .delete(contactIdentities)
    .where(and(eq(contactIdentities.contactId, contactId), eq(contactIdentities.kind, kind)));
  if (!address) return;
  const owner = await findIdentity(tx, orgId, kind, address);
  if (owner && owner.contactId !== contactId) throw await identityTaken(tx, staff, kind, owner.contactId);
  await tx.insert(contactIdentities).values({ orgId, contactId, kind, address });
}

function normalizedAddresses(body: z.infer<ReturnType<typeof contactFieldsOf>>, region: string) {
  const phone =
    body.phone === undefined || body.phone === null ? body.phone : normalizePhone(body.phone, region);
  if (phone === null && body.phone) {
    throw new HttpError(400, 'validation_failed', 'Invalid request: phone is not a valid phone number', {
      fields: ['phone'],
    });
  }
  const email = body.email === undefined || body.email === null ? body.email : normalizeEmail(body.email);
  if (email === null && body.email) {
    throw new HttpError(400, 'validation_failed', 'Invalid request: email is not a valid email address', {
      fields: ['email'],
    });
  }
  return { phone, email };
}

/**
 * Contacts: create, update (name, phone, email, date of birth, language, time zone, channel
 * preferences, attributes, tags) and consent.
 */
export function contactRouter(db: Database, defaultRegion: string, channels: ChannelRegistry): Router {
  const router = Router();
  const { contactFields, consentBody } = contactSchemas(channels);

  const load = async (staff: StaffMember, id: string) => {
    await assertContactAccess(db, staff, id);
    const [row] = await db
      .select()
      .from(contacts)
      .where(and(eq(contacts.id, id), eq(contacts.orgId, staff.orgId)));
    if (!row) throw new HttpError(404, 'contact_not_found', 'No such contact');
    return row;
  };

  const save = async (req: Parameters<Parameters<Router['post']>[1]>[0], id: string | null) => {
    const staff = req.staff!;
    const body = contactFields.parse(req.body);
    const { phone, email } = normalizedAddresses(body, defaultRegion);
    const tags = body.tags === undefined ? undefined : parseTags(body.tags);
    if (id) {
      await assertContactAccess(db, staff, id);
      // A new contact is a new person; changing an existing one's addresses or birth date is not.
      const identityFields = (['phone', 'email', 'dateOfBirth'] as const).filter(
        (f) => body[f] !== undefined,
      );
      if (identityFields.length > 0) assertIdentityChange(staff, `a contact's ${identityFields.join(', ')}`);
    }
    return db.transaction(async (tx) => {
      const values = {
        ...(body.name !== undefined ? { displayName: body.name } : {}),
        ...(body.dateOfBirth !== undefined ? { dateOfBirth: body.dateOfBirth } : {}),
        ...(body.language !== undefined ? { language: body.language } : {}),
        ...(body.timeZone !== undefined ? { timeZone: body.timeZone } : {}),
        ...(body.channelPreferences !== undefined ? { channelPreferences: body.channelPreferences } : {}),
        // null clears them: the column is never null (imports and campaigns read it as a set).
        ...(body.attributes !== undefined ? { attributes: body.attributes ?? {} } : {}),
        // The whole set, like attributes: the panel sends what it shows.
        ...(tags !== undefined ? { tags } : {}),
      };
      const [row] = id
        ? await tx
            .update(contacts)
            .set({ ...values, updatedAt: sql`now()` })
            .where(and(eq(contacts.id, id), eq(contacts.orgId, staff.orgId)))
            .returning()
        : await tx
            .insert(contacts)
            .values({ orgId: staff.orgId, ...values })
            .returning();
      if (!row) throw new HttpError(404, 'contact_not_found', 'No such contact');
      if (phone !== undefined) await setIdentity(tx, staff, row.id, 'phone', phone);
      if (email !== undefined) await setIdentity(tx, staff, row.id, 'email', email);
      await writeAudit(tx, {
        orgId: staff.orgId,
        actorKind: 'staff',
        actorId: staff.id,
        action: id ? 'contact.update' : 'contact.create',
        subjectType: 'contact',
        subjectId: row.id,
        ip: req.ip ?? null,
        requestId: req.id,
        // Which fields changed, never their values.
        detail: { fields: Object.keys(body) },
      });
      return presentContact(tx, row);
    });
  };

  router.post('/contacts', async (req, res) => {
    res.status(201).json({ contact: await save(req, null) });
  });

  router.patch('/contacts/:id', async (req, res) => {
    res.json({ contact: await save(req, z.uuid().parse(req.params.id)) });
  });

  router.get('/contacts/:id', async (req, res) => {
    const contact = await load(req.staff!, z.uuid().parse(req.params.id));
    res.json({ contact: await presentContact(db, contact) });
  });

  /** The patient panel's past conversations: in her queues only (see listContactConversations). */
  router.get('/contacts/:id/conversations', async (req, res) => {
    const contact = await load(req.staff!, z.uuid().parse(req.params.id));
    res.json({
      conversations: await listContactConversations(db, req.staff!, contact.id),
    } satisfies Sendable<ContactConversationsResponse>);
  });

  router.get('/contacts/:id/consents', async (req, res) => {
    const contact = await load(req.staff!, z.uuid().parse(req.params.id));
    const rows = await listConsents(db, contact.id);
    res.json({
      consents: rows.map((r) => ({
        channel: r.channel,
        purpose: r.purpose,
        status: r.status,
        source: r.source,
        evidenceMessageId: r.evidenceMessageId,
        note: r.note,
        recordedAt: r.recordedAt,
      })),
    });
  });

  /** A consent a staff member records for the patient (e.g. marketing opt-in given at the desk). */
  router.post('/contacts/:id/consents', async (req, res) => {
    const staff = req.staff!;
    const contact = await load(staff, z.uuid().parse(req.params.id));
    const body = consentBody.parse(req.body);
    // Withdrawing it only narrows what may be sent, so whoever serves the patient may record that.
    if (body.purpose === 'unencrypted_phi' && body.status === 'opted_in') {
      assertIdentityChange(staff, 'consent to unencrypted PHI');
    }
    if (body.purpose === 'unencrypted_phi' && body.status === 'opted_in' && !body.warningText) {
      throw new HttpError(
        422,
        'warning_required',
        'Accepting unencrypted PHI needs the warning text the patient was shown',
      );
    }
    await db.transaction(async (tx) => {
      await recordConsent(tx, {
        orgId: staff.orgId,
        contactId: contact.id,
        channel: body.channel,
        purpose: body.purpose,
        status: body.status,
        source: `staff:${staff.id}`,
        note:
          [body.note, body.warningText ? `warning shown: ${body.warningText}` : null]
            .filter(Boolean)
            .join(' | ') || null,
      });
      await writeAudit(tx, {
        orgId: staff.orgId,
        actorKind: 'staff',
        actorId: staff.id,
        action: `consent.${body.status}`,
        subjectType: 'contact',
        subjectId: contact.id,
        ip: req.ip ?? null,
        requestId: req.id,
        detail: { channel: body.channel, purpose: body.purpose },
      });
    });
    res.status(201).json({ recorded: { channel: body.channel, purpose: body.purpose, status: body.status } });
  });

  return router;
}
