export type TemplateErrorCode =
  | 'template_not_found'
  | 'template_variable_missing'
  | 'template_variable_invalid'
  | 'template_channel_missing';

/** A render request the catalog cannot satisfy. Messages and details never include variable values (they may be PHI). */
export class TemplateError extends Error {
  constructor(
    readonly code: TemplateErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** A template file that is not valid; the message starts with the offending file's path. */
export class TemplateLoadError extends Error {
  readonly code = 'template_load_invalid';
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'TemplateLoadError';
  }
}
