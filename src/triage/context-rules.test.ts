import { createTriage } from './index';

const triage = createTriage({});
const reminder = { lastOutboundTemplate: 'appointment-reminder' };

describe('short replies', () => {
  test.each(['C', '1', 'yes', 'Y', 'confirm', 'confirmed', 'si', 'sí', 'ok', 'Yes!', '👍'])(
    '%s after a reminder -> confirm',
    (text) => {
      expect(triage.classifyLocal(text, reminder)).toMatchObject({
        intent: 'confirm',
        engine: 'context',
        queue: 'front-desk',
      });
    },
  );

  test.each(['2', 'cancel', 'N', 'no', 'cancelar', 'CANCEL'])('%s after a reminder -> cancel', (text) => {
    expect(triage.classifyLocal(text, reminder)).toMatchObject({
      intent: 'cancel',
      engine: 'context',
      queue: 'front-desk',
    });
  });

  test.each(['C', '1', 'yes', 'Y', 'confirm', 'si', 'ok', '2', 'N', 'no'])(
    '%s without a reminder -> general, low confidence',
    (text) => {
      const result = triage.classifyLocal(text);
      expect(result.intent).toBe('general');
      expect(result.confidence).toBeLessThan(0.5);
    },
  );

  test('the same words after some other template are not read as confirm', () => {
    expect(triage.classifyLocal('yes', { lastOutboundTemplate: 'lab-results-ready' }).intent).toBe('general');
  });

  test.each([
    ['STOP', 'opt_out'],
    ['stop.', 'opt_out'],
    ['STOPALL', 'opt_out'],
    ['UNSUBSCRIBE', 'opt_out'],
    ['END', 'opt_out'],
    ['QUIT', 'opt_out'],
    ['REVOKE', 'opt_out'],
    ['OPTOUT', 'opt_out'],
    ['CANCEL', 'opt_out'],
    ['START', 'opt_in'],
    ['UNSTOP', 'opt_in'],
    ['HELP', 'help'],
    ['INFO', 'help'],
  ])('carrier keyword %s -> %s', (text, intent) => {
    expect(triage.classifyLocal(text)).toMatchObject({ intent, engine: 'keyword', queue: 'front-desk' });
  });

  test('STOP after a reminder is still an opt-out', () => {
    expect(triage.classifyLocal('STOP', reminder).intent).toBe('opt_out');
  });
});
