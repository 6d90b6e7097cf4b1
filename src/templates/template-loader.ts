import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';
import { type CompiledBody, compileBody } from './template-compiler';
import { TemplateLoadError } from './template-errors';
import {
  describeIssues,
  LOCALE_PATTERN,
  type LocaleFile,
  localeFileSchema,
  type TemplateFile,
  templateFileSchema,
} from './template-schema';
import { parseBody, TemplateSyntaxError, type VariableUse } from './template-syntax';
import type { TemplateChannel, TemplateDefinition, VariableDefinition } from './template-types';
import { buildRenderContext } from './template-variables';

export type BodyField = 'text' | 'subject' | 'html' | 'title';
export type ChannelBody = Partial<Record<BodyField, CompiledBody>>;

export interface LocaleBodies {
  locale: string;
  file: string;
  channels: Map<TemplateChannel, ChannelBody>;
}

export interface LoadedTemplate {
  definition: TemplateDefinition;
  /** Keyed by the lower-cased locale. */
  locales: Map<string, LocaleBodies>;
}

interface FieldSpec {
  /** Where the source sits in the locale file, as shown in errors. */
  label: string;
  field: BodyField;
  html: boolean;
  source: (file: LocaleFile) => string | undefined;
}

// Which fields each channel has, and which are rendered into an HTML page (and so HTML-escaped).
const CHANNEL_FIELDS: Record<TemplateChannel, FieldSpec[]> = {
  sms: [{ label: 'sms', field: 'text', html: false, source: (f) => f.sms }],
  voice: [{ label: 'voice', field: 'text', html: false, source: (f) => f.voice }],
  webchat: [{ label: 'webchat', field: 'text', html: false, source: (f) => f.webchat }],
  email: [
    { label: 'email.subject', field: 'subject', html: false, source: (f) => f.email?.subject },
    { label: 'email.text', field: 'text', html: false, source: (f) => f.email?.text },
    { label: 'email.html', field: 'html', html: true, source: (f) => f.email?.html },
  ],
  securelink: [
    { label: 'securelink.title', field: 'title', html: false, source: (f) => f.securelink?.title },
    { label: 'securelink.body', field: 'text', html: false, source: (f) => f.securelink?.body },
  ],
};

const TEMPLATE_FILE = 'template.yaml';

// A lone CANCEL, END, QUIT... from a patient unsubscribes them at the carrier, so an SMS must never
// ask for one as a reply ("Reply 2 to cancel", not "Reply CANCEL"). STOP, START and HELP are meant.
const CARRIER_OPT_OUT_WORDS = 'CANCEL|END|QUIT|STOPALL|UNSUBSCRIBE|REVOKE|OPTOUT';
const SHOUTED_OPT_OUT_WORD = new RegExp(`\\b(${CARRIER_OPT_OUT_WORDS})\\b`);
const REPLY_WITH_OPT_OUT_WORD = new RegExp(
  `\\breply\\s+(?:with\\s+)?["'“]?(${CARRIER_OPT_OUT_WORDS})\\b`,
  'i',
);

const SAMPLE_VALUES: Record<VariableDefinition['type'], unknown> = {
  string: 'sample',
  number: 1,
  url: 'https://example.org/',
  date: '2000-01-01',
  datetime: '2000-01-01T00:00:00Z',
};

/** Reads, validates and compiles one template folder; throws TemplateLoadError naming the bad file. */
export function loadTemplateFolder(folder: string): LoadedTemplate {
  const templatePath = path.join(folder, TEMPLATE_FILE);
  if (!existsSync(templatePath)) {
    throw new TemplateLoadError(templatePath, 'missing; every template folder needs a template.yaml');
  }
  const template = readYaml(templatePath, templateFileSchema);
  const folderName = path.basename(folder);
  if (template.id !== folderName) {
    throw new TemplateLoadError(
      templatePath,
      `id "${template.id}" must match its folder name "${folderName}"`,
    );
  }

  const localeFiles = listLocaleFiles(folder);
  if (!localeFiles.some(({ locale }) => locale === 'en')) {
    throw new TemplateLoadError(
      path.join(folder, 'en.yaml'),
      'missing; every template needs an English (en) body',
    );
  }

  const used = new Set<string>();
  const locales = new Map<string, LocaleBodies>();
  for (const { locale, file } of localeFiles) {
    const channels = loadLocaleFile(file, template, (use) => used.add(use.name));
    locales.set(locale.toLowerCase(), { locale, file, channels });
  }

  const unused = Object.keys(template.variables).filter((name) => !used.has(name));
  if (unused.length > 0) {
    throw new TemplateLoadError(
      templatePath,
      `variable(s) ${unused.join(', ')} declared but used in no body`,
    );
  }

  const definition: TemplateDefinition = {
    id: template.id,
    title: template.title,
    system: template.system,
    purpose: template.purpose,
    sensitivity: template.sensitivity,
    variables: template.variables,
    channels: template.channels,
    locales: localeFiles.map(({ locale }) => locale),
  };
  const loaded = { definition: deepFreeze(definition), locales };
  renderSamples(loaded);
  return loaded;
}

function readYaml<T extends z.ZodType>(file: string, schema: T): z.output<T> {
  let data: unknown;
  try {
    data = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new TemplateLoadError(file, `invalid YAML: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new TemplateLoadError(file, describeIssues(parsed.error));
  return parsed.data;
}

function listLocaleFiles(folder: string): Array<{ locale: string; file: string }> {
  const seen = new Map<string, string>();
  const result: Array<{ locale: string; file: string }> = [];
  const names = readdirSync(folder)
    .filter((name) => /\.ya?ml$/.test(name) && name !== TEMPLATE_FILE)
    .sort();
  for (const name of names) {
    const file = path.join(folder, name);
    const locale = name.replace(/\.ya?ml$/, '');
    if (!LOCALE_PATTERN.test(locale) || !isLocaleTag(locale)) {
      throw new TemplateLoadError(
        file,
        `"${locale}" is not a locale; body files are named like en.yaml or es-MX.yaml`,
      );
    }
    const previous = seen.get(locale.toLowerCase());
    if (previous) throw new TemplateLoadError(file, `locale "${locale}" is already defined in ${previous}`);
    seen.set(locale.toLowerCase(), name);
    result.push({ locale, file });
  }
  return result;
}

function isLocaleTag(locale: string): boolean {
  try {
    return Intl.getCanonicalLocales(locale).length === 1;
  } catch {
    return false;
  }
}

function loadLocaleFile(
  file: string,
  template: TemplateFile,
  onUse: (use: VariableUse) => void,
): Map<TemplateChannel, ChannelBody> {
  const bodies = readYaml(file, localeFileSchema);
  const claimed = new Set<string>(template.channels);
  for (const channel of Object.keys(bodies)) {
    if (!claimed.has(channel)) {
      throw new TemplateLoadError(
        file,
        `has a ${channel} body, but template.yaml does not claim the ${channel} channel`,
      );
    }
  }
  const channels = new Map<TemplateChannel, ChannelBody>();
  for (const channel of template.channels) {
    const compiled: ChannelBody = {};
    for (const spec of CHANNEL_FIELDS[channel]) {
      const source = spec.source(bodies);
      if (source === undefined) {
        throw new TemplateLoadError(file, `missing the ${spec.label} body for claimed channel ${channel}`);
      }
      try {
        const { program, uses } = parseBody(source);
        for (const use of uses) {
          checkUse(use, template.variables);
          onUse(use);
        }
        // Wording-specific on purpose: the SMS wording is the one a carrier reads STOP/HELP in.
        if (channel === 'sms') checkCarrierKeywords(source);
        compiled[spec.field] = compileBody(program, { html: spec.html });
      } catch (error) {
        if (error instanceof TemplateSyntaxError)
          throw new TemplateLoadError(file, `${spec.label}: ${error.message}`);
        throw error;
      }
    }
    channels.set(channel, compiled);
  }
  return channels;
}

function checkUse(use: VariableUse, variables: Record<string, VariableDefinition>): void {
  const declared = variables[use.name];
  const where = `line ${use.line}`;
  if (!declared) {
    throw new TemplateSyntaxError(
      `${where}: uses undeclared variable "${use.name}"; declare it in template.yaml`,
    );
  }
  const isDate = declared.type === 'date' || declared.type === 'datetime';
  if (isDate && !use.formatter) {
    throw new TemplateSyntaxError(
      `${where}: ${declared.type} variable "${use.name}" must be written {{date ${use.name}}} or {{datetime ${use.name}}}`,
    );
  }
  if (use.formatter && !isDate) {
    throw new TemplateSyntaxError(
      `${where}: {{${use.formatter}}} needs a date variable, "${use.name}" is ${declared.type}`,
    );
  }
  if (use.formatter === 'datetime' && declared.type === 'date') {
    throw new TemplateSyntaxError(
      `${where}: "${use.name}" is a date without a time; use {{date ${use.name}}}`,
    );
  }
}

function checkCarrierKeywords(source: string): void {
  const match = REPLY_WITH_OPT_OUT_WORD.exec(source) ?? SHOUTED_OPT_OUT_WORD.exec(source);
  if (match) {
    const keyword = (match[1] ?? match[0]).toUpperCase();
    throw new TemplateSyntaxError(
      `"${match[0]}": a lone ${keyword} reply is a carrier opt-out keyword; ask for another reply, e.g. "Reply 2 to cancel"`,
    );
  }
}

// Renders every body once with sample values: proves each one renders, and makes Handlebars
// generate its code now rather than on the first real message.
function renderSamples(template: LoadedTemplate): void {
  const samples = Object.fromEntries(
    Object.entries(template.definition.variables).map(([name, v]) => [name, SAMPLE_VALUES[v.type]]),
  );
  for (const { locale, file, channels } of template.locales.values()) {
    const context = buildRenderContext(template.definition.variables, samples, {
      templateId: template.definition.id,
      locale,
      timeZone: 'UTC',
    });
    for (const [channel, fields] of channels) {
      for (const [field, render] of Object.entries(fields)) {
        try {
          render(context);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          throw new TemplateLoadError(file, `${channel} ${field}: cannot render: ${reason}`);
        }
      }
    }
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
