import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { ConfigError, decodeSettingsKey, parseConfig } from '../config/config';
import { generatedKeyPath, loadSettingsKey, SettingsKeyError, settingsCipher } from './settings-encryption';

const silent = pino({ level: 'silent' });

describe('settingsCipher (AES-256-GCM)', () => {
  const cipher = settingsCipher(randomBytes(32));

  test('the stored value is not the plaintext, and it round-trips', () => {
    const stored = cipher.encrypt('secret:staff-csrf', 'the-plain-secret');
    expect(stored).not.toContain('the-plain-secret');
    expect(stored.startsWith('enc:v1:')).toBe(true);
    expect(cipher.decrypt('secret:staff-csrf', stored)).toBe('the-plain-secret');
    // A fresh IV each time: equal secrets do not look equal at rest.
    expect(cipher.encrypt('secret:staff-csrf', 'the-plain-secret')).not.toBe(stored);
  });

  test('another key, another row, or a changed byte cannot be opened', () => {
    const stored = cipher.encrypt('secret:a', 'value');
    expect(() => settingsCipher(randomBytes(32)).decrypt('secret:a', stored)).toThrow(SettingsKeyError);
    expect(() => cipher.decrypt('secret:b', stored)).toThrow(SettingsKeyError);
    const tampered = `${stored.slice(0, -2)}${stored.endsWith('A') ? 'B' : 'A'}${stored.slice(-1)}`;
    expect(() => cipher.decrypt('secret:a', tampered)).toThrow(SettingsKeyError);
    expect(() => cipher.decrypt('secret:a', 'plaintext')).toThrow(SettingsKeyError);
  });
});

describe('loadSettingsKey', () => {
  test('without SETTINGS_ENCRYPTION_KEY: generated once into DATA_DIR with mode 0600, then reused', () => {
    const dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'careline-key-')), 'data');
    const first = loadSettingsKey({ dataDir, SETTINGS_ENCRYPTION_KEY: undefined }, silent);
    expect(first).toHaveLength(32);
    expect(fs.statSync(generatedKeyPath(dataDir)).mode & 0o777).toBe(0o600);
    expect(loadSettingsKey({ dataDir, SETTINGS_ENCRYPTION_KEY: undefined }, silent).equals(first)).toBe(true);
    fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
  });

  test('SETTINGS_ENCRYPTION_KEY wins over the file', () => {
    const hex = randomBytes(32).toString('hex');
    const key = loadSettingsKey({ dataDir: '/nonexistent', SETTINGS_ENCRYPTION_KEY: hex }, silent);
    expect(key.toString('hex')).toBe(hex);
  });
});

describe('SETTINGS_ENCRYPTION_KEY', () => {
  const key = randomBytes(32);
  test.each([
    [key.toString('hex'), true],
    [key.toString('base64'), true],
    [key.toString('base64url'), true],
    [randomBytes(16).toString('hex'), false],
    [randomBytes(31).toString('base64'), false],
    ['correct horse battery staple', false],
  ])('%s accepted: %p', (value, ok) => {
    expect(decodeSettingsKey(value) !== null).toBe(ok);
    if (ok) expect(parseConfig({ SETTINGS_ENCRYPTION_KEY: value }).SETTINGS_ENCRYPTION_KEY).toBe(value);
    else expect(() => parseConfig({ SETTINGS_ENCRYPTION_KEY: value })).toThrow(ConfigError);
  });
});
