import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type Classify,
  checkTargets,
  type EvalCase,
  EvalFileError,
  evaluate,
  findOverlaps,
  normalizeForOverlap,
  readEvalFile,
} from './triage-evaluation';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'triage-eval-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fileWith(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, lines.join('\n'));
  return file;
}

function line(text: string, intent: string, extra: Partial<EvalCase> = {}, n = 1): EvalCase {
  return { text, intent, line: n, ...extra };
}

/** A classifier that answers from a table (the evaluator is under test here, not the engine). */
const answering =
  (answers: Record<string, string>): Classify =>
  (text) => ({ intent: answers[text] ?? 'general', engine: 'table' });

describe('normalizeForOverlap', () => {
  test.each([
    ['Chest PAIN', 'chest pain'],
    ['  me   duele\tel\npecho ', 'me duele el pecho'],
    ['¿Qué hago? ¡Mi niño!', 'que hago mi nino'],
    ["can't breathe!!!", 'cant breathe'],
    ['help 🙏🙏', 'help'],
    ['Árbol, ÉXITO; ñandú.', 'arbol exito nandu'],
    ['call 911 now', 'call 911 now'],
    ['', ''],
  ])('%j -> %j', (input, expected) => {
    expect(normalizeForOverlap(input)).toBe(expected);
  });

  test('texts that differ by more than case, accents, punctuation or spacing stay different', () => {
    expect(normalizeForOverlap('chest pain')).not.toBe(normalizeForOverlap('chest pains'));
  });
});

describe('findOverlaps', () => {
  const intents = [
    { name: 'emergency', examples: ['No puedo respirar', 'chest pain'] },
    { name: 'billing', examples: ['how much do I owe?'] },
  ];
  test.each([
    ['exact copy', 'chest pain', 'emergency'],
    ['case, accents and punctuation', '¡no   PUEDO respirár!', 'emergency'],
    ['another intent', 'How much do I owe', 'billing'],
    ['a longer message is not a copy', 'chest pain since this morning', null],
    ['a different message', 'my bill is wrong', null],
  ])('%s', (_label, text, intent) => {
    const found = findOverlaps([line(text, 'general', {}, 7)], intents);
    expect(found).toEqual(intent === null ? [] : [{ line: 7, text, intent }]);
  });

  test('names every overlapping line, in file order', () => {
    const cases = [line('chest pain', 'emergency', {}, 2), line('ok', 'general', {}, 3)];
    cases.push(line('how much do i owe', 'billing', {}, 9));
    expect(findOverlaps(cases, intents).map((o) => o.line)).toEqual([2, 9]);
  });
});

describe('readEvalFile', () => {
  test('reads the fields and keeps each line number (blank lines counted)', () => {
    const file = fileWith('ok.jsonl', [
      JSON.stringify({
        text: 'lips going blue',
        intent: 'emergency',
        urgency: 'emergency',
        kind: 'emergency',
        category: 'breathing',
        lang: 'en',
      }),
      '',
      JSON.stringify({ text: 'what time do you open', intent: 'general', kind: 'admin' }),
    ]);
    const cases = readEvalFile(file);
    expect(cases.map((c) => [c.line, c.category ?? null, c.kind])).toEqual([
      [1, 'breathing', 'emergency'],
      [3, null, 'admin'],
    ]);
  });

  test.each([
    ['not JSON', '{"text": "x", ', /:1: not valid JSON/],
    ['unknown kind', JSON.stringify({ text: 'x', intent: 'general', kind: 'chitchat' }), /:1: kind/],
    ['unknown urgency', JSON.stringify({ text: 'x', intent: 'general', urgency: 'asap' }), /:1: urgency/],
    ['empty text', JSON.stringify({ text: '', intent: 'general' }), /:1: text/],
    [
      'category not snake_case',
      JSON.stringify({ text: 'x', intent: 'emergency', kind: 'emergency', category: 'Self Harm' }),
      /:1: category/,
    ],
    [
      'emergency kind on another intent',
      JSON.stringify({ text: 'x', intent: 'clinical_question', kind: 'emergency' }),
      /:1: kind "emergency"/,
    ],
    [
      'emergency intent with another kind',
      JSON.stringify({ text: 'x', intent: 'emergency', kind: 'clinical' }),
      /:1:/,
    ],
  ])('refuses %s, naming the line', (_label, content, message) => {
    const file = fileWith('bad.jsonl', [content]);
    expect(() => readEvalFile(file)).toThrow(EvalFileError);
    expect(() => readEvalFile(file)).toThrow(message);
  });
});

describe('evaluate', () => {
  const cases: EvalCase[] = [
    line('e1', 'emergency', { kind: 'emergency', category: 'cardiac' }, 1),
    line('e2', 'emergency', { kind: 'emergency', category: 'cardiac' }, 2),
    line('e3', 'emergency', { kind: 'emergency', category: 'stroke' }, 3),
    line('c1', 'clinical_question', { kind: 'clinical' }, 4),
    line('c2', 'clinical_question', { kind: 'clinical' }, 5),
    line('o1', 'general', { kind: 'offtopic' }, 6),
    line('a1', 'billing', { kind: 'admin' }, 7),
  ];
  const report = evaluate(
    answering({
      e1: 'emergency',
      e2: 'clinical_question',
      e3: 'emergency',
      c1: 'clinical_question',
      c2: 'emergency',
      o1: 'general',
      a1: 'billing',
    }),
    cases,
  );

  test('emergency recall overall and per category', () => {
    expect(report.emergencies).toBe(3);
    expect(report.emergencyRecall).toBeCloseTo(2 / 3);
    expect(report.recallByCategory).toEqual([
      { category: 'cardiac', support: 2, caught: 1, recall: 0.5 },
      { category: 'stroke', support: 1, caught: 1, recall: 1 },
    ]);
  });

  test('false emergencies per kind, in a fixed kind order', () => {
    expect(report.falseEmergencyByKind).toEqual([
      { kind: 'clinical', support: 2, falseEmergencies: 1, rate: 0.5 },
      { kind: 'admin', support: 1, falseEmergencies: 0, rate: 0 },
      { kind: 'offtopic', support: 1, falseEmergencies: 0, rate: 0 },
    ]);
  });

  test('confusion matrix, macro-F1 and misses with their line numbers', () => {
    expect(report.confusion.emergency).toEqual({ emergency: 2, clinical_question: 1 });
    expect(report.confusion.clinical_question).toEqual({ clinical_question: 1, emergency: 1 });
    // emergency: p 2/3 r 2/3; clinical: p 1/2 r 1/2; general 1; billing 1.
    expect(report.macroF1).toBeCloseTo((2 / 3 + 1 / 2 + 1 + 1) / 4);
    expect(report.misses.map((m) => [m.line, m.expected, m.got, m.category ?? m.kind])).toEqual([
      [2, 'emergency', 'clinical_question', 'cardiac'],
      [5, 'clinical_question', 'emergency', 'clinical'],
    ]);
  });

  test('a file with no emergencies has no recall figure (not 100%)', () => {
    const none = evaluate(answering({}), [line('o1', 'general', { kind: 'offtopic' })]);
    expect(none.emergencies).toBe(0);
    expect(none.emergencyRecall).toBeNull();
    expect(none.recallByCategory).toEqual([]);
  });

  test('lines without a kind or category are still counted', () => {
    const bare = evaluate(answering({ x: 'emergency', y: 'emergency' }), [
      line('x', 'emergency'),
      line('y', 'general'),
    ]);
    expect(bare.recallByCategory).toEqual([{ category: 'uncategorized', support: 1, caught: 1, recall: 1 }]);
    expect(bare.falseEmergencyByKind).toEqual([
      { kind: 'unlabelled', support: 1, falseEmergencies: 1, rate: 1 },
    ]);
  });
});

describe('checkTargets', () => {
  // 20 emergencies, `clinical` clinical lines and `offtopic` off-topic lines; `falseClinical` and
  // `falseOfftopic` of them called an emergency; `missEmergency` misses one emergency.
  function scenario(opts: {
    clinical: number;
    offtopic: number;
    falseClinical?: number;
    falseOfftopic?: number;
    missEmergency?: boolean;
    withEmergency?: boolean;
  }) {
    const cases: EvalCase[] = [];
    const answers: Record<string, string> = {};
    if (opts.withEmergency !== false) {
      for (let i = 0; i < 20; i++) {
        cases.push(line(`e${i}`, 'emergency', { kind: 'emergency', category: 'cardiac' }));
        answers[`e${i}`] = opts.missEmergency && i === 0 ? 'clinical_question' : 'emergency';
      }
    }
    for (let i = 0; i < opts.clinical; i++) {
      cases.push(line(`c${i}`, 'clinical_question', { kind: 'clinical' }));
      answers[`c${i}`] = i < (opts.falseClinical ?? 0) ? 'emergency' : 'clinical_question';
    }
    for (let i = 0; i < opts.offtopic; i++) {
      cases.push(line(`o${i}`, 'general', { kind: 'offtopic' }));
      answers[`o${i}`] = i < (opts.falseOfftopic ?? 0) ? 'emergency' : 'general';
    }
    return checkTargets(evaluate(answering(answers), cases));
  }

  test.each([
    ['all met', { clinical: 100, offtopic: 500 }, []],
    // Boundaries: exactly 1% of clinical and exactly 0.2% of off-topic are still allowed.
    ['1% false emergencies in clinical is allowed', { clinical: 100, offtopic: 500, falseClinical: 1 }, []],
    ['0.2% in off-topic is allowed', { clinical: 100, offtopic: 500, falseOfftopic: 1 }, []],
    [
      'above 1% of clinical',
      { clinical: 100, offtopic: 500, falseClinical: 2 },
      ['false-emergency rate of clinical 2.0% > 1.0%'],
    ],
    [
      'above 0.2% of off-topic',
      { clinical: 100, offtopic: 500, falseOfftopic: 2 },
      ['false-emergency rate of offtopic 0.4% > 0.2%'],
    ],
    [
      'one emergency missed',
      { clinical: 100, offtopic: 500, missEmergency: true },
      ['emergency recall 95.0% < 100.0%'],
    ],
    [
      'no emergencies in the file',
      { clinical: 10, offtopic: 10, withEmergency: false },
      ['emergency recall not measured: the file holds no emergencies'],
    ],
    [
      'no off-topic lines',
      { clinical: 10, offtopic: 0 },
      ['false-emergency rate of offtopic not measured: no offtopic lines'],
    ],
  ])('%s', (_label, opts, expected) => {
    expect(scenario(opts)).toEqual(expected);
  });

  test('macro-F1 under 0.9 alone fails', () => {
    const cases = [
      line('em', 'emergency', { kind: 'emergency', category: 'cardiac' }),
      line('c', 'clinical_question', { kind: 'clinical' }),
      line('o', 'general', { kind: 'offtopic' }),
      line('b', 'billing', { kind: 'admin' }),
    ];
    const report = evaluate(answering({ em: 'emergency', c: 'clinical_question', b: 'general' }), cases);
    expect(checkTargets(report)).toEqual([`macro-F1 ${report.macroF1.toFixed(3)} < 0.900`]);
  });
});
