import { VERIFICATION_CODE_TEMPLATE } from '../contacts/contact-verification';
import { type OutboundServiceDeps, planOutbound } from './outbound-service';

/**
 * Sends a web chat visitor's one-time code to the address they claimed, through the normal pipeline
 * (policy, template, outbox). Urgent: a code the patient is waiting for is not deferred.
 */
export function verificationCodeSender(outbound: OutboundServiceDeps, org: { id: string; name: string }) {
  return async (input: { contactId: string; channel: string; code: string; requestId: string }) => {
    await planOutbound(
      outbound,
      {
        orgId: org.id,
        contactId: input.contactId,
        initiator: 'automated',
        urgent: true,
        requestedChannel: input.channel,
        content: {
          template: VERIFICATION_CODE_TEMPLATE,
          variables: { clinicName: org.name, code: input.code },
        },
        requestId: input.requestId,
      },
      { dryRun: false },
    );
  };
}
