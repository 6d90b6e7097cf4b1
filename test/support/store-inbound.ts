import type { InboundMessage, InboundReceipt } from '../../src/channel-port';
import { storeInboundBatch } from '../../src/intake/inbound-store';
import type { Queryable } from '../../src/platform/db/database';

/** One inbound message stored the way a webhook stores it: through the SQL function production calls. */
export async function storeInbound(
  tx: Queryable,
  orgId: string,
  message: InboundMessage,
  requestId: string,
): Promise<InboundReceipt> {
  const [receipt] = await storeInboundBatch(tx, orgId, [{ message, requestId }]);
  if (!receipt) throw new Error('the inbound store returned no receipt');
  return receipt;
}
