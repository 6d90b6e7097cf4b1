import path from 'node:path';
import { z } from 'zod';
import { parseTrustProxy } from '../http/client-address';
import { type ConfigSection, composedSections, type SectionsOutput } from './config-section';
import { booleanFlag, optionalString, optionalUrl, port } from './config-values';
import { OfficeHoursError, parseOfficeHours } from './office-hours';

/** A 32-byte key written as 64 hex digits or as base64 (standard or url-safe); null otherwise. */
export function decodeSettingsKey(value: string): Buffer | null {
  if (/^[0-9a-f]{64}$/i.test(value)) return Buffer.from(value, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) return null;
  const key = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === 32 ? key : null;
}

/**
 * The environment the core reads, validated once at start. Channels and providers declare their own
 * keys beside their code (a ConfigSection) and parseConfig composes them in.
 */
const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(3000),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_URL: optionalUrl,
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
      .optional(),
  ),
  DATA_DIR: z.string().default('./data'),
  /**
   * AES-256-GCM key of the secrets in hub_settings: 32 bytes, base64 or 64 hex digits. Unset: a key
   * is generated into DATA_DIR/settings-encryption.key on first start.
   */
  SETTINGS_ENCRYPTION_KEY: optionalString.pipe(
    z
      .string()
      .refine((v) => decodeSettingsKey(v) !== null, 'must be 32 bytes, base64 or 64 hex digits')
      .optional(),
  ),
  /**
   * The proxies whose X-Forwarded-For names the client, as express's `trust proxy`: `true`, `false`,
   * a hop count, or addresses/subnets/`loopback`/`linklocal`/`uniquelocal`, comma-separated. Rate
   * limits, lockouts and the audit log key on the address it resolves. Default: loopback only.
   */
  TRUST_PROXY: z
    .string()
    .default('loopback')
    .transform((value, ctx) => {
      try {
        return parseTrustProxy(value);
      } catch (error) {
        if (!(error instanceof TypeError)) throw error;
        ctx.addIssue({
          code: 'custom',
          message: `${error.message}: use true, false, a number of hops, or addresses and subnets such as 10.0.0.0/8,loopback`,
        });
        return z.NEVER;
      }
    }),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .default('redis://127.0.0.1:6379'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CLINIC_NAME: z.string().min(1).default('Riverside Clinic'),
  CLINIC_TIME_ZONE: z
    .string()
    .default('America/New_York')
    .refine(isKnownTimeZone, 'must be an IANA time zone such as America/New_York'),
  CLINIC_HELP_TEXT: optionalString,
  CLINIC_CRISIS_LINE: optionalString,
  /** When staff answer, in CLINIC_TIME_ZONE: web chat shows an after-hours notice outside them. */
  CLINIC_OFFICE_HOURS: z
    .string()
    .default('mon-fri 08:00-18:00')
    .transform((value, ctx) => {
      try {
        return parseOfficeHours(value);
      } catch (error) {
        if (!(error instanceof OfficeHoursError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
        return z.NEVER;
      }
    }),
  /**
   * A verified session lapses after this long without activity, and this long after it was
   * verified. The core keeps verified sessions (the session sink) for any channel with a live
   * session; the names are web chat's, the only such channel so far, and stay as released.
   */
  WEBCHAT_VERIFIED_IDLE_MINUTES: z.coerce.number().positive().default(30),
  WEBCHAT_VERIFIED_MAX_HOURS: z.coerce.number().positive().default(12),
  DEFAULT_REGION: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be a two-letter country code such as US')
    .default('US'),
  ADMIN_EMAIL: optionalString.pipe(z.email().optional()),
  ADMIN_PASSWORD: optionalString.pipe(z.string().min(10, 'must be at least 10 characters').optional()),
  STAFF_SESSION_HOURS: z.coerce.number().positive().default(12),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_MODEL: z.string().default('gpt-4o-mini'),
  /**
   * The clinic's ceiling per channel, replacing the defaults (sms, email, voice: limited), e.g.
   * `sms=public,email=limited`. A patient's recorded acceptance of unencrypted PHI still raises it.
   */
  CHANNEL_MAX_SENSITIVITY: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const overrides: Record<string, 'public' | 'limited' | 'phi'> = {};
      for (const pair of value
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)) {
        const [channel, level] = pair.split('=').map((p) => p.trim());
        if (
          !channel ||
          !/^[a-z]+$/.test(channel) ||
          (level !== 'public' && level !== 'limited' && level !== 'phi')
        ) {
          ctx.addIssue({ code: 'custom', message: `"${pair}" must look like channel=public|limited|phi` });
          return z.NEVER;
        }
        overrides[channel] = level;
      }
      return overrides;
    }),
  /** BullMQ key prefix: lets several hubs (or a benchmark) share one Redis without seeing each other's jobs. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be letters, digits, - or _')
    .default('careline'),
  /** `false` runs an API-only process (webhooks, staff API); run the workers in another process. */
  RUN_WORKERS: booleanFlag('true'),
  OUTBOX_SWEEP_SECONDS: z.coerce.number().positive().default(30),
  /** Worker threads that run triage off the event loop; each holds its own trained engine. */
  TRIAGE_THREADS: z.coerce.number().int().min(1).max(16).default(1),
  /**
   * How long a send claim holds before the sweeper may take it over and reconcile it with the
   * provider. Longer than the slowest provider call (Twilio's client gives up after 15 s), so a slow
   * send is never taken over while it can still succeed.
   */
  OUTBOX_LEASE_SECONDS: z.coerce.number().positive().default(60),
  /**
   * A reconnecting inbox socket is also re-sent the events up to this many seconds older than the
   * last one it saw: a transaction that took an earlier id may have committed after it. Longer than
   * the longest transaction that stores a hub event could plausibly take.
   */
  INBOX_REPLAY_LOOKBACK_SECONDS: z.coerce.number().nonnegative().default(30),
  SEND_CONCURRENCY: z.coerce.number().int().positive().default(10),
  /** Campaign messages per second per sender (a from-number, an email sender); src/campaigns. */
  CAMPAIGN_SEND_RATE: z.coerce.number().positive().max(1000).default(1),
  /** A patient's message this many days after a campaign's message to them is marked as its reply. */
  CAMPAIGN_REPLY_WINDOW_DAYS: z.coerce.number().nonnegative().max(365).default(7),
  /**
   * The clinic-wide frequency cap: at most this many marketing messages per contact (0: no cap) in
   * any CAMPAIGN_FREQUENCY_CAP_DAYS days. A marketing campaign skips those over it (`frequency_cap`).
   */
  CAMPAIGN_FREQUENCY_CAP: z.coerce.number().int().nonnegative().default(2),
  CAMPAIGN_FREQUENCY_CAP_DAYS: z.coerce.number().positive().max(365).default(30),
  /** The largest contact import file accepted (bytes); larger is refused with 413. */
  CONTACT_IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(50 * 1024 * 1024),
  DATABASE_POOL_SIZE: z.coerce.number().int().positive().default(20),
});

export type Environment = z.infer<typeof environmentSchema>;

export interface HubConfig extends Environment {
  /** Base URL used for webhook signatures and links (PUBLIC_URL, else http://localhost:PORT). */
  publicUrl: string;
  dataDir: string;
  /** The sections composed in: their values are read through ConfigSection.read. */
  readonly [composedSections]: ReadonlySet<ConfigSection>;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The core schema extended with each section's keys; a key declared twice is a programming error. */
function composedSchema(sections: readonly ConfigSection[]) {
  const owners = new Map<string, string>(Object.keys(environmentSchema.shape).map((key) => [key, 'core']));
  for (const section of sections) {
    for (const key of Object.keys(section.shape)) {
      const owner = owners.get(key);
      if (owner !== undefined)
        throw new Error(`config key ${key} is declared by ${owner} and ${section.owner}`);
      owners.set(key, section.owner);
    }
  }
  return environmentSchema.extend(Object.assign({}, ...sections.map((section) => section.shape)));
}

/**
 * Parses the environment into a typed config; throws ConfigError naming each bad variable.
 * `sections` are the keys of the channels and providers the hub runs (channels/index.ts); one
 * listed twice (Twilio, by SMS and voice) is read once.
 */
export function parseConfig<const Sections extends readonly ConfigSection[] = []>(
  env: NodeJS.ProcessEnv,
  sections: Sections = [] as unknown as Sections,
): HubConfig & SectionsOutput<Sections> {
  const distinct = [...new Set(sections)];
  const parsed = composedSchema(distinct).safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const value = parsed.data as Environment & Record<string, unknown>;
  const problems: string[] = [];
  if ((value.ADMIN_EMAIL === undefined) !== (value.ADMIN_PASSWORD === undefined)) {
    problems.push('ADMIN_EMAIL/ADMIN_PASSWORD: set both or neither');
  }
  for (const section of distinct) problems.push(...(section.check?.(value) ?? []));
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.assign({}, value, ...distinct.map((section) => section.derive?.(value) ?? {}), {
    publicUrl: (value.PUBLIC_URL ?? `http://localhost:${value.PORT}`).replace(/\/+$/, ''),
    dataDir: path.resolve(value.DATA_DIR),
    [composedSections]: new Set(distinct),
  });
}
