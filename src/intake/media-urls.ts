import type { InboundMessage, MediaItem } from '../channel-port';

/**
 * Only web addresses are kept as media: a `javascript:` or `data:` URL in a provider field would be a
 * link the inbox could follow. `http:` only from a channel in sandbox mode (local stand-ins); real
 * providers serve their media over https.
 */
export function isSafeMediaUrl(url: string, allowHttp: boolean): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === 'https:' || (allowHttp && parsed.protocol === 'http:');
}

/**
 * The message with unsafe media URLs left out; how many were dropped, and their types (never the
 * URL), stay in channelMeta so staff know something came.
 */
export function withSafeMedia(message: InboundMessage, allowHttp: boolean): InboundMessage {
  const kept: MediaItem[] = [];
  const dropped: { contentType: string; reason: string }[] = [];
  for (const item of message.media) {
    if (isSafeMediaUrl(item.url, allowHttp)) kept.push(item);
    else dropped.push({ contentType: item.contentType, reason: 'unsafe_url_scheme' });
  }
  if (dropped.length === 0) return message;
  return { ...message, media: kept, channelMeta: { ...message.channelMeta, mediaRefused: dropped } };
}
