import { z } from 'zod';
import { configSection, optionalString, optionalUrl } from '../../src/channel-port';

/** The Twilio account the SMS and voice channels share; both list this section. */
export const twilioConfig = configSection({
  owner: 'twilio',
  shape: {
    TWILIO_ACCOUNT_SID: optionalString.pipe(
      z
        .string()
        .regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC followed by 32 hex digits')
        .optional(),
    ),
    TWILIO_AUTH_TOKEN: optionalString,
    TWILIO_FROM_NUMBER: optionalString,
    TWILIO_API_URL: optionalUrl,
  },
  check(values) {
    if (!values.TWILIO_ACCOUNT_SID) return [];
    const problems: string[] = [];
    if (!values.TWILIO_AUTH_TOKEN)
      problems.push('TWILIO_AUTH_TOKEN: required when TWILIO_ACCOUNT_SID is set');
    if (!values.TWILIO_FROM_NUMBER)
      problems.push('TWILIO_FROM_NUMBER: required when TWILIO_ACCOUNT_SID is set');
    return problems;
  },
  derive: (values) => ({
    /** True when Twilio credentials are absent: SMS is recorded, nothing leaves the machine. */
    smsSandbox: !values.TWILIO_ACCOUNT_SID,
  }),
});
