import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { CompiledBody } from './template-compiler';
import { TemplateError, TemplateLoadError } from './template-errors';
import { type LoadedTemplate, type LocaleBodies, loadTemplateFolder } from './template-loader';
import type { RenderedTemplate, RenderRequest, TemplateCatalog, TemplateDefinition } from './template-types';
import { buildRenderContext } from './template-variables';

/** The repo's `templates/` folder, whether running from src/templates (tsx, jest) or dist/src/templates (compiled). */
export function defaultTemplatesDir(): string {
  const candidates = [
    path.resolve(__dirname, '../../templates'),
    path.resolve(__dirname, '../../../templates'),
  ];
  return candidates.find((dir) => existsSync(dir)) ?? candidates[0]!;
}

/**
 * Loads every template folder under `dir` (one folder per template id), validating and compiling all
 * bodies up front; throws TemplateLoadError naming the first bad file.
 */
export function loadTemplateCatalog(dir: string = defaultTemplatesDir()): TemplateCatalog {
  let folders: string[];
  try {
    folders = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    throw new TemplateLoadError(dir, `cannot read templates directory: ${(error as Error).message}`);
  }
  if (folders.length === 0) throw new TemplateLoadError(dir, 'no template folders found');
  const templates = new Map<string, LoadedTemplate>();
  for (const folder of folders) {
    const loaded = loadTemplateFolder(path.join(dir, folder));
    templates.set(loaded.definition.id, loaded);
  }
  return new LoadedTemplateCatalog(templates);
}

class LoadedTemplateCatalog implements TemplateCatalog {
  constructor(private readonly templates: ReadonlyMap<string, LoadedTemplate>) {}

  list(): TemplateDefinition[] {
    return [...this.templates.values()].map((t) => t.definition);
  }

  get(id: string): TemplateDefinition | undefined {
    return this.templates.get(id)?.definition;
  }

  render(id: string, request: RenderRequest): RenderedTemplate {
    const template = this.templates.get(id);
    if (!template) throw new TemplateError('template_not_found', `no template "${id}"`, { templateId: id });
    const { definition } = template;
    if (!definition.channels.includes(request.channel)) {
      throw new TemplateError(
        'template_channel_missing',
        `template "${id}" has no ${request.channel} version (it has ${definition.channels.join(', ')})`,
        { templateId: id, channel: request.channel, channels: definition.channels },
      );
    }
    const bodies = pickLocale(template, request);
    const context = buildRenderContext(definition.variables, request.variables, {
      templateId: id,
      locale: bodies.locale,
      timeZone: request.timeZone ?? 'UTC',
    });
    const fields = bodies.channels.get(request.channel)!;
    // Trimmed because an optional variable left out at either end would leave a dangling space.
    const run = (body: CompiledBody): string => body(context).trim();
    const rendered: RenderedTemplate = {
      templateId: id,
      locale: bodies.locale,
      channel: request.channel,
      purpose: definition.purpose,
      sensitivity: definition.sensitivity,
      text: run(fields.text!),
    };
    if (fields.subject) rendered.subject = run(fields.subject);
    if (fields.html) rendered.html = run(fields.html);
    if (fields.title) rendered.title = run(fields.title);
    return rendered;
  }
}

/** The requested locale, its language (`es-MX` -> `es`), then the fallback and its language, then `en`. */
function pickLocale(template: LoadedTemplate, request: RenderRequest): LocaleBodies {
  const wanted = [request.locale, request.fallbackLocale ?? 'en', 'en'];
  for (const locale of wanted) {
    if (!locale) continue;
    const exact = template.locales.get(locale.toLowerCase());
    if (exact) return exact;
    const language = template.locales.get(locale.split('-')[0]!.toLowerCase());
    if (language) return language;
  }
  // Loading guarantees an `en` body.
  return template.locales.get('en')!;
}
