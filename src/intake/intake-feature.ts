import type { Logger } from 'pino';
import type { InboundSink } from '../channel-port';
import type { ChannelRegistry } from '../channel-port/channel-registry';
import type { OrganizationRow } from '../clinic/organization';
import { createContactVerification } from '../contacts/contact-verification';
import { textChannelOf } from '../outbound/chat-text-handoff';
import type { OutboundServiceDeps } from '../outbound/outbound-service';
import { verificationCodeSender } from '../outbound/verification-code';
import type { HubConfig } from '../platform/config/config';
import type { Database } from '../platform/db/database';
import { requestTexts } from '../texthandoff/text-request';
import type { TriageQueue } from '../triage/triage-worker';
import { createInboundService } from './inbound-service';
import { createPatientSessionSink } from './patient-session-sink';

/**
 * What the channels are given to hand the hub what arrives: `inbound` for webhooks and listeners,
 * and `live`, the same with patient sessions (web chat history, receipts, verification by one-time
 * code) for channels that keep a socket open.
 */
export async function startIntake(context: {
  db: Database;
  org: OrganizationRow;
  channels: ChannelRegistry;
  logger: Logger;
  config: HubConfig;
  outbound: OutboundServiceDeps;
  triageQueue: Pick<TriageQueue, 'add'>;
  secrets: { ensure(name: string): Promise<string> };
  /** Tells staff looking at the conversation that the patient is typing. */
  notifyStaffTyping(conversationId: string): void;
}): Promise<{ inbound: InboundSink; live: InboundSink }> {
  const { db, org, logger, outbound } = context;
  const inbound = createInboundService({
    db,
    org,
    channels: context.channels,
    logger,
    outbound,
    triageQueue: context.triageQueue,
    campaignReplyWindowDays: context.config.CAMPAIGN_REPLY_WINDOW_DAYS,
  });
  const verification = createContactVerification({
    db,
    orgId: org.id,
    secret: await context.secrets.ensure('identity-verification-codes'),
    lifetime: outbound.verifiedSessionLifetime,
    defaultRegion: context.config.DEFAULT_REGION,
    logger,
    codeChannelFor: (kind) =>
      context.channels.carrying('verification').find((adapter) => adapter.identityKind === kind)?.channel,
    sendCode: verificationCodeSender(outbound, org),
  });
  const sessions = createPatientSessionSink({
    db,
    orgId: org.id,
    verification,
    notifyStaffTyping: context.notifyStaffTyping,
  });
  const texts = {
    db,
    orgId: org.id,
    defaultRegion: context.config.DEFAULT_REGION,
    textChannel: textChannelOf(context.channels),
    logger,
  };
  sessions.requestTexts = (identity, input, meta) => requestTexts(texts, identity, input, meta);
  return { inbound, live: { ...inbound, sessions } };
}
