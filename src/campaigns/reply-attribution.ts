import { sql } from 'drizzle-orm';
import type { Queryable } from '../platform/db/database';

/**
 * Marks newly stored inbound messages with the campaign they answer: the campaign whose message
 * to the same contact was sent most recently, at most `windowDays` before the reply. One statement
 * per inbound batch, looked up by index (campaign_recipients by contact, then the campaign message by
 * id); a message already attributed (a replayed batch) keeps its campaign.
 */
export async function attributeCampaignReplies(
  db: Queryable,
  messageIds: string[],
  windowDays: number,
): Promise<void> {
  if (messageIds.length === 0 || windowDays <= 0) return;
  await db.execute(sql`
    update messages i set campaign_id = answered.campaign_id
    from (
      select reply.id, (
        select r.campaign_id from campaign_recipients r join messages m on m.id = r.message_id
        where r.contact_id = reply.contact_id and r.status = 'planned'
          and m.sent_at is not null and m.sent_at <= reply.created_at
          and m.sent_at > reply.created_at - ${windowDays}::float8 * interval '1 day'
        order by m.sent_at desc limit 1) as campaign_id
      from messages reply
      where reply.id = any(${sql.param(messageIds)}::uuid[]) and reply.direction = 'inbound'
        and reply.campaign_id is null
    ) answered
    where i.id = answered.id and answered.campaign_id is not null`);
}
