import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server the suite may create databases on (scripts/test.mjs exports a throwaway one). */
export function testServerUrl(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database for one suite, named after the throwaway test database so cleanup finds it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = new URL(testServerUrl());
  const base = serverUrl.pathname.replace(/^\//, '') || 'careline_test';
  const name = `${base.startsWith('careline_test') ? base : 'careline_test'}_s${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl.href });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(serverUrl.href);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl.href });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}

/** Runs a query against a test database with a short-lived client (assertions read the store directly). */
export async function queryRows<T extends Record<string, unknown>>(
  url: string,
  text: string,
  params: unknown[] = [],
) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}
