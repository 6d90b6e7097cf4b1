import { createTriage } from './index';

// "X since Y": Y is the past (the onset), X is going on now. A "since" must never make the state before
// it history: "hasnt woken up since the fall" is someone unresponsive right now.
const triage = createTriage({});

describe('a state going on since an event is current, not history', () => {
  test.each([
    'hasnt woken up since the fall',
    'my son hasnt woken up since the fall off the bunk bed',
    'she hasnt woken up since the accident',
    'he has been unresponsive ever since',
    'grandpa hasnt woken up since then',
    'no ha despertado desde la caída',
    'mi papá no ha despertado desde el accidente',
    'no despierta desde entonces',
  ])('%s -> emergency', (text) => {
    const result = triage.classifyLocal(text);
    expect(result.intent).toBe('emergency');
    expect(result.reasons.join(' ')).not.toMatch(/not counted: unresponsive/);
  });

  test.each([
    "he hasn't been able to move his arm since the accident",
    "she hasn't been able to move her leg since the car crash",
    'no ha podido mover el brazo desde el accidente',
  ])('%s -> a live red flag, at least urgent', (text) => {
    const result = triage.classifyLocal(text);
    expect(result.engine).toBe('red-flag');
    expect(['urgent', 'emergency']).toContain(result.urgency);
    // The crash itself is the past onset; the arm or leg that does not move is not.
    expect(result.reasons.join(' ')).not.toMatch(/not counted: cannot move/);
  });

  test("she's been confused since she hit her head this morning -> emergency", () => {
    expect(triage.classifyLocal("she's been confused since she hit her head this morning").intent).toBe(
      'emergency',
    );
  });
});

describe('the event named after "since" stays in the past', () => {
  test.each([
    ['since his stroke he walks with a cane', 'stroke'],
    ['my dad has had slurred speech since his stroke in 2019', 'stroke'],
    ['mom has been weak on one side since her stroke', 'stroke'],
    ['she has had trouble sleeping ever since her heart attack', 'heart'],
    ['camina con bastón desde el derrame', 'derrame'],
  ])('%s -> not an emergency, the event is history', (text) => {
    const result = triage.classifyLocal(text);
    expect(result.intent).not.toBe('emergency');
    expect(result.reasons.join(' ')).toMatch(/past history/);
  });

  test('no seizures since then is still resolved history', () => {
    expect(triage.classifyLocal('he had a seizure last year and none since then').intent).not.toBe(
      'emergency',
    );
  });
});
