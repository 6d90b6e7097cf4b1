import { isDatabaseUnavailable } from './connection-errors';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  test.each([
    ['connection refused', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), true],
    [
      'server shutting down (57P01)',
      withCode('terminating connection due to administrator command', '57P01'),
      true,
    ],
    ['server starting up (57P03)', withCode('the database system is starting up', '57P03'), true],
    ['connection failure (08006)', withCode('connection failure', '08006'), true],
    ['dropped connection', new Error('Connection terminated unexpectedly'), true],
    ['pool connect timeout', new Error('timeout exceeded when trying to connect'), true],
    [
      'wrapped by the ORM',
      new Error('Failed query: select 1', { cause: withCode('connect ECONNREFUSED', 'ECONNREFUSED') }),
      true,
    ],
    ['unique violation', withCode('duplicate key value violates unique constraint', '23505'), false],
    ['syntax error', withCode('syntax error at or near "selec"', '42601'), false],
    ['serialization failure', withCode('could not serialize access', '40001'), false],
    ['not an error', 'ECONNREFUSED', false],
  ])('%s', (_name, error, expected) => {
    expect(isDatabaseUnavailable(error)).toBe(expected);
  });
});
