import { Router } from 'express';
import { z } from 'zod';
import { HttpError } from '../http/http-error';
import type { ChannelRegistry } from '../outbound/channel-registry';

const sandboxMessage = z.object({
  from: z.string().trim().min(3).max(320),
  body: z.string().max(1600),
});

/**
 * `POST /sandbox/:channel/inbound` plays the patient when a channel runs in sandbox mode: the
 * adapter signs the request its provider would send and the hub posts it to its own webhook, so it
 * takes exactly the path real traffic takes. Refused (404) for channels that are live.
 */
export function sandboxRouter(channels: ChannelRegistry, localUrl: () => string): Router {
  const router = Router();
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
