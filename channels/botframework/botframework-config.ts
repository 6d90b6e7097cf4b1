import { z } from 'zod';
import { booleanFlag, configSection, optionalString, optionalUrl } from '../../src/channel-port';

/** The Bot Framework channel's environment: the bot's app registration and where replies may go. */
export const botframeworkConfig = configSection({
  owner: 'botframework',
  shape: {
    MICROSOFT_APP_ID: optionalString,
    MICROSOFT_APP_PASSWORD: optionalString,
    /** The bot's Azure app registration: `MultiTenant` (default) or `SingleTenant` (needs the tenant id). */
    MICROSOFT_APP_TYPE: z.enum(['MultiTenant', 'SingleTenant']).default('MultiTenant'),
    MICROSOFT_APP_TENANT_ID: optionalString,
    /**
     * Accept unauthenticated activities on POST /api/messages, for the Bot Framework Emulator on a
     * developer's machine only. Never together with MICROSOFT_APP_ID.
     */
    BOTFRAMEWORK_EMULATOR: booleanFlag('false'),
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
  },
  check(values) {
    const problems: string[] = [];
    if ((values.MICROSOFT_APP_ID === undefined) !== (values.MICROSOFT_APP_PASSWORD === undefined)) {
      problems.push('MICROSOFT_APP_ID/MICROSOFT_APP_PASSWORD: set both or neither');
    }
    if (values.BOTFRAMEWORK_EMULATOR && values.MICROSOFT_APP_ID) {
      problems.push(
        'BOTFRAMEWORK_EMULATOR: not with MICROSOFT_APP_ID (it turns the token check off; it is for the Emulator only)',
      );
    }
    if (
      values.MICROSOFT_APP_TYPE === 'SingleTenant' &&
      values.MICROSOFT_APP_ID &&
      !values.MICROSOFT_APP_TENANT_ID
    ) {
      problems.push('MICROSOFT_APP_TENANT_ID: required when MICROSOFT_APP_TYPE is SingleTenant');
    }
    return problems;
  },
});
