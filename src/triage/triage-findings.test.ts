import { createTriage } from './index';

const triage = createTriage({});

// What staff read in the thread: the words of intents/ (an intent's summary, a concept's label),
// never an id, a score or the engine's own vocabulary.
describe('findings are plain words', () => {
  test.each([
    [
      'I have crushing chest pain going down my left arm',
      undefined,
      'Emergency sign: chest pain or pressure',
    ],
    ['no chest pain but I have a fever', undefined, 'Negated: chest pain or pressure'],
    ['no chest pain but I have a fever', undefined, 'Asked a clinical question'],
    [
      'had a heart attack years ago, question about my dose',
      undefined,
      'Not counted, past history: heart attack',
    ],
    ['can I get a refill of my lisinopril', undefined, 'Asked for a prescription refill'],
    ['my cough is getting much worse', undefined, 'Marked urgent for “much worse”'],
    ['C', 'appointment-reminder', 'Confirmed an appointment (replied “c” to the appointment reminder)'],
    ['STOP', undefined, 'Wants to stop receiving texts (sent the keyword STOP)'],
    ['yes', undefined, 'A short reply (“yes”) that answers no reminder: a person reads it'],
    ['😀', undefined, 'No words to read (only emoji or symbols)'],
  ])('%s (after %s) -> %s', (text, lastOutboundTemplate, finding) => {
    const result = triage.classifyLocal(text, lastOutboundTemplate ? { lastOutboundTemplate } : undefined);
    expect(result.findings.some((f) => f.startsWith(finding))).toBe(true);
    for (const f of result.findings) {
      expect(f).not.toMatch(/[a-z]_[a-z]|p=\d|red flag|classifier/);
      expect(f).not.toContain(result.intent.includes('_') ? result.intent : '\0');
    }
  });
});
