import { runChaos } from '../support/chaos/chaos-run';

// A shorter `npm run chaos`: a hub process killed with SIGKILL twice, Redis killed once and
// PostgreSQL crashed once while signed SMS arrive, all on servers of the test's own. Every
// acknowledged webhook must be stored once and triaged once, and the hub must never exit by itself.
jest.setTimeout(300_000);

test('inbound SMS survive two kill -9s of the hub, a Redis loss and a PostgreSQL crash', async () => {
  const report = await runChaos({
    senders: 240,
    rate: 30,
    replies: 0,
    sendDelayMs: 40,
    settleSeconds: 90,
    log: () => undefined,
  });
  expect(report.faults).toHaveLength(4);
  expect(report.hubExits).toBe(0);
  expect(report.recoverySeconds).not.toBeNull();
  expect(report.inbound.acknowledged).toBe(240);
  expect(report.inbound).toMatchObject({ lost: 0, duplicated: 0 });
  expect(report.triage).toMatchObject({ acknowledged: 240, duplicated: 0, stuck: 0 });
});
