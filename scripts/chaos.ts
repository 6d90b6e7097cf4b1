// Usage: npm run chaos [-- --senders 1500 --rate 50 --replies 200 --send-delay-ms 40 --settle-seconds 120]
// The crash test: a private PostgreSQL cluster, a private redis-server and a Twilio stand-in, a hub
// process killed with SIGKILL twice, Redis killed once and PostgreSQL crashed once during inbound SMS,
// then the hub and Redis killed again while staff replies are sent. Prints lost, duplicated and stuck
// counts for inbound, triage and replies, and exits non-zero on any (or when the hub exited by itself).
import { parseArgs } from 'node:util';
import { type ChaosCounts, runChaos } from '../test/support/chaos/chaos-run';

const { values } = parseArgs({
  options: {
    senders: { type: 'string', default: '1500' },
    rate: { type: 'string', default: '50' },
    replies: { type: 'string', default: '200' },
    'send-delay-ms': { type: 'string', default: '40' },
    'settle-seconds': { type: 'string', default: '120' },
  },
});

const line = (name: string, c: ChaosCounts) =>
  `${name.padEnd(9)} acknowledged ${String(c.acknowledged).padStart(5)}   lost ${c.lost}   duplicated ${c.duplicated}   stuck ${c.stuck}`;

async function main(): Promise<number> {
  const started = Date.now();
  const report = await runChaos({
    senders: Number(values.senders),
    rate: Number(values.rate),
    replies: Number(values.replies),
    sendDelayMs: Number(values['send-delay-ms']),
    settleSeconds: Number(values['settle-seconds']),
    log: (text) => console.log(`[chaos ${((Date.now() - started) / 1000).toFixed(1)}s] ${text}`),
  });
  console.log('\nfaults injected:');
  for (const f of report.faults) console.log(`  ${f}`);
  console.log('');
  console.log(line('inbound', report.inbound));
  console.log(line('triage', report.triage));
  console.log(line('replies', report.replies));
  console.log(`hub exited by itself: ${report.hubExits} time(s)`);
  console.log(
    `ready again after the database restart: ${report.recoverySeconds === null ? 'never (60 s)' : `${report.recoverySeconds.toFixed(1)} s`}`,
  );
  const bad = [report.inbound, report.triage, report.replies].some(
    (c) => c.lost + c.duplicated + c.stuck > 0,
  );
  const failed = bad || report.hubExits > 0 || report.recoverySeconds === null;
  console.log(failed ? '\nFAILED' : '\nPASSED: nothing lost, duplicated or stuck');
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
