import path from 'node:path';
import { z } from 'zod';
import { parseTrustProxy } from '../http/client-address';
import { OfficeHoursError, parseOfficeHours } from './office-hours';

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const optionalUrl = optionalString.pipe(z.url().optional());

const port = z.coerce.number().int().min(0).max(65535);

/** A 32-byte key written as 64 hex digits or as base64 (standard or url-safe); null otherwise. */
export function decodeSettingsKey(value: string): Buffer | null {
  if (/^[0-9a-f]{64}$/i.test(value)) return Buffer.from(value, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) return null;
  const key = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === 32 ? key : null;
}

/** The environment the hub reads, validated once at start. */
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
  /** Web chat messages a session (and, separately, an IP address) may send per minute. */
  WEBCHAT_MESSAGES_PER_MINUTE: z.coerce.number().int().positive().default(20),
  WEBCHAT_IP_MESSAGES_PER_MINUTE: z.coerce.number().int().positive().default(120),
  /** A verified web chat session lapses after this long without activity, and this long after it was verified. */
  WEBCHAT_VERIFIED_IDLE_MINUTES: z.coerce.number().positive().default(30),
  WEBCHAT_VERIFIED_MAX_HOURS: z.coerce.number().positive().default(12),
  /**
   * Sites allowed to frame the /chat page (the widget's iframe): a CSP frame-ancestors list such as
   * `https://clinic.example`. None by default: a page that any site may frame can be dressed up to
   * trick a patient into typing health details (clickjacking), so a clinic names its own sites.
   */
  WEBCHAT_FRAME_ANCESTORS: z
    .string()
    .default("'none'")
    .refine(
      (v) => /^[A-Za-z0-9*:/.\- ']+$/.test(v),
      'must be a CSP source list such as https://clinic.example',
    ),
  DEFAULT_REGION: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be a two-letter country code such as US')
    .default('US'),
  ADMIN_EMAIL: optionalString.pipe(z.email().optional()),
  ADMIN_PASSWORD: optionalString.pipe(z.string().min(10, 'must be at least 10 characters').optional()),
  STAFF_SESSION_HOURS: z.coerce.number().positive().default(12),
  TWILIO_ACCOUNT_SID: optionalString.pipe(
    z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC followed by 32 hex digits')
      .optional(),
  ),
  TWILIO_AUTH_TOKEN: optionalString,
  TWILIO_FROM_NUMBER: optionalString,
  TWILIO_API_URL: optionalUrl,
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_MODEL: z.string().default('gpt-4o-mini'),
  SMTP_URL: optionalString,
  SMTP_INBOUND_PORT: port.optional(),
  /**
   * Where the SMTP listener binds. Loopback by default: a mail exchanger open to the internet is a
   * deliberate choice (0.0.0.0), usually behind the clinic's own MTA.
   */
  SMTP_INBOUND_HOST: z.string().trim().min(1).default('127.0.0.1'),
  /** Messages one peer address may send the SMTP listener per minute; more get a 421 (try later). */
  SMTP_INBOUND_MESSAGES_PER_MINUTE: z.coerce.number().int().positive().default(30),
  /**
   * The authserv-id of the relay in front of POST /webhooks/email/inbound whose Authentication-Results
   * header the hub trusts (its SPF/DKIM/DMARC verdict). Unset: the webhook's secret stands for the
   * relay, and the relay is trusted to have authenticated the sender.
   */
  EMAIL_WEBHOOK_AUTHSERV_ID: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9.-]{1,253}$/, 'must be a host name such as mx.clinic.example')
      .optional(),
  ),
  /** The From of outbound email; default `"<CLINIC_NAME>" <no-reply@localhost>`. */
  EMAIL_FROM: optionalString.pipe(
    z
      .string()
      .regex(
        /^(?:[^<>]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/,
        'must be an address such as clinic@example.org or "Clinic" <clinic@example.org>',
      )
      .optional(),
  ),
  /** The domain of reply+<token>@… addresses and of outbound Message-IDs; default EMAIL_FROM's domain. */
  EMAIL_REPLY_DOMAIN: optionalString.pipe(
    z
      .string()
      .regex(
        /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i,
        'must be a domain name',
      )
      .optional(),
  ),
  /** Shared secret of POST /webhooks/email/inbound (header X-CareLine-Email-Secret); unset disables it. */
  EMAIL_INBOUND_SECRET: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  /** Comma-separated domains the SMTP listener accepts mail for; required with SMTP_INBOUND_PORT. */
  EMAIL_INBOUND_DOMAINS: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const domains = value
        .split(',')
        .map((d) => d.trim().toLowerCase())
        .filter(Boolean);
      const bad = domains.find(
        (d) => !/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(d),
      );
      if (bad !== undefined) {
        ctx.addIssue({ code: 'custom', message: `"${bad}" is not a domain name` });
        return z.NEVER;
      }
      return domains;
    }),
  /** Inbound attachments above this size are listed as refused (the message is still stored). */
  EMAIL_MAX_ATTACHMENT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(5 * 1024 * 1024),
  MICROSOFT_APP_ID: optionalString,
  MICROSOFT_APP_PASSWORD: optionalString,
  /** The bot's Azure app registration: `MultiTenant` (default) or `SingleTenant` (needs the tenant id). */
  MICROSOFT_APP_TYPE: z.enum(['MultiTenant', 'SingleTenant']).default('MultiTenant'),
  MICROSOFT_APP_TENANT_ID: optionalString,
  /**
   * Accept unauthenticated activities on POST /api/messages, for the Bot Framework Emulator on a
   * developer's machine only. Never together with MICROSOFT_APP_ID.
   */
  BOTFRAMEWORK_EMULATOR: z
    .enum(['true', 'false'], 'must be true or false')
    .default('false')
    .transform((v) => v === 'true'),
  /**
   * The OpenID metadata document whose keys sign the Bot Framework's tokens to the bot; unset:
   * Microsoft's public cloud. For a private or sovereign cloud, or a local stand-in.
   */
  BOTFRAMEWORK_OPENID_METADATA_URL: optionalUrl,
  /**
   * Connector base URLs replies may go to besides Microsoft's own service URLs (comma-separated
   * origins, e.g. a private connector or a local stand-in).
   */
  BOTFRAMEWORK_SERVICE_URLS: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const origins: string[] = [];
      for (const entry of value
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean)) {
        const parsed = URL.canParse(entry) ? new URL(entry) : null;
        if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.username || parsed.password) {
          ctx.addIssue({
            code: 'custom',
            message: `"${entry}" must be an http(s) origin such as https://host:port`,
          });
          return z.NEVER;
        }
        origins.push(parsed.origin);
      }
      return origins;
    }),
  /** Activities one client address may post to /api/messages per minute (per hub process). */
  BOTFRAMEWORK_MESSAGES_PER_MINUTE: z.coerce.number().int().positive().default(600),
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
  RUN_WORKERS: z
    .enum(['true', 'false'], 'must be true or false')
    .default('true')
    .transform((v) => v === 'true'),
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
  /** True when Twilio credentials are absent: SMS is recorded, nothing leaves the machine. */
  smsSandbox: boolean;
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

/** Parses the environment into a typed config; throws ConfigError naming each bad variable. */
export function parseConfig(env: NodeJS.ProcessEnv): HubConfig {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const value = parsed.data;
  const problems: string[] = [];
  const smsSandbox = !value.TWILIO_ACCOUNT_SID;
  if (!smsSandbox && !value.TWILIO_AUTH_TOKEN) {
    problems.push('TWILIO_AUTH_TOKEN: required when TWILIO_ACCOUNT_SID is set');
  }
  if (!smsSandbox && !value.TWILIO_FROM_NUMBER) {
    problems.push('TWILIO_FROM_NUMBER: required when TWILIO_ACCOUNT_SID is set');
  }
  if ((value.ADMIN_EMAIL === undefined) !== (value.ADMIN_PASSWORD === undefined)) {
    problems.push('ADMIN_EMAIL/ADMIN_PASSWORD: set both or neither');
  }
  if ((value.MICROSOFT_APP_ID === undefined) !== (value.MICROSOFT_APP_PASSWORD === undefined)) {
    problems.push('MICROSOFT_APP_ID/MICROSOFT_APP_PASSWORD: set both or neither');
  }
  if (value.BOTFRAMEWORK_EMULATOR && value.MICROSOFT_APP_ID) {
    problems.push(
      'BOTFRAMEWORK_EMULATOR: not with MICROSOFT_APP_ID (it turns the token check off; it is for the Emulator only)',
    );
  }
  if (
    value.MICROSOFT_APP_TYPE === 'SingleTenant' &&
    value.MICROSOFT_APP_ID &&
    !value.MICROSOFT_APP_TENANT_ID
  ) {
    problems.push('MICROSOFT_APP_TENANT_ID: required when MICROSOFT_APP_TYPE is SingleTenant');
  }
  if (value.SMTP_INBOUND_PORT !== undefined && value.EMAIL_INBOUND_DOMAINS.length === 0) {
    // A listener that takes mail for any domain is an open relay target and a spam sink.
    problems.push(
      'EMAIL_INBOUND_DOMAINS: required when SMTP_INBOUND_PORT is set (the domains mail is accepted for)',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    ...value,
    publicUrl: (value.PUBLIC_URL ?? `http://localhost:${value.PORT}`).replace(/\/+$/, ''),
    dataDir: path.resolve(value.DATA_DIR),
    smsSandbox,
  };
}
