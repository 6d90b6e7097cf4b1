import { type SQL, sql } from 'drizzle-orm';

/**
 * What a campaign's message achieved for one recipient, as SQL conditions over a recipient row `r`
 * (campaign_recipients), its message `m` (messages, left joined: null for a skipped recipient) and
 * `reply` (the `replies` join, which a query using `replied` or `confirmed` adds after `m`).
 * The figures (campaign-store.ts) count them and the recipients' CSV (campaign-routes.ts) prints
 * them, so both read the same definitions. Each is an index lookup per recipient, never a scan:
 *
 * - replied: an inbound message carries the campaign's id (reply-attribution.ts), found through
 *   messages_campaign_reply_idx (campaign, contact).
 * - confirmed: such a reply that triage read as `confirm` (a "yes" or "C" to a reminder template, or
 *   "I'll be there"), or that staff corrected to `confirm` (their override wins over the machine's
 *   intent either way). Same index.
 * - linkOpened: the message went as the notice of a secure link (its channel_meta.secureLinkId,
 *   written with the outbox row by outbound-service.ts) and the content behind it was opened, with or
 *   without a date of birth given after (secure_links.first_opened_at): through that link, or through
 *   the fresh link to the same messages an unread reminder sent (secure-link-reminders.ts). Found by
 *   the link's primary key, then its conversation's links (secure_links_conversation_idx).
 * - booked: the recipient has an appointment that was created after the campaign's message was sent
 *   and within the attribution window after it (CAMPAIGN_REPLY_WINDOW_DAYS, as for replies), and is
 *   not cancelled now; and no other campaign's message reached the recipient between the two. So an
 *   appointment made before the message (the one a reminder is about) or after the window never
 *   counts, and one booking counts for one campaign only: the last one before it, the same
 *   last-touch rule as replies. Found through appointments_contact_idx, and the contact's other
 *   campaign messages through campaign_recipients_contact_idx.
 */
export function recipientOutcomes(
  windowDays: number,
): Record<'replies' | 'replied' | 'confirmed' | 'linkOpened' | 'booked', SQL> {
  return {
    // Replied and confirmed read the same replies: one look-up per recipient, joined after `m`.
    replies: sql`cross join lateral (
      select count(*) > 0 as replied,
        coalesce(bool_or(coalesce(i.triage_override->>'intent', i.triage->>'intent') = 'confirm'), false) as confirmed
      from messages i where i.campaign_id = r.campaign_id and i.contact_id = r.contact_id
        and i.direction = 'inbound') reply`,
    replied: sql`reply.replied`,
    confirmed: sql`reply.confirmed`,
    linkOpened: sql`exists (
      select 1 from secure_links notice
        join secure_links s on s.conversation_id = notice.conversation_id and s.message_ids @> notice.message_ids
      where notice.id = (m.channel_meta->>'secureLinkId')::uuid and notice.message_ids <> '[]'::jsonb
        and s.first_opened_at is not null)`,
    booked: sql`m.sent_at is not null and exists (
      select 1 from appointments a where a.contact_id = r.contact_id and a.status <> 'cancelled'
        and a.created_at > m.sent_at
        and a.created_at <= m.sent_at + ${windowDays}::float8 * interval '1 day'
        and not exists (
          select 1 from campaign_recipients o join messages om on om.id = o.message_id
          where o.contact_id = r.contact_id and o.status = 'planned' and o.campaign_id <> r.campaign_id
            and om.sent_at > m.sent_at and om.sent_at < a.created_at))`,
  };
}
