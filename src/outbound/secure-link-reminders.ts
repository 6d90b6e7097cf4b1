import type { Logger } from 'pino';
import { maskedLinkUrl } from '../securelinks/secure-link-delivery';
import { issueSecureLink } from '../securelinks/secure-link-store';
import { findLinksNeedingReminder, markReminderSent } from '../securelinks/unread-reminder';
import { type OutboundServiceDeps, planOutbound } from './outbound-service';

/**
 * One reminder for a secure message left unread for a day, sent under policy like any automated
 * message (consent, quiet hours). The first link's token is not stored, so the reminder carries a
 * fresh link to the same messages (its token made at send time, like every notice's); that link is
 * marked reminded at once so reminders never chain.
 * A reminder the policy refuses is not retried: the patient opted out, and that is the answer.
 */
export async function remindUnreadSecureMessages(
  deps: OutboundServiceDeps,
  logger: Logger,
  now: Date = new Date(),
): Promise<number> {
  let sent = 0;
  for (const link of await findLinksNeedingReminder(deps.db, now)) {
    if (!(await markReminderSent(deps.db, link.id, now))) continue;
    try {
      const fresh = await deps.db.transaction(async (tx) => {
        const issued = await issueSecureLink(tx, {
          orgId: link.orgId,
          contactId: link.contactId,
          conversationId: link.conversationId,
          messageIds: link.messageIds,
          publicUrl: deps.publicUrl,
        });
        await markReminderSent(tx, issued.id, now);
        return issued;
      });
      await planOutbound(
        deps,
        {
          orgId: link.orgId,
          contactId: link.contactId,
          conversationId: link.conversationId,
          initiator: 'automated',
          content: {
            template: 'secure-message-notice',
            variables: { clinicName: deps.clinic.name, link: maskedLinkUrl(deps.publicUrl) },
          },
          // Its token is made when the reminder is handed to the provider, as for the first notice.
          secureLinkId: fresh.id,
          requestId: `secure-link-reminder:${link.id}`,
        },
        { dryRun: false },
      );
      sent += 1;
    } catch (err) {
      logger.warn({ err, linkId: link.id }, 'secure message reminder not sent');
    }
  }
  return sent;
}
