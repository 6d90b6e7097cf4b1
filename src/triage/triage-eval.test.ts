import path from 'node:path';
import { createTriage } from './index';
import { evaluate, readEvalFile } from './triage-evaluation';

// Held-out SMS replies (not copies of the intent examples): a regression gate for the local layers.
test('held-out eval: emergency recall 100%, macro-F1 >= 0.85, false emergencies < 2%', () => {
  const cases = readEvalFile(path.resolve(__dirname, '../../test/fixtures/triage-eval.jsonl'));
  expect(cases.length).toBeGreaterThanOrEqual(250);
  const report = evaluate(createTriage({}), cases);
  expect(report.misses.filter((m) => m.expected === 'emergency')).toEqual([]);
  expect(report.emergencyRecall).toBe(1);
  expect(report.macroF1).toBeGreaterThanOrEqual(0.85);
  expect(report.falseEmergencyRate).toBeLessThan(0.02);
});
