import { seriesBucketSeconds } from '../../src/campaigns/campaign-store';
import { bucketName } from '../../web/inbox/campaign-series';

// The chart's accessible name and its table's heading say the bucket in words, for every bucket
// size the hub picks (campaign-store.ts), from a run of minutes to one of months.
test.each([
  [10 * 60, 'minute'],
  [3 * 3600, '5 minutes'],
  [24 * 3600, '15 minutes'],
  [4 * 86_400, 'hour'],
  [20 * 86_400, '6 hours'],
  [90 * 86_400, 'day'],
])('a run of %i seconds is charted per %s', (seconds, name) => {
  const start = new Date('2026-03-01T09:00:00Z');
  const bucket = seriesBucketSeconds(start, new Date(start.getTime() + seconds * 1000));
  expect(bucketName(bucket)).toBe(name);
});
