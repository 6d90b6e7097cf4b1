import { sql } from 'drizzle-orm';
import type { Database, Transaction } from './database';

/**
 * Runs read queries with PostgreSQL's JIT compiler off. The inbox counts and lists are short
 * queries over thousands of rows whose correlated sub-selects make the planner's cost estimate
 * large, which triggers JIT: compiling then takes ten times longer than running (700 ms against
 * 60 ms for the queue counts at 10,000 open conversations). A campaign's figures are the same kind
 * (JIT was 4.8 s of their 8.7 s at 100,000 recipients). `set local` ends with the transaction.
 */
export async function withoutJit<T>(db: Database, run: (tx: Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local jit = off`);
    return run(tx);
  });
}
