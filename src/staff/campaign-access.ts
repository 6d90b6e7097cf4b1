import type { StaffRole } from '../platform/db/schema';

/** Who creates, starts and follows campaigns: admins and managers; agents never see them. */
export const CAMPAIGN_ROLES = ['admin', 'manager'] as const satisfies readonly StaffRole[];

export const canSeeCampaigns = (staff: { role: StaffRole }) =>
  (CAMPAIGN_ROLES as readonly StaffRole[]).includes(staff.role);

/** The `/inbox` socket room of one clinic's campaign staff: campaign progress goes there only. */
export const campaignRoom = (orgId: string) => `campaigns:${orgId}`;

/** The socket event a campaign's progress travels as: `GET /campaigns/:id`'s answer, figures only. */
export const CAMPAIGN_PROGRESS_EVENT = 'campaign.progress';
