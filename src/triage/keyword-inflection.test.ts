import { createTriage } from './index';

// A keyword list spells a word once; patients inflect it ("rebooked", "invoices"). Sentences written for
// these tests, not taken from any fixture.
const triage = createTriage({});
const classify = (text: string) => triage.classifyLocal(text);

describe('front-desk keywords read with their English inflections', () => {
  test.each([
    ['Could I be rebooked for a morning slot? I had the wrong day', 'reschedule'],
    ['we need to get rebooked, my husband is out of town', 'reschedule'],
    ['i got rebooked by mistake for the wrong doctor, can we fix it', 'reschedule'],
    ['the invoices you mailed have my old address on them', 'billing'],
    ['my refunds still have not shown up on my card', 'billing'],
    ['are the copays different for video visits?', 'billing'],
  ])('%s -> %s', (text, intent) => {
    expect(classify(text).intent).toBe(intent);
  });

  test.each([
    'the cramps stopped after the ibuprofen, thank you',
    'my sister started texting me about the party',
  ])('consent keywords stay exact: %s is no consent request', (text) => {
    expect(['opt_out', 'opt_in']).not.toContain(classify(text).intent);
  });
});
