import { randomBytes } from 'node:crypto';
import { and, eq, like } from 'drizzle-orm';
import type { Database } from '../db/database';
import { hubSettings } from '../db/schema';
import type { SettingsCipher } from './settings-encryption';

const SECRET_PREFIX = 'secret:';

/** Secrets the hub makes for itself on first use and keeps in hub_settings, encrypted (never in logs). */
export interface SecretStore {
  ensure(name: string): Promise<string>;
}

export function createSecretStore(db: Database, cipher: SettingsCipher): SecretStore {
  return {
    async ensure(name) {
      const key = `${SECRET_PREFIX}${name}`;
      await db
        .insert(hubSettings)
        .values({ key, value: cipher.encrypt(key, randomBytes(24).toString('base64url')) })
        .onConflictDoNothing({ target: hubSettings.key });
      const [row] = await db.select().from(hubSettings).where(eq(hubSettings.key, key));
      if (!row) throw new Error(`secret ${name} could not be stored`);
      if (cipher.isEncrypted(row.value)) return cipher.decrypt(key, row.value);
      // Written in clear by an older hub still running beside this one: encrypted now.
      await encryptRow(db, cipher, key, row.value);
      return row.value;
    },
  };
}

async function encryptRow(db: Database, cipher: SettingsCipher, key: string, plaintext: string) {
  // Only if still that plaintext: a concurrent start may have encrypted it already.
  await db
    .update(hubSettings)
    .set({ value: cipher.encrypt(key, plaintext) })
    .where(and(eq(hubSettings.key, key), eq(hubSettings.value, plaintext)));
}

/**
 * At start: encrypts secrets stored in clear by earlier versions, and proves the key opens the
 * encrypted ones (a wrong key stops the start with SettingsKeyError rather than failing later).
 * Returns how many rows were encrypted.
 */
export async function encryptStoredSecrets(db: Database, cipher: SettingsCipher): Promise<number> {
  const rows = await db
    .select()
    .from(hubSettings)
    .where(like(hubSettings.key, `${SECRET_PREFIX}%`));
  let encrypted = 0;
  for (const row of rows) {
    if (cipher.isEncrypted(row.value)) {
      cipher.decrypt(row.key, row.value);
      continue;
    }
    await encryptRow(db, cipher, row.key, row.value);
    encrypted += 1;
  }
  return encrypted;
}
