import { issueSession, verifySessionToken } from './session-token';

describe('web chat session tokens', () => {
  const secret = 'a-test-secret';
  const session = issueSession(secret);

  test('a token the hub issued names its session', () => {
    expect(verifySessionToken(secret, session.token)).toEqual(session);
  });

  test.each<[string, string]>([
    ['signed with another secret', issueSession('other-secret').token],
    ['another id with this signature', `${'A'.repeat(22)}.${session.token.split('.')[1]}`],
    [
      'a flipped signature character',
      `${session.token.slice(0, -1)}${session.token.endsWith('A') ? 'B' : 'A'}`,
    ],
    ['no signature', session.id],
    ['empty signature', `${session.id}.`],
    ['an id of the wrong shape', `short.${session.token.split('.')[1]}`],
    ['empty', ''],
  ])('refuses %s', (_name, token) => {
    expect(verifySessionToken(secret, token)).toBeNull();
  });
});
