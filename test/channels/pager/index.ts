import { randomBytes, timingSafeEqual } from 'node:crypto';
import express, { Router } from 'express';
import type { ChannelAdapter, ChannelFactory, OutboundEnvelope } from '../../../src/channel-port';

/** The identity kind of a two-way pager's handset: the pager service's own id for it. */
export const PAGER_HANDSET_KIND = 'pager-handset';

/**
 * A channel that exists only in tests: a pager service that delivers short notices to a phone
 * number, and whose two-way handsets answer under an id of the service's own. It is a folder and a
 * factory, like those in channels/; the hub learns of it from the list of factories it is started
 * with and from what the adapter declares, never from a core edit.
 */
export function pagerChannel(): {
  factory: ChannelFactory;
  sent: OutboundEnvelope[];
  /** The secret the pager service signs its reply webhooks with (a bearer token). */
  webhookToken: string;
} {
  const sent: OutboundEnvelope[] = [];
  const webhookToken = randomBytes(16).toString('hex');
  const factory: ChannelFactory = (): ChannelAdapter => ({
    channel: 'pager',
    label: 'clinic pager',
    mark: 'Page',
    identityKind: 'phone',
    // A handset's id means nothing to staff: never shown; a contact known only by it is a pager user.
    identityKinds: [
      {
        kind: PAGER_HANDSET_KIND,
        shown: { as: 'hidden', described: 'pager handset', visitor: 'Pager user' },
      },
    ],
    // The clinic's own pagers: appointment details are fine, clinical details are not.
    maxSensitivity: 'limited',
    // A pager cannot open a link.
    carriesSecureLinkNotice: false,
    // Tried after SMS and before email when the hub falls back past the asked-for channels.
    fallbackRank: 15,
    // A campaign may ask for it; a one-time code is not paged. No template wording of its own:
    // the plain-text one.
    canCarry: ['campaign'],
    sandbox: true,
    async send(envelope) {
      sent.push(envelope);
      return { providerMessageId: `PG${randomBytes(8).toString('hex')}`, status: 'sent' };
    },
    // A handset's answer: {id, handset, text}, authenticated by the service's token.
    createRouter(sink) {
      const router = Router();
      router.post('/webhooks/pager/replies', express.json(), async (req, res) => {
        const given = Buffer.from(req.get('authorization') ?? '');
        const expected = Buffer.from(`Bearer ${webhookToken}`);
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          res.status(403).json({ error: { code: 'forbidden', message: 'Bad pager token' } });
          return;
        }
        const { id, handset, text } = req.body as { id?: unknown; handset?: unknown; text?: unknown };
        if (typeof id !== 'string' || typeof handset !== 'string' || typeof text !== 'string') {
          res.status(400).json({ error: { code: 'invalid_request', message: 'id, handset and text' } });
          return;
        }
        const receipt = await sink.receive(
          {
            channel: 'pager',
            from: { kind: PAGER_HANDSET_KIND, address: handset },
            body: text,
            media: [],
            providerMessageId: id,
          },
          { requestId: `pager-${id}` },
        );
        res.json({ messageId: receipt.messageId });
      });
      return router;
    },
  });
  return { factory, sent, webhookToken };
}
