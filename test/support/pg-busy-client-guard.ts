// Fails a test file whose code sends a query to a pg client that is still running others. pg 8 queues it
// and prints a deprecation once per process; pg 9 will throw. It happens when queries on one connection (a
// transaction) are started together with Promise.all: no parallelism is gained, and an upgrade would break
// the route. Node's warning cannot be observed from a test (jest gives the test its own `process`), so the
// guard checks the same condition pg checks, just before pg does.
import pg from 'pg';

type QueueingClient = pg.Client & { _queryQueue: unknown[]; pipeline?: boolean };

const seen: string[] = [];
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function guardedQuery(this: QueueingClient, ...args: unknown[]) {
  if (this._queryQueue.length > 0 && !this.pipeline) {
    // The stack ends in drizzle's async session code, so name the test instead.
    seen.push(expect.getState().currentTestName ?? '(outside a test)');
  }
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

afterAll(() => {
  pg.Client.prototype.query = query;
  if (seen.length > 0) {
    const tests = [...new Set(seen)].join('; ');
    throw new Error(
      `a query was sent to a pg client that was still busy (Promise.all in a transaction?) in: ${tests}`,
    );
  }
});
