import { z } from 'zod';
import { configSection } from '../../src/channel-port';

/** The web chat channel's environment (its verified-session limits are the core's: src/platform/config). */
export const webchatConfig = configSection({
  owner: 'webchat',
  shape: {
    /** Web chat messages a session (and, separately, an IP address) may send per minute. */
    WEBCHAT_MESSAGES_PER_MINUTE: z.coerce.number().int().positive().default(20),
    WEBCHAT_IP_MESSAGES_PER_MINUTE: z.coerce.number().int().positive().default(120),
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
  },
});
