import { and, eq } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import type { Queryable } from '../platform/db/database';
import { type ChatAppearanceSettings, queues } from '../platform/db/schema';
import type { ClinicSettings } from './clinic-settings';
import type { OrganizationRow } from './organization';

// How the patient web chat (/chat and its widget) looks: the clinic's name, an optional logo, its
// colour and a greeting, and how soon the clinic usually answers. Admins edit it through
// PATCH /api/v1/settings; the page reads it from GET /chat/appearance.json (public: nothing in it
// is about a patient).

export const CHAT_GREETING_MAX = 300;
/** The queue a web chat conversation waits in until triage routes it: its SLA is the promise shown. */
const REPLY_TIME_QUEUE = 'front-desk';

export interface ChatAppearance {
  /** An https address (or a path on this hub); null: no logo. */
  logoUrl: string | null;
  /** `#rrggbb`; null: the page's own blue. */
  color: string | null;
  greeting: string | null;
  /**
   * Ask a new visitor their name (given to their contact) and what it is about (their first
   * message, triaged like any other) before they write. Off by default.
   */
  preChatForm: boolean;
}

export function chatAppearance(stored: ChatAppearanceSettings | null | undefined): ChatAppearance {
  return {
    logoUrl: stored?.logoUrl ?? null,
    color: stored?.color ?? null,
    greeting: stored?.greeting ?? null,
    preChatForm: stored?.preChatForm ?? false,
  };
}

/** An empty string clears a field (back to the plain page), like null. */
const cleared = (text: string) => (text === '' ? null : text);

/** The change an admin may send; a field left out keeps its value. */
export const chatAppearanceBody = z
  .object({
    logoUrl: z
      .string()
      .trim()
      .max(500)
      .refine(
        (url) => url === '' || /^\/[^/\\]/.test(url) || isHttpsUrl(url),
        'must be an https:// address or a path on this hub such as /logo.png',
      )
      .transform(cleared)
      .nullable()
      .optional(),
    color: z
      .string()
      .trim()
      .regex(/^(#[0-9a-fA-F]{6})?$/, 'must be a colour such as #1f5fa8')
      .transform((color) => cleared(color.toLowerCase()))
      .nullable()
      .optional(),
    greeting: z
      .string()
      .trim()
      .max(CHAT_GREETING_MAX, `must be at most ${CHAT_GREETING_MAX} characters`)
      .transform(cleared)
      .nullable()
      .optional(),
    preChatForm: z.boolean().optional(),
  })
  .strict();

function isHttpsUrl(text: string): boolean {
  try {
    return new URL(text).protocol === 'https:';
  } catch {
    return false;
  }
}

/** The stored settings with a change applied. */
export function mergedChatAppearance(
  org: Readonly<OrganizationRow>,
  change: z.infer<typeof chatAppearanceBody>,
): ChatAppearance {
  const now = chatAppearance(org.chatAppearance);
  return {
    logoUrl: change.logoUrl !== undefined ? change.logoUrl : now.logoUrl,
    color: change.color !== undefined ? change.color : now.color,
    greeting: change.greeting !== undefined ? change.greeting : now.greeting,
    preChatForm: change.preChatForm ?? now.preChatForm,
  };
}

/** The origin the chat page's CSP must allow images from for the logo, or null (none, or same-origin). */
export function logoOrigin(org: Readonly<OrganizationRow>): string | null {
  const url = chatAppearance(org.chatAppearance).logoUrl;
  return url && isHttpsUrl(url) ? new URL(url).origin : null;
}

/**
 * Black or white, whichever reads better on `color` (WCAG relative luminance): the header text
 * stays legible whatever colour the clinic picks.
 */
export function textColorOn(color: string): '#000000' | '#ffffff' {
  const channel = (offset: number) => {
    const value = Number.parseInt(color.slice(offset, offset + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  // Contrast with white is 1.05/(L+0.05), with black (L+0.05)/0.05: white wins below L≈0.179.
  return luminance > 0.179 ? '#000000' : '#ffffff';
}

/** `GET /chat/appearance.json`: what the chat page shows about the clinic. */
export function chatAppearanceRouter(db: Queryable, settings: ClinicSettings): Router {
  const router = Router();
  router.get('/chat/appearance.json', async (_req, res) => {
    const org = settings.current;
    const look = chatAppearance(org.chatAppearance);
    const [queue] = await db
      .select({ slaMinutes: queues.slaMinutes })
      .from(queues)
      .where(and(eq(queues.orgId, org.id), eq(queues.id, REPLY_TIME_QUEUE)));
    res.set({
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      // The widget on the clinic's own site reads it too; nothing in it is private, and no cookie is sent.
      'Access-Control-Allow-Origin': '*',
    });
    res.json({
      clinicName: org.name,
      logoUrl: look.logoUrl,
      color: look.color,
      textColor: look.color ? textColorOn(look.color) : null,
      greeting: look.greeting,
      preChatForm: look.preChatForm,
      replyWithinMinutes: queue?.slaMinutes ?? null,
    });
  });
  return router;
}
