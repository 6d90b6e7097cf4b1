export { defaultTemplatesDir, loadTemplateCatalog } from './template-catalog';
export { TemplateError, type TemplateErrorCode, TemplateLoadError } from './template-errors';
export type {
  Purpose,
  RenderedTemplate,
  RenderRequest,
  Sensitivity,
  TemplateCatalog,
  TemplateChannel,
  TemplateDefinition,
  VariableDefinition,
  VariableType,
} from './template-types';
export {
  PLAIN_TEXT_BODY,
  PURPOSES,
  SENSITIVITIES,
  TEMPLATE_CHANNELS,
  VARIABLE_TYPES,
} from './template-types';
