import { overrideToEvalLine } from './triage-override-export';

describe('overrideToEvalLine', () => {
  const machine = { intent: 'clinical_question', urgency: 'soon', language: 'es', queue: 'nurse-triage' };
  test.each([
    [
      'staff intent and urgency win',
      ' me cobraron doble ',
      machine,
      { intent: 'billing', urgency: 'routine', staffId: 's1', note: 'n' },
      { text: 'me cobraron doble', intent: 'billing', urgency: 'routine', lang: 'es' },
    ],
    [
      'urgency alone keeps the machine intent',
      'knee pain',
      machine,
      { urgency: 'urgent' },
      { text: 'knee pain', intent: 'clinical_question', urgency: 'urgent', lang: 'es' },
    ],
    [
      'a queue alone keeps both',
      'knee pain',
      machine,
      { queue: 'front-desk' },
      { text: 'knee pain', intent: 'clinical_question', urgency: 'soon', lang: 'es' },
    ],
    ['no machine result and no staff intent', 'hello', null, { urgency: 'urgent' }, null],
    [
      'no machine result, staff intent',
      'hello',
      null,
      { intent: 'general' },
      { text: 'hello', intent: 'general' },
    ],
    ['a photo without text', '   ', machine, { intent: 'billing' }, null],
    [
      'an unknown urgency is left out',
      'hi',
      { intent: 'general', urgency: 'whenever' },
      {},
      { text: 'hi', intent: 'general' },
    ],
  ])('%s', (_label, body, triage, override, expected) => {
    expect(overrideToEvalLine(body, triage, override)).toEqual(expected);
  });
});
