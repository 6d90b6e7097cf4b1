import { z } from 'zod';
import { configSection, optionalString, port } from '../../src/channel-port';

/** The email channel's environment: outbound SMTP, the inbound webhook and SMTP listener. */
export const emailConfig = configSection({
  owner: 'email',
  shape: {
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
    EMAIL_INBOUND_SECRET: optionalString.pipe(
      z.string().min(16, 'must be at least 16 characters').optional(),
    ),
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
  },
  check(values) {
    // A listener that takes mail for any domain is an open relay target and a spam sink.
    return values.SMTP_INBOUND_PORT !== undefined && values.EMAIL_INBOUND_DOMAINS.length === 0
      ? ['EMAIL_INBOUND_DOMAINS: required when SMTP_INBOUND_PORT is set (the domains mail is accepted for)']
      : [];
  },
});
