import express, { type Router } from 'express';
import type { Logger } from 'pino';
import { appointmentRouter } from '../appointments/appointment-routes';
import type { ChannelRegistry } from '../channel-port/channel-registry';
import type { ClinicSettings } from '../clinic/clinic-settings';
import type { OrganizationRow } from '../clinic/organization';
import { settingsRouter } from '../clinic/settings-routes';
import { contactRouter } from '../contacts/contact-routes';
import { possibleDuplicateRouter } from '../contacts/possible-duplicate-routes';
import { attachmentRouter } from '../conversations/attachment-routes';
import { csatRouter } from '../csat/csat-routes';
import { cannedResponseRouter } from '../inbox/canned-response-routes';
import { channelRouter } from '../inbox/channel-routes';
import { conversationRouter } from '../inbox/conversation-routes';
import { labelRouter } from '../inbox/label-routes';
import { messageRetryRouter } from '../inbox/message-retry-routes';
import { outboundRouter } from '../inbox/outbound-routes';
import { queueRouter } from '../inbox/queue-routes';
import { sandboxRouter } from '../inbox/sandbox-routes';
import { statsRouter } from '../inbox/stats-routes';
import { triageRouter } from '../inbox/triage-routes';
import { workflowRouter } from '../inbox/workflow-routes';
import type { OutboundServiceDeps } from '../outbound/outbound-service';
import type { HubConfig } from '../platform/config/config';
import type { Database } from '../platform/db/database';
import { idempotentWrites } from '../platform/http/idempotent-writes';
import { noStore } from '../platform/http/no-store';
import { authRouter, requireStaff } from '../staff/auth-routes';
import { staffRouter } from '../staff/staff-routes';
import type { TemplateCatalog } from '../templates';
import { templateRouter } from '../templates/template-routes';
import type { TriagePool } from '../triage';

/** Writes that send or create, safe to retry with an Idempotency-Key (one middleware, one list). */
const IDEMPOTENT_WRITES = [
  '/conversations/:id/messages',
  '/conversations/:id/notes',
  '/outbound',
  '/contacts',
  '/appointments',
  '/appointments/:id/reminders',
  '/messages/:id/retry',
  '/labels',
  '/canned-responses',
];

/** What the staff API's routers need; `sockets` is reached late, once the socket server exists. */
export interface StaffApiContext {
  db: Database;
  config: HubConfig;
  logger: Logger;
  org: OrganizationRow;
  channels: ChannelRegistry;
  outbound: OutboundServiceDeps;
  templates: TemplateCatalog;
  triage: TriagePool;
  clinicSettings: ClinicSettings;
  /** Contact imports and campaigns (src/campaigns), for admins and managers. */
  campaigns: Router;
  /** An appointment was booked for a contact: a campaign's "booked" figure may move (live). */
  appointmentBooked?: (contactId: string) => void;
  csrfSecret: string;
  /** Staff sockets to close when a session ends or a staff member's access changes. */
  sockets: { disconnectSession(token: string): void; disconnectStaff(staffId: string): void };
  /** The hub's own address, known once it listens (the sandbox phone posts to it). */
  hubUrl: () => string;
}

/** `/api/v1`: login, then staff authentication, then every feature's staff routes, as a list. */
export function staffApi(context: StaffApiContext): Router {
  const { db, config, outbound } = context;
  const api = express.Router();
  api.use(noStore);
  api.use(express.json({ limit: '256kb' }));
  api.use(
    '/auth',
    authRouter({
      db,
      sessionHours: config.STAFF_SESSION_HOURS,
      csrfSecret: context.csrfSecret,
      secureCookie: config.publicUrl.startsWith('https:'),
      // A logged-out session's live sockets stop receiving events, in every hub process.
      sessionEnded: (token) => context.sockets.disconnectSession(token),
    }),
  );
  api.use(requireStaff(db, context.csrfSecret));
  api.post(IDEMPOTENT_WRITES, idempotentWrites(db, context.logger));
  // The rating question after a resolve reads the live settings (an admin may turn it on at any time).
  const csat = { outbound, clinic: context.clinicSettings.current };
  const routers = [
    conversationRouter(db, outbound),
    workflowRouter(db, csat),
    labelRouter(db, csat),
    csatRouter(db, context.clinicSettings.current),
    cannedResponseRouter(db),
    queueRouter(db),
    channelRouter(context.channels),
    // Live sockets keep the rooms they joined with: a change of access closes them.
    staffRouter(db, { accessChanged: (staffId) => context.sockets.disconnectStaff(staffId) }),
    templateRouter(context.templates, context.org),
    settingsRouter(db, context.clinicSettings),
    statsRouter(db, context.org),
    triageRouter(db, context.triage),
    contactRouter(db, config.DEFAULT_REGION, context.channels),
    possibleDuplicateRouter(db),
    attachmentRouter(db),
    outboundRouter(db, outbound, config.DEFAULT_REGION),
    messageRetryRouter(db, outbound),
    appointmentRouter(db, outbound, context.org, context.appointmentBooked),
    context.campaigns,
    sandboxRouter(context.channels, context.hubUrl, { db, defaultRegion: config.DEFAULT_REGION }),
  ];
  for (const router of routers) api.use(router);
  return api;
}
