import { z } from 'zod';
import type { InboundMessage, MediaItem } from '../../src/channel-port';

/** The largest message text accepted: Bot Framework channels cap messages near 28 KB. */
const MAX_TEXT = 28_000;

const account = z
  .object({
    id: z.string().min(1).max(512),
    name: z.string().max(256).optional(),
    aadObjectId: z.string().max(128).optional(),
    role: z.string().max(32).optional(),
  })
  .loose();

const attachment = z
  .object({
    contentType: z.string().min(1).max(255),
    contentUrl: z.string().max(2048).optional(),
    name: z.string().max(512).optional(),
  })
  .loose();

/**
 * The parts of a Bot Framework activity the hub relies on, for every type. Unknown fields are kept
 * (botbuilder reads some of them, e.g. entities for mentions).
 */
export const activitySchema = z
  .object({
    type: z.string().min(1).max(64),
    id: z.string().min(1).max(512).optional(),
    channelId: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9._-]+$/, 'must be a Bot Framework channel id such as msteams'),
    serviceUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    conversation: z
      .object({
        id: z.string().min(1).max(512),
        isGroup: z.boolean().optional(),
        conversationType: z.string().max(64).optional(),
        tenantId: z.string().max(128).optional(),
      })
      .loose(),
    from: account,
    recipient: account,
    locale: z.string().max(32).optional(),
    text: z.string().max(MAX_TEXT).optional(),
    attachments: z.array(attachment).max(20).optional(),
  })
  .loose()
  .superRefine((activity, ctx) => {
    if (activity.type !== 'message') return;
    if (!activity.id) ctx.addIssue({ code: 'custom', path: ['id'], message: 'a message needs an id' });
    if (!activity.text?.trim() && !activity.attachments?.length) {
      ctx.addIssue({ code: 'custom', path: ['text'], message: 'a message needs text or attachments' });
    }
  });

export type ParsedActivity = z.infer<typeof activitySchema>;

/**
 * The identity of a Bot Framework sender: the conversation, qualified by the channel (ids are only
 * unique within one). Not the user's id: a proactive reply can only go to a conversation, and a
 * Direct Line or Web Chat user id is chosen by the embedding page, so keying on it would let anyone
 * who claims a user id redirect that user's replies to their own conversation.
 */
export function botframeworkAddress(channelId: string, conversationId: string): string {
  return `${channelId}:${conversationId}`;
}

/**
 * Activity ids are unique within a conversation only (Teams uses timestamps), while stored provider
 * ids are unique per hub channel: they are kept qualified by the conversation address.
 */
export function providerActivityId(address: string, activityId: string): string {
  return `${address}|${activityId}`;
}

/** A message activity as the hub's inbound message. `text` is the text with the bot's mention removed. */
export function toInboundMessage(activity: ParsedActivity, text: string): InboundMessage {
  const address = botframeworkAddress(activity.channelId, activity.conversation.id);
  const files = activity.attachments ?? [];
  const media: MediaItem[] = files.flatMap((a) =>
    a.contentUrl && /^https?:\/\//i.test(a.contentUrl)
      ? [{ url: a.contentUrl, contentType: a.contentType }]
      : [],
  );
  // Cards and inline content have no URL to keep: staff see that something came, and its kind.
  const other = files.filter((a) => !(a.contentUrl && /^https?:\/\//i.test(a.contentUrl)));
  return {
    channel: 'botframework',
    from: {
      kind: 'botframework',
      address,
      ...(activity.from.name ? { displayName: activity.from.name } : {}),
    },
    toAddress: activity.recipient.id,
    body: text.trim(),
    media,
    providerMessageId: providerActivityId(address, activity.id!),
    channelMeta: {
      channelId: activity.channelId,
      activityId: activity.id,
      conversationId: activity.conversation.id,
      ...(activity.conversation.isGroup !== undefined ? { isGroup: activity.conversation.isGroup } : {}),
      ...(activity.conversation.conversationType
        ? { conversationType: activity.conversation.conversationType }
        : {}),
      ...(activity.conversation.tenantId ? { tenantId: activity.conversation.tenantId } : {}),
      // In a group conversation several people write: staff need to see who did.
      user: { id: activity.from.id, ...(activity.from.name ? { name: activity.from.name } : {}) },
      ...(activity.locale ? { locale: activity.locale } : {}),
      ...(other.length > 0
        ? { attachments: other.map((a) => ({ contentType: a.contentType, name: a.name ?? null })) }
        : {}),
    },
  };
}
