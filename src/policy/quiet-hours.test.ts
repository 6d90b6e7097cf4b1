import { InvalidTimeZoneError, nextAllowedTime, resolveTimeZone } from './quiet-hours';

const at = (iso: string) => new Date(iso);

describe('nextAllowedTime', () => {
  test.each<[string, string, string, string | null]>([
    // America/New_York: EST -05:00, EDT -04:00; DST starts 2026-03-08 02:00, ends 2026-11-01 02:00.
    ['inside the window', 'America/New_York', '2026-06-15T14:00:00Z', null],
    ['08:00 exactly is inside', 'America/New_York', '2026-06-15T12:00:00Z', null],
    ['20:59 is inside', 'America/New_York', '2026-06-16T00:59:00Z', null],
    ['21:00 exactly is outside', 'America/New_York', '2026-06-16T01:00:00Z', '2026-06-16T12:00:00Z'],
    ['23:30 local -> 08:00 tomorrow', 'America/New_York', '2026-06-16T03:30:00Z', '2026-06-16T12:00:00Z'],
    ['07:59 local -> 08:00 today', 'America/New_York', '2026-06-15T11:59:00Z', '2026-06-15T12:00:00Z'],
    ['00:00 local -> 08:00 today', 'America/New_York', '2026-06-15T04:00:00Z', '2026-06-15T12:00:00Z'],
    // The night DST starts: 23:30 EST on 03-07 to 08:00 EDT on 03-08 is 7.5 wall hours but 7.5 - 1 elapsed.
    [
      'DST starts: 23:30 EST the night before',
      'America/New_York',
      '2026-03-08T04:30:00Z',
      '2026-03-08T12:00:00Z',
    ],
    ['DST starts: 01:30 EST', 'America/New_York', '2026-03-08T06:30:00Z', '2026-03-08T12:00:00Z'],
    [
      'DST starts: 03:30 EDT, just after the gap',
      'America/New_York',
      '2026-03-08T07:30:00Z',
      '2026-03-08T12:00:00Z',
    ],
    [
      'DST starts: 21:30 EDT that evening',
      'America/New_York',
      '2026-03-09T01:30:00Z',
      '2026-03-09T12:00:00Z',
    ],
    // The night DST ends: 01:00-02:00 happens twice.
    [
      'DST ends: 23:30 EDT the night before',
      'America/New_York',
      '2026-11-01T03:30:00Z',
      '2026-11-01T13:00:00Z',
    ],
    ['DST ends: first 01:30 (EDT)', 'America/New_York', '2026-11-01T05:30:00Z', '2026-11-01T13:00:00Z'],
    ['DST ends: second 01:30 (EST)', 'America/New_York', '2026-11-01T06:30:00Z', '2026-11-01T13:00:00Z'],
    ['DST ends: 21:00 EST that evening', 'America/New_York', '2026-11-02T02:00:00Z', '2026-11-02T13:00:00Z'],
    [
      'the day before DST ends, 22:00 EDT',
      'America/New_York',
      '2026-10-31T02:00:00Z',
      '2026-10-31T12:00:00Z',
    ],
    // Europe/London: BST from 2026-03-29 01:00 GMT to 2026-10-25 02:00 BST.
    ['London, DST starts: 23:30 GMT', 'Europe/London', '2026-03-28T23:30:00Z', '2026-03-29T07:00:00Z'],
    ['London, DST ends: 23:30 BST', 'Europe/London', '2026-10-24T22:30:00Z', '2026-10-25T08:00:00Z'],
    ['London in winter, inside', 'Europe/London', '2026-01-15T08:00:00Z', null],
    // No DST, half-hour offset: Asia/Kolkata +05:30.
    ['Kolkata 23:30', 'Asia/Kolkata', '2026-06-15T18:00:00Z', '2026-06-16T02:30:00Z'],
    ['Kolkata 07:59', 'Asia/Kolkata', '2026-06-16T02:29:00Z', '2026-06-16T02:30:00Z'],
    ['Kolkata 08:00', 'Asia/Kolkata', '2026-06-16T02:30:00Z', null],
    // Quarter-hour offset: Asia/Kathmandu +05:45.
    ['Kathmandu 05:00', 'Asia/Kathmandu', '2026-01-09T23:15:00Z', '2026-01-10T02:15:00Z'],
    // Half-hour offset with DST: Australia/Adelaide +09:30 -> +10:30 on 2026-10-04 02:00.
    [
      'Adelaide, DST starts: 23:30 ACST',
      'Australia/Adelaide',
      '2026-10-03T14:00:00Z',
      '2026-10-03T21:30:00Z',
    ],
    // Newfoundland -03:30 -> -02:30 on 2026-03-08.
    ['St Johns, DST starts: 23:30 NST', 'America/St_Johns', '2026-03-08T03:00:00Z', '2026-03-08T10:30:00Z'],
    ['UTC', 'UTC', '2026-06-15T21:00:00Z', '2026-06-16T08:00:00Z'],
  ])('%s (%s, %s)', (_name, zone, now, expected) => {
    const result = nextAllowedTime(at(now), zone);
    expect(result?.toISOString() ?? null).toBe(expected === null ? null : at(expected).toISOString());
  });

  test.each<[string, string, string, string | null]>([
    ['outside a window spanning midnight', '2026-06-15T12:00:00Z', 'UTC', '2026-06-15T22:00:00Z'],
    ['inside it, before midnight', '2026-06-15T23:00:00Z', 'UTC', null],
    ['inside it, after midnight', '2026-06-16T05:59:00Z', 'UTC', null],
    ['06:00 closes it', '2026-06-16T06:00:00Z', 'UTC', '2026-06-16T22:00:00Z'],
  ])('window 22:00-06:00: %s', (_name, now, zone, expected) => {
    const result = nextAllowedTime(at(now), zone, { start: '22:00', end: '06:00' });
    expect(result?.toISOString() ?? null).toBe(expected === null ? null : at(expected).toISOString());
  });

  test('a start time inside the DST gap moves to the first instant that exists, that day only', () => {
    // 02:30 does not exist in New York on 2026-03-08; luxon moves it to 03:30 EDT (07:30Z).
    const window = { start: '02:30', end: '04:00' };
    expect(nextAllowedTime(at('2026-03-08T06:00:00Z'), 'America/New_York', window)?.toISOString()).toBe(
      '2026-03-08T07:30:00.000Z',
    );
    // The next day's 02:30 exists again: 02:30 EDT = 06:30Z.
    expect(nextAllowedTime(at('2026-03-08T09:00:00Z'), 'America/New_York', window)?.toISOString()).toBe(
      '2026-03-09T06:30:00.000Z',
    );
  });

  test.each([['Mars/Olympus_Mons'], [''], ['   '], ['not a zone']])(
    'invalid zone %p falls back to the given fallback zone',
    (zone) => {
      // 23:30 in Chicago (CDT, -05:00) -> 08:00 Chicago.
      expect(
        nextAllowedTime(at('2026-06-16T04:30:00Z'), zone, undefined, 'America/Chicago')?.toISOString(),
      ).toBe('2026-06-16T13:00:00.000Z');
    },
  );

  test('invalid zone with no fallback given uses UTC', () => {
    expect(nextAllowedTime(at('2026-06-15T23:30:00Z'), 'Nowhere/Land')?.toISOString()).toBe(
      '2026-06-16T08:00:00.000Z',
    );
  });

  test('an invalid fallback zone is a configuration error', () => {
    expect(() =>
      nextAllowedTime(at('2026-06-15T23:30:00Z'), 'Nowhere/Land', undefined, 'Also/Nowhere'),
    ).toThrow(InvalidTimeZoneError);
  });

  test.each([['8:00'], ['24:00'], ['08:60'], ['0800']])('a malformed window time %p throws', (start) => {
    expect(() => nextAllowedTime(at('2026-06-15T12:00:00Z'), 'UTC', { start, end: '21:00' })).toThrow(
      RangeError,
    );
  });
});

describe('resolveTimeZone', () => {
  test.each<[string | null | undefined, { zone: string; fellBack: boolean }]>([
    ['Europe/London', { zone: 'Europe/London', fellBack: false }],
    [' Asia/Kolkata ', { zone: 'Asia/Kolkata', fellBack: false }],
    [null, { zone: 'America/Chicago', fellBack: true }],
    [undefined, { zone: 'America/Chicago', fellBack: true }],
    ['', { zone: 'America/Chicago', fellBack: true }],
    ['Bad/Zone', { zone: 'America/Chicago', fellBack: true }],
  ])('%p', (zone, expected) => {
    expect(resolveTimeZone(zone, 'America/Chicago')).toEqual(expected);
  });

  test('throws with a stable code when the fallback is invalid too', () => {
    expect(() => resolveTimeZone(null, 'Bad/Zone')).toThrow(
      expect.objectContaining({ code: 'invalid_time_zone' }),
    );
  });
});
