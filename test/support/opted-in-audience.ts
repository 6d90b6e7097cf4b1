import request from 'supertest';
import { queryRows } from './test-database';
import { eventually, type StaffApi, type TestHub } from './test-hub';

/**
 * Imports `csv` as staff do (the CSV body of the import route), waits for it to finish, and records a
 * marketing opt-in by SMS for every contact tagged `tag`, so a campaign's audience is ready to send.
 * The contacts' ids, in the order PostgreSQL returns them.
 */
export async function importOptedInAudience(
  t: TestHub,
  api: StaffApi,
  csv: string,
  tag: string,
): Promise<string[]> {
  const upload = await request(t.hub.url)
    .post('/api/v1/contacts/imports')
    .set('Authorization', `Bearer ${await t.staffToken()}`)
    .set('Content-Type', 'text/csv')
    .send(csv)
    .expect(202);
  await eventually(async () => {
    const res = await api.get(`/contacts/imports/${upload.body.id}`).expect(200);
    return res.body.status === 'completed' ? res.body : undefined;
  });
  const ids = await queryRows<{ id: string }>(
    t.database.url,
    'select id from contacts where tags @> $1::jsonb',
    [JSON.stringify([tag])],
  );
  for (const { id } of ids) {
    await api
      .post(`/contacts/${id}/consents`, { channel: 'sms', purpose: 'marketing', status: 'opted_in' })
      .expect(201);
  }
  return ids.map((row) => row.id);
}
