import { Router } from 'express';
import type { ChannelListResponse, Sendable } from '../../contracts/inbox-api';
import type { ChannelRegistry } from '../channel-port/channel-registry';

/**
 * `GET /channels`: the channels this hub runs and how each is named, as the adapters declare them,
 * so the inbox page labels a channel and offers it (a patient's preferences) with no edit of its own.
 */
export function channelRouter(channels: ChannelRegistry): Router {
  const router = Router();
  router.get('/channels', (_req, res) => {
    const body: Sendable<ChannelListResponse> = {
      channels: channels.all().map((adapter) => {
        const title = adapter.title ?? adapter.label.charAt(0).toUpperCase() + adapter.label.slice(1);
        return {
          channel: adapter.channel,
          label: adapter.label,
          title,
          mark: adapter.mark ?? title,
          identityKind: adapter.identityKind,
          delivers: !adapter.readInPlace,
        };
      }),
    };
    res.json(body);
  });
  return router;
}
