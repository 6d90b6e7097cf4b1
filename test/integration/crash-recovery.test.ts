import { runChaos } from '../support/chaos/chaos-run';

// A shorter `npm run chaos`: a hub process killed with SIGKILL twice, Redis killed once and
// PostgreSQL crashed once while signed SMS arrive, then the hub and Redis killed again while staff
// replies are sent, all on servers of the test's own. Every acknowledged webhook must be stored and
// triaged once, every accepted reply reach the provider once, nothing be left pending or claimed,
// and the hub must never exit by itself.
jest.setTimeout(300_000);

test('inbound SMS and staff replies survive kill -9s of the hub, Redis losses and a PostgreSQL crash', async () => {
  const report = await runChaos({
    senders: 240,
    rate: 30,
    replies: 40,
    sendDelayMs: 40,
    settleSeconds: 90,
    log: () => undefined,
  });
  expect(report.faults).toHaveLength(6);
  expect(report.hubExits).toBe(0);
  expect(report.recoverySeconds).not.toBeNull();
  expect(report.inbound.acknowledged).toBe(240);
  expect(report.inbound).toMatchObject({ lost: 0, duplicated: 0 });
  expect(report.triage).toMatchObject({ acknowledged: 240, duplicated: 0, stuck: 0 });
  // Most replies are accepted; those whose every try met a dead hub were never promised.
  expect(report.replies.acknowledged).toBeGreaterThan(20);
  expect(report.replies).toMatchObject({ lost: 0, duplicated: 0, stuck: 0 });
});
