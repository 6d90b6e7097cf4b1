import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Database } from '../db/database';
import { hubSettings } from '../db/schema';

/** A secret the hub makes for itself on first use and keeps in the database (never in logs). */
export async function ensureSecret(db: Database, name: string): Promise<string> {
  const key = `secret:${name}`;
  await db
    .insert(hubSettings)
    .values({ key, value: randomBytes(24).toString('base64url') })
    .onConflictDoNothing({ target: hubSettings.key });
  const [row] = await db.select().from(hubSettings).where(eq(hubSettings.key, key));
  if (!row) throw new Error(`secret ${name} could not be stored`);
  return row.value;
}
