import { queuesFor, roomsForEvent } from './inbox-rooms';

const ALL = ['front-desk', 'nurse-triage', 'billing', 'refills'];

test.each([
  { role: 'admin' as const, queues: ['billing'], expected: ALL },
  { role: 'supervisor' as const, queues: ['billing'], expected: ALL },
  // Access is granted, never assumed: an agent with no queue sees none.
  { role: 'agent' as const, queues: [], expected: [] },
  { role: 'agent' as const, queues: ['billing', 'refills', 'billing'], expected: ['billing', 'refills'] },
])('$role with $queues joins $expected', ({ role, queues, expected }) => {
  expect(queuesFor({ role, queues })).toEqual(expected);
});

test.each([
  { event: { queue: 'billing', conversationId: 'c1' }, rooms: ['queue:billing', 'conversation:c1'] },
  { event: { queue: null, conversationId: 'c1' }, rooms: ['conversation:c1'] },
  { event: { queue: 'refills', conversationId: null }, rooms: ['queue:refills'] },
  {
    event: { queue: 'billing', conversationId: 'c1', payload: { previousQueue: 'front-desk' } },
    rooms: ['queue:billing', 'queue:front-desk', 'conversation:c1'],
  },
  {
    event: { queue: 'billing', conversationId: 'c1', payload: { previousQueue: 'billing' } },
    rooms: ['queue:billing', 'conversation:c1'],
  },
])('an event goes to $rooms', ({ event, rooms }) => {
  expect(roomsForEvent(event)).toEqual(rooms);
});
