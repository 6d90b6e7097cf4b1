import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { decodeSettingsKey, type HubConfig } from '../config/config';

const PREFIX = 'enc:v1:';

/** A stored secret that the key at hand cannot open: the key changed, or the row was altered. */
export class SettingsKeyError extends Error {
  readonly code = 'settings_key_mismatch';
  constructor(name: string) {
    super(
      `hub_settings ${name} cannot be decrypted with this SETTINGS_ENCRYPTION_KEY: it was written with ` +
        'another key (set the key the database was started with) or altered',
    );
    this.name = 'SettingsKeyError';
  }
}

/** AES-256-GCM for hub_settings values, each bound to its row's key (a value moved to another row fails). */
export interface SettingsCipher {
  encrypt(name: string, plaintext: string): string;
  /** Throws SettingsKeyError when the value was not written with this key for this name. */
  decrypt(name: string, stored: string): string;
  isEncrypted(stored: string): boolean;
}

export function settingsCipher(key: Buffer): SettingsCipher {
  if (key.length !== 32) throw new Error('the settings key must be 32 bytes');
  return {
    encrypt(name, plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(name));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const parts = [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url'));
      return `${PREFIX}${parts.join('.')}`;
    },
    decrypt(name, stored) {
      const [iv, tag, body] = stored.slice(PREFIX.length).split('.');
      if (!stored.startsWith(PREFIX) || !iv || !tag || body === undefined) throw new SettingsKeyError(name);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(name));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        throw new SettingsKeyError(name);
      }
    },
    isEncrypted: (stored) => stored.startsWith(PREFIX),
  };
}

/** Where the hub keeps the key it generated when SETTINGS_ENCRYPTION_KEY is not set. */
export const generatedKeyPath = (dataDir: string) => path.join(dataDir, 'settings-encryption.key');

/**
 * SETTINGS_ENCRYPTION_KEY, or the key file under DATA_DIR, created (mode 0600) on first start so
 * that `npm start` on a fresh machine works. Said loudly: that file and the database together open
 * the secrets, and every hub process sharing the database needs the same key.
 */
export function loadSettingsKey(
  config: Pick<HubConfig, 'SETTINGS_ENCRYPTION_KEY' | 'dataDir'>,
  logger: Logger,
): Buffer {
  if (config.SETTINGS_ENCRYPTION_KEY) {
    const key = decodeSettingsKey(config.SETTINGS_ENCRYPTION_KEY);
    if (!key) throw new Error('SETTINGS_ENCRYPTION_KEY: must be 32 bytes, base64 or 64 hex digits');
    return key;
  }
  const file = generatedKeyPath(config.dataDir);
  fs.mkdirSync(config.dataDir, { recursive: true });
  try {
    // `wx`: two processes starting together never write two different keys.
    fs.writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    logger.warn(
      { file },
      'SETTINGS_ENCRYPTION_KEY is not set: generated a key for the secrets in hub_settings and wrote it ' +
        'to this file (mode 0600). Back it up with the database; to run several hub processes on one ' +
        'database, set SETTINGS_ENCRYPTION_KEY to its content on each.',
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const key = decodeSettingsKey(fs.readFileSync(file, 'utf8').trim());
  if (!key)
    throw new Error(`${file} does not hold a 32-byte base64 key; remove it or set SETTINGS_ENCRYPTION_KEY`);
  return key;
}
