import { type ConversationCursor, decodeCursor, encodeCursor } from './conversation-cursor';

const id = '6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab';

test.each<ConversationCursor>([
  { sort: 'activity', lastActivityAt: '2026-11-22 05:16:40.123456+00', id },
  { sort: 'activity', lastActivityAt: '2026-11-22T05:16:40.123Z', id },
  {
    sort: 'priority',
    priority: 3,
    slaDueAt: '2026-11-22 05:31:40.5+00',
    lastActivityAt: '2026-11-22 05:16:40+00',
    id,
  },
  { sort: 'priority', priority: 0, slaDueAt: null, lastActivityAt: '2026-11-22 05:16:40.000001+00', id },
])('a $sort cursor survives the round trip', (cursor) => {
  expect(decodeCursor(encodeCursor(cursor), cursor.sort)).toEqual(cursor);
});

test.each([
  ['garbage', 'not-a-cursor', 'activity'],
  [
    'an activity cursor used for priority',
    encodeCursor({ sort: 'activity', lastActivityAt: '2026-11-22 05:16:40+00', id }),
    'priority',
  ],
  [
    'a priority cursor used for activity',
    encodeCursor({
      sort: 'priority',
      priority: 1,
      slaDueAt: null,
      lastActivityAt: '2026-11-22 05:16:40+00',
      id,
    }),
    'activity',
  ],
  [
    'a timestamp that is SQL',
    Buffer.from(`now()'); drop table x; --|${id}`).toString('base64url'),
    'activity',
  ],
  ['an id that is not a uuid', Buffer.from('2026-11-22 05:16:40+00|42').toString('base64url'), 'activity'],
] as const)('%s: 400 invalid_cursor', (_name, cursor, sort) => {
  expect(() => decodeCursor(cursor, sort)).toThrow(
    expect.objectContaining({ status: 400, code: 'invalid_cursor' }),
  );
});
