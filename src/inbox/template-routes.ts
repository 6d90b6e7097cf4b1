import { Router } from 'express';
import type { Sendable, TemplateListResponse } from '../../contracts/inbox-api';
import type { TemplateCatalog } from '../templates';

/** `GET /templates`: the catalog as the inbox's template picker needs it (no bodies: they render on send). */
export function templateRouter(templates: TemplateCatalog): Router {
  const router = Router();
  router.get('/templates', (_req, res) => {
    res.json({
      templates: templates.list().map((t) => ({
        id: t.id,
        title: t.title,
        purpose: t.purpose,
        sensitivity: t.sensitivity,
        channels: t.channels,
        locales: t.locales,
        variables: Object.entries(t.variables).map(([name, v]) => ({
          name,
          type: v.type,
          required: v.required,
          description: v.description ?? null,
        })),
      })),
    } satisfies Sendable<TemplateListResponse>);
  });
  return router;
}
