import { parseCarrierKeyword } from './carrier-keywords';

describe('parseCarrierKeyword', () => {
  test.each([
    ['STOP', 'opt_out'],
    ['stop', 'opt_out'],
    ['  Stop.  ', 'opt_out'],
    ['STOP!!!', 'opt_out'],
    ['StopAll', 'opt_out'],
    ['unsubscribe', 'opt_out'],
    ['Cancel', 'opt_out'],
    ['END', 'opt_out'],
    ['quit', 'opt_out'],
    ['REVOKE', 'opt_out'],
    ['optout', 'opt_out'],
    ['START', 'opt_in'],
    ['unstop', 'opt_in'],
    ['help', 'help'],
    ['INFO?', 'help'],
    ['ＳＴＯＰ', 'opt_out'],
  ])('%p is %s', (body, expected) => {
    expect(parseCarrierKeyword(body, { optedOut: false })).toBe(expected);
  });

  test.each([
    'I need to cancel my appointment',
    'please stop texting me at work',
    'stop it',
    'STOPP',
    'help me please',
    'starting to feel better',
    '',
    '   ',
    '🛑',
    'yes',
    'Y',
  ])('%p is not a keyword for a subscribed contact', (body) => {
    expect(parseCarrierKeyword(body, { optedOut: false })).toBeNull();
  });

  test('YES opts back in only after an opt-out', () => {
    expect(parseCarrierKeyword('Yes', { optedOut: true })).toBe('opt_in');
    expect(parseCarrierKeyword('Yes', { optedOut: false })).toBeNull();
  });
});
