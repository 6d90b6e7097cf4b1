import { DrizzleQueryError } from 'drizzle-orm';
import { DatabaseError } from 'pg';
import { statementName } from './error-serializer';
import { createLogger } from './logger';

const PHI = ['I have chest pain', '+14155550123', 'ana.lopez@example.org', '1980-04-12'];

/** The error a failed batch insert raised: PostgreSQL's, wrapped by Drizzle with every bound value. */
function failedBatchInsert(): DrizzleQueryError {
  const pgError = new DatabaseError('invalid byte sequence for encoding "UTF8": 0x00', 100, 'error');
  Object.assign(pgError, {
    severity: 'ERROR',
    code: '22021',
    routine: 'report_invalid_encoding',
    where: `unnamed portal parameter $7 = '{"I have chest pain","my DOB is 1980-04-12"}'`,
    detail: 'Key (address)=(+14155550123) already exists.',
  });
  return new DrizzleQueryError(
    'select * from careline_store_inbound($1::uuid, $2::uuid[], $3::text[])',
    ['org', ['+14155550123', 'ana.lopez@example.org'], ['I have chest pain', 'my DOB is 1980-04-12']],
    pgError,
  );
}

function logged(write: (logger: ReturnType<typeof createLogger>) => void): Record<string, unknown> {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (line: string) => lines.push(line) });
  write(logger);
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

test('a failed query is logged with its SQL state and statement name, none of its values', () => {
  const error = failedBatchInsert();
  // What used to be logged: the values are there to lose.
  for (const value of PHI)
    expect(`${error.message}${error.stack}${JSON.stringify(error.params)}`).toContain(value);

  const entry = logged((logger) => logger.error({ err: error, size: 3 }, 'inbound batch failed'));
  const text = JSON.stringify(entry);
  for (const value of PHI) expect(text).not.toContain(value);
  expect(entry.err).toMatchObject({
    type: 'DrizzleQueryError',
    message: 'Failed query: select from careline_store_inbound',
    statement: 'select from careline_store_inbound',
    sqlState: '22021',
    cause: {
      type: 'DatabaseError',
      message: 'invalid byte sequence for encoding "UTF8": 0x00',
      sqlState: '22021',
      routine: 'report_invalid_encoding',
    },
  });
  expect(String((entry.err as { stack: string }).stack)).toMatch(
    /^DrizzleQueryError: Failed query: select from/,
  );
  expect(String((entry.err as { stack: string }).stack)).toContain('error-serializer.test.ts');
});

test('an error passed as the first argument is serialized the same way', () => {
  const entry = logged((logger) => logger.error(failedBatchInsert(), 'unhandled error'));
  for (const value of PHI) expect(JSON.stringify(entry)).not.toContain(value);
  expect(entry.err).toMatchObject({ sqlState: '22021', statement: 'select from careline_store_inbound' });
});

test("PostgreSQL's quoted value in a message is left out; names it quotes are kept", () => {
  const badUuid = new DatabaseError('invalid input syntax for type uuid: "+14155550123"', 90, 'error');
  Object.assign(badUuid, { severity: 'ERROR', code: '22P02' });
  const unique = new DatabaseError(
    'duplicate key value violates unique constraint "contact_identities_key"',
    90,
    'error',
  );
  Object.assign(unique, {
    severity: 'ERROR',
    code: '23505',
    constraint: 'contact_identities_key',
    detail: 'Key (address)=(+14155550123) already exists.',
  });
  const first = logged((logger) => logger.warn({ err: badUuid }, 'x'));
  expect(first.err).toMatchObject({
    message: 'invalid input syntax for type uuid: [value redacted]',
    sqlState: '22P02',
  });
  const second = logged((logger) => logger.warn({ err: unique }, 'x'));
  expect(second.err).toMatchObject({
    message: 'duplicate key value violates unique constraint "contact_identities_key"',
    constraint: 'contact_identities_key',
  });
  expect(JSON.stringify(second)).not.toContain('+14155550123');
});

test('other errors keep their message and scalar fields, not the payloads they carry', () => {
  const error = Object.assign(new Error('The Bot Framework connector answered 500'), {
    statusCode: 500,
    code: 'http_500',
    request: { body: 'I have chest pain', headers: { authorization: 'Bearer secret' } },
    body: 'ana.lopez@example.org',
  });
  const entry = logged((logger) => logger.warn({ err: error }, 'send failed'));
  expect(entry.err).toMatchObject({
    type: 'Error',
    message: error.message,
    statusCode: 500,
    code: 'http_500',
  });
  for (const value of [...PHI, 'secret']) expect(JSON.stringify(entry)).not.toContain(value);
});

test.each([
  ['insert into "messages" ("id", "body") values ($1, $2)', 'insert into "messages"'],
  ['update "conversations" set "status" = $1 where "id" = $2', 'update "conversations"'],
  ['delete from "channel_state" where "key" = $1', 'delete from "channel_state"'],
  ['select "id", "body"\n  from "messages" where "id" = $1', 'select from "messages"'],
  ['select * from careline_store_inbound($1::uuid)', 'select from careline_store_inbound'],
  ['select pg_advisory_xact_lock($1)', 'select'],
  ['begin', 'begin'],
])('%s is named %s', (query, name) => {
  expect(statementName(query)).toBe(name);
});
