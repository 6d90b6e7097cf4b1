import { startOfClinicDay } from './queue-stats';

test.each([
  // 02:30 UTC is still the previous evening in New York (UTC-5 in winter).
  { zone: 'America/New_York', now: '2026-11-22T02:30:00Z', start: '2026-11-21T05:00:00.000Z' },
  { zone: 'America/New_York', now: '2026-11-22T15:00:00Z', start: '2026-11-22T05:00:00.000Z' },
  // The day DST starts is 23 hours long; midnight is still EST.
  { zone: 'America/New_York', now: '2026-03-08T20:00:00Z', start: '2026-03-08T05:00:00.000Z' },
  { zone: 'Asia/Kolkata', now: '2026-11-22T20:00:00Z', start: '2026-11-22T18:30:00.000Z' },
  { zone: 'UTC', now: '2026-11-22T00:00:00Z', start: '2026-11-22T00:00:00.000Z' },
])('$zone at $now: the clinic day began at $start', ({ zone, now, start }) => {
  expect(startOfClinicDay(zone, new Date(now)).toISOString()).toBe(start);
});
