import { isWithinOfficeHours, OfficeHoursError, parseOfficeHours } from './office-hours';

// 2026-06-15 is a Monday; America/Chicago is CDT (-05:00) then.
describe('isWithinOfficeHours', () => {
  const weekdays = parseOfficeHours('mon-fri 08:00-18:00; sat 09:00-12:00');
  test.each<[string, string, string, boolean]>([
    ['Monday 10:00 Chicago', '2026-06-15T15:00:00Z', 'America/Chicago', true],
    ['Monday 07:59 Chicago', '2026-06-15T12:59:00Z', 'America/Chicago', false],
    ['Monday 18:00 Chicago (end is exclusive)', '2026-06-15T23:00:00Z', 'America/Chicago', false],
    ['Saturday 11:30 Chicago', '2026-06-20T16:30:00Z', 'America/Chicago', true],
    ['Saturday 12:30 Chicago', '2026-06-20T17:30:00Z', 'America/Chicago', false],
    ['Sunday noon Chicago', '2026-06-21T17:00:00Z', 'America/Chicago', false],
    ['Monday 10:00 UTC is 05:00 in Chicago', '2026-06-15T10:00:00Z', 'America/Chicago', false],
    ['Sunday 23:30 UTC is Monday 08:30 in Tokyo', '2026-06-14T23:30:00Z', 'Asia/Tokyo', true],
  ])('%s', (_name, iso, zone, open) => {
    expect(isWithinOfficeHours(new Date(iso), zone, weekdays)).toBe(open);
  });

  test.each<[string, string, string, boolean]>([
    ['closed is never open', 'closed', '2026-06-15T15:00:00Z', false],
    ['a window to 24:00 covers the evening', 'mon 20:00-24:00', '2026-06-16T04:30:00Z', true],
    ['fri-mon wraps through the weekend', 'fri-mon 09:00-17:00', '2026-06-21T15:00:00Z', true],
    ['fri-mon leaves Wednesday closed', 'fri-mon 09:00-17:00', '2026-06-17T15:00:00Z', false],
    [
      'two windows on one day: the gap is closed',
      'mon 08:00-12:00; mon 13:00-17:00',
      '2026-06-15T17:30:00Z',
      false,
    ],
  ])('%s', (_name, text, iso, open) => {
    expect(isWithinOfficeHours(new Date(iso), 'America/Chicago', parseOfficeHours(text))).toBe(open);
  });
});

describe('parseOfficeHours refuses', () => {
  test.each([
    '',
    'weekdays 08:00-18:00',
    'mon 8:00-18:00',
    'mon 18:00-08:00',
    'mon 08:00-25:00',
    'mon-xyz 08:00-09:00',
  ])('%j', (text) => {
    expect(() => parseOfficeHours(text)).toThrow(OfficeHoursError);
  });
});
