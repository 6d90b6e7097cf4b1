import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { overrideEvalLines } from '../../src/inbox/triage-override-export';
import { readEvalFile } from '../../src/triage/triage-evaluation';
import { queryRows } from '../support/test-database';
import { eventually, randomUsPhone, type StaffApi, startTestHub, type TestHub } from '../support/test-hub';

// Staff overrides of triage, exported as eval lines: the corrections become training and eval signal.
let t: TestHub;
let admin: StaffApi;
let agentToken: string;
let dir: string;

beforeAll(async () => {
  t = await startTestHub();
  admin = await t.api();
  await admin
    .post('/staff', {
      email: 'front.agent@clinic.test',
      name: 'Front Agent',
      role: 'agent',
      password: 'front-agent-password',
      queues: ['front-desk', 'nurse-triage', 'billing', 'refills'],
    })
    .expect(201);
  const login = await request(t.hub.url)
    .post('/api/v1/auth/login')
    .send({ email: 'front.agent@clinic.test', password: 'front-agent-password' })
    .expect(200);
  agentToken = login.body.token;
  dir = mkdtempSync(path.join(tmpdir(), 'overrides-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await t.stop();
});

/** A patient text, once triage has decided on it: the stored message id and the machine's result. */
async function triagedMessage(
  body: string,
): Promise<{ id: string; triage: { intent: string; urgency: string } }> {
  const phone = randomUsPhone();
  await t.postInboundSms({ From: phone, Body: body }).expect(200);
  return eventually(async () => {
    const [row] = await queryRows<{ id: string; triage: { intent: string; urgency: string } | null }>(
      t.database.url,
      "select id, triage from messages where from_address = $1 and direction = 'inbound'",
      [phone],
    );
    return row?.triage ? { id: row.id, triage: row.triage } : null;
  });
}

const exportPath = '/api/v1/triage/overrides.jsonl';

test('an admin gets every override as an eval line, streamed, not cached, that the evaluator reads', async () => {
  const relabelled = await triagedMessage('la factura me llegó dos veces, ¿me cobraron doble?');
  const urgencyOnly = await triagedMessage('my knee has been aching since the hike on sunday');
  await triagedMessage('what time do you open on saturdays');
  await admin
    .post(`/messages/${relabelled.id}/triage-override`, {
      intent: 'billing',
      urgency: 'routine',
      note: 'double bill',
    })
    .expect(200);
  await admin.post(`/messages/${urgencyOnly.id}/triage-override`, { urgency: 'urgent' }).expect(200);

  const res = await request(t.hub.url)
    .get(exportPath)
    .set('Authorization', `Bearer ${await t.staffToken()}`)
    .expect(200);
  expect(res.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
  expect(res.headers['cache-control']).toBe('no-store');
  // Streamed: sent in chunks, with no length known up front.
  expect(res.headers['transfer-encoding']).toBe('chunked');
  expect(res.headers['content-length']).toBeUndefined();

  const lines = res.text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(lines).toHaveLength(2);
  expect(lines).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        text: 'la factura me llegó dos veces, ¿me cobraron doble?',
        intent: 'billing',
        urgency: 'routine',
      }),
      // Staff changed the urgency only: the machine's intent stands.
      expect.objectContaining({
        text: 'my knee has been aching since the hike on sunday',
        intent: urgencyOnly.triage.intent,
        urgency: 'urgent',
      }),
    ]),
  );
  expect(res.text).not.toContain('saturdays');
  // Nothing but the eval fields leaves: no staff ids, notes or message ids.
  for (const line of lines) {
    expect(Object.keys(line).filter((k) => !['text', 'intent', 'urgency', 'lang'].includes(k))).toEqual([]);
  }
  expect(res.text).not.toContain('double bill');
  expect(res.text).not.toContain(relabelled.id);

  const file = path.join(dir, 'overrides.jsonl');
  writeFileSync(file, res.text);
  expect(readEvalFile(file).map((c) => c.intent)).toEqual(lines.map((l) => l.intent));

  const [audit] = await queryRows<{ n: string }>(
    t.database.url,
    "select count(*) as n from audit_log where action = 'triage.overrides_export'",
  );
  expect(Number(audit!.n)).toBe(1);
});

test('an agent is refused with 403 and an anonymous caller with 401, as JSON errors', async () => {
  const asAgent = await request(t.hub.url)
    .get(exportPath)
    .set('Authorization', `Bearer ${agentToken}`)
    .expect(403);
  expect(asAgent.body.error.code).toBe('forbidden_role');
  const anonymous = await request(t.hub.url).get(exportPath).expect(401);
  expect(anonymous.body.error.code).toEqual(expect.any(String));
});

test('the export reads page by page and returns every override exactly once', async () => {
  const more = [];
  for (const body of ['pls refill my inhaler', 'can i get my records sent over', 'my bill looks wrong']) {
    more.push(await triagedMessage(body));
  }
  for (const m of more)
    await admin.post(`/messages/${m.id}/triage-override`, { intent: 'general' }).expect(200);
  const all = [];
  // A page of one row: every page boundary is crossed.
  for await (const line of overrideEvalLines(t.hub.database.db, t.hub.org.id, 1)) all.push(line.text);
  const fromHttp = (await admin.get('/triage/overrides.jsonl').expect(200)).text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).text);
  expect(all).toHaveLength(5);
  expect(new Set(all).size).toBe(5);
  expect([...all].sort()).toEqual([...fromHttp].sort());
});
