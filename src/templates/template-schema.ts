import { z } from 'zod';
import { PURPOSES, SENSITIVITIES, TEMPLATE_CHANNELS, VARIABLE_TYPES } from './template-types';

export const TEMPLATE_ID_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** `en`, `es`, `es-MX`, `zh-Hant`: a BCP 47 language tag, as a body file is named. */
export const LOCALE_PATTERN = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
// The formatter helpers' names cannot also be variables: `{{date}}` would be ambiguous.
const RESERVED_VARIABLE_NAMES = new Set(['date', 'datetime']);

const variableSchema = z.strictObject({
  type: z.enum(VARIABLE_TYPES),
  required: z.boolean().default(true),
  description: z.string().optional(),
});

const variableName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'variable names are letters, digits and _, starting with a letter')
  .refine((name) => !RESERVED_VARIABLE_NAMES.has(name), 'date and datetime are formatter names');

/** `template.yaml`: what a template is for and what it needs. */
export const templateFileSchema = z.strictObject({
  id: z.string().regex(TEMPLATE_ID_PATTERN, 'id must be kebab-case'),
  title: z.string().trim().min(1),
  /** Sent by the hub itself (a safety reply, a STOP confirmation): the inbox's template picker hides it. */
  system: z.boolean().default(false),
  purpose: z.enum(PURPOSES),
  sensitivity: z.enum(SENSITIVITIES),
  variables: z.record(variableName, variableSchema).default({}),
  channels: z
    .array(z.enum(TEMPLATE_CHANNELS))
    .min(1)
    .refine((list) => new Set(list).size === list.length, 'channels must not repeat'),
});
export type TemplateFile = z.infer<typeof templateFileSchema>;

// Surrounding whitespace (e.g. the newline a YAML `|` block leaves) is never part of a message.
const body = z.string().trim().min(1);

/** `<locale>.yaml`: one body per channel. */
export const localeFileSchema = z.strictObject({
  sms: body.optional(),
  voice: body.optional(),
  webchat: body.optional(),
  email: z.strictObject({ subject: body, text: body, html: body }).optional(),
  securelink: z.strictObject({ title: body, body }).optional(),
});
export type LocaleFile = z.infer<typeof localeFileSchema>;

/** One line naming each problem zod found, with its path in the file. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}
