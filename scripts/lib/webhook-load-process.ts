// The load generator in a process of its own (forked by `postAtRateApart` in signed-webhooks.ts): it
// posts the webhooks it is sent at the rate it is told and answers with the result. Apart from the
// benchmark's own process, which also runs the Twilio stand-in and samples PostgreSQL, so that work
// there cannot stall the generator and count as the hub's latency.
import { postAtRate, type SignedWebhook } from './signed-webhooks';

process.once('message', async (message: { hubUrl: string; webhooks: SignedWebhook[]; rate: number }) => {
  const result = await postAtRate(message.hubUrl, message.webhooks, message.rate);
  process.send?.(result, () => process.exit(0));
});
