export const SENSITIVITIES = ['public', 'limited', 'phi'] as const;
export const PURPOSES = ['care', 'administrative', 'marketing'] as const;
/**
 * The wordings a template may have: the template file format's own (a locale file has a field for
 * each, and email's and the secure page's have parts the others do not), not the list of channels.
 * A channel takes one of them (ChannelAdapter.templateBody), the plain-text one unless it says.
 */
export const TEMPLATE_CHANNELS = ['sms', 'email', 'voice', 'securelink', 'webchat'] as const;
export const VARIABLE_TYPES = ['string', 'date', 'datetime', 'number', 'url'] as const;

/** How much a message reveals: `phi` may only travel on a channel allowed to carry protected health information. */
export type Sensitivity = (typeof SENSITIVITIES)[number];
export type Purpose = (typeof PURPOSES)[number];
export type TemplateChannel = (typeof TEMPLATE_CHANNELS)[number];
/** The wording for a channel that declares none: SMS's, plain text with no markup or parts. */
export const PLAIN_TEXT_BODY: TemplateChannel = 'sms';
export type VariableType = (typeof VARIABLE_TYPES)[number];

export interface VariableDefinition {
  type: VariableType;
  required: boolean;
  description?: string;
}

export interface TemplateDefinition {
  id: string;
  title: string;
  /** Sent by the hub itself, never picked by staff (template.yaml `system: true`). */
  system: boolean;
  purpose: Purpose;
  sensitivity: Sensitivity;
  variables: Record<string, VariableDefinition>;
  channels: TemplateChannel[];
  /** Locales that have a body file, sorted; always includes `en`. */
  locales: string[];
}

export interface RenderRequest {
  channel: TemplateChannel;
  locale?: string;
  /** The clinic's default locale, tried when `locale` has no body; `en` is tried last. Default `en`. */
  fallbackLocale?: string;
  variables: Record<string, unknown>;
  /** IANA zone that `date` and `datetime` variables are shown in. Default `UTC`. */
  timeZone?: string;
}

export interface RenderedTemplate {
  templateId: string;
  /** The locale whose body was used, after fallback. */
  locale: string;
  channel: TemplateChannel;
  purpose: Purpose;
  sensitivity: Sensitivity;
  /** The message text: SMS/voice/webchat text, the email's plain-text part, or the secure page's body (plain text: the page escapes it when it shows it). */
  text: string;
  subject?: string;
  html?: string;
  title?: string;
}

export interface TemplateCatalog {
  list(): TemplateDefinition[];
  get(id: string): TemplateDefinition | undefined;
  render(id: string, request: RenderRequest): RenderedTemplate;
}
