import { Router } from 'express';
import type { Sendable, TemplateListResponse } from '../../contracts/inbox-api';
import type { TemplateCatalog } from './index';

/** "appointmentTime" -> "Appointment time": a variable named in words for the picker. */
export function variableLabel(name: string): string {
  const words = name
    .replace(/_/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The clinic's own values the picker fills in: read through, so a settings change shows at once. */
export interface ClinicValues {
  readonly name: string;
  readonly crisisLine: string;
}

/**
 * `GET /templates`: the catalog as the inbox's template picker needs it (no bodies: the composer's
 * policy preview renders them). Each variable comes with its name in words and, for the ones the
 * clinic already knows (its name, its crisis line), that value; `system` marks the templates the
 * hub sends itself, which the picker hides.
 */
export function templateRouter(templates: TemplateCatalog, clinic: ClinicValues): Router {
  const router = Router();
  router.get('/templates', (_req, res) => {
    const known: Record<string, string> = { clinicName: clinic.name, crisisLine: clinic.crisisLine };
    res.json({
      templates: templates.list().map((t) => ({
        id: t.id,
        title: t.title,
        system: t.system,
        purpose: t.purpose,
        sensitivity: t.sensitivity,
        channels: t.channels,
        locales: t.locales,
        variables: Object.entries(t.variables).map(([name, v]) => ({
          name,
          label: variableLabel(name),
          type: v.type,
          required: v.required,
          description: v.description ?? null,
          value: known[name] ?? null,
        })),
      })),
    } satisfies Sendable<TemplateListResponse>);
  });
  return router;
}
