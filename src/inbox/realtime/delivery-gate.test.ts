import { DeliveryGate } from './delivery-gate';

const ev = (id: number) => ({ id });

test.each([
  { name: 'live only', replaying: false, replayed: [], live: [1, 2, 2, 3], sent: [1, 2, 3] },
  {
    name: 'replay then buffered live, overlap dropped',
    replaying: true,
    replayed: [4, 5],
    live: [5, 6],
    sent: [4, 5, 6],
  },
  {
    name: 'buffered live out of order goes out sorted',
    replaying: true,
    replayed: [],
    live: [9, 7, 8],
    sent: [7, 8, 9],
  },
  {
    name: 'a late commit with a lower id still goes out',
    replaying: true,
    replayed: [10, 12],
    live: [11, 12],
    sent: [10, 12, 11],
  },
])('$name', ({ replaying, replayed, live, sent }) => {
  const out: number[] = [];
  const gate = new DeliveryGate<{ id: number }>((e) => out.push(e.id), { replaying });
  for (const id of live) gate.offer(ev(id));
  for (const id of replayed) gate.deliver(ev(id));
  gate.finishReplay();
  expect(out).toEqual(sent);
  expect(gate.replaying).toBe(false);
});

test('live events wait until the replay has finished', () => {
  const out: number[] = [];
  const gate = new DeliveryGate<{ id: number }>((e) => out.push(e.id), { replaying: true });
  gate.offer(ev(3));
  expect(out).toEqual([]);
  gate.deliver(ev(2));
  gate.finishReplay();
  gate.offer(ev(4));
  expect(out).toEqual([2, 3, 4]);
});

test('only the most recent ids are remembered', () => {
  const out: number[] = [];
  const gate = new DeliveryGate<{ id: number }>((e) => out.push(e.id), { replaying: false, memory: 2 });
  for (const id of [1, 2, 3, 1]) gate.offer(ev(id));
  expect(out).toEqual([1, 2, 3, 1]);
});
