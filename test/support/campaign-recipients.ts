import { queryRows } from './test-database';
import { eventually, type TestHub } from './test-hub';

/**
 * Waits until the campaign's run has inserted all its recipients' rows: a start only counts its
 * audience, and the run inserts the rows (campaign-audience.ts) before it decides them.
 */
export async function recipientsInserted(t: Pick<TestHub, 'database'>, campaignId: string): Promise<void> {
  await eventually(async () => {
    const [row] = await queryRows<{ inserted: boolean }>(
      t.database.url,
      'select recipients_inserted_at is not null as inserted from campaigns where id = $1',
      [campaignId],
    );
    return row?.inserted || undefined;
  });
}
