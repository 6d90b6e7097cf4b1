import { createTriage } from './index';

// Cancelling or confirming plans that are not the clinic's goes to the front desk as off-topic; the same
// words about a visit still route (issue 12, part 6). Sentences written for these tests, not from any fixture.
const triage = createTriage({});
const classify = (text: string) => triage.classifyLocal(text);

describe('errands of everyday life are no appointment request', () => {
  test.each([
    'please cancel my hulu, I never watch it',
    'can you cancel the takeout order, we ate already',
    'cancelar mi suscripción de spotify',
    'sorry, cant make it to the game tonight',
    'yep I will be at the cookout on sunday',
    'sure, bringing chips and dip',
  ])('%s goes to general, flagged as unsure', (text) => {
    const result = classify(text);
    expect(result.intent).toBe('general');
    expect(result.confidence).toBeLessThan(0.5);
  });
});

describe('the same words about a visit still route', () => {
  test.each([
    ['I have to cancel my appointment, my flight got moved', 'cancel'],
    ['cancel please, something came up at work', 'cancel'],
    ['quiero cancelar mi cita del viernes', 'cancel'],
    ['yes I will be at the appointment, then off to a party', 'confirm'],
  ])('%s is %s', (text, intent) => {
    expect(classify(text).intent).toBe(intent);
  });

  test('a health word beside an errand is still read by a nurse', () => {
    expect(classify('cancel my gym membership, my knee has been swollen for a week').intent).toBe(
      'clinical_question',
    );
  });
});
