import Handlebars from 'handlebars';

export const FORMATTERS = ['date', 'datetime'] as const;
export type Formatter = (typeof FORMATTERS)[number];

/** One `{{name}}` or `{{formatter name}}` in a body. */
export interface VariableUse {
  name: string;
  formatter?: Formatter;
  line: number;
}

export interface ParsedBody {
  program: hbs.AST.Program;
  uses: VariableUse[];
}

/** A body that uses Handlebars beyond plain variables and the date formatters. */
export class TemplateSyntaxError extends Error {}

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;

const isFormatter = (name: string): name is Formatter => (FORMATTERS as readonly string[]).includes(name);

/**
 * Parses a body and lists the variables it uses. Only `{{name}}`, `{{date name}}`, `{{datetime name}}`
 * and comments are allowed: no blocks, partials, paths, literals or triple-stash, so a body is data a
 * clinic can edit without being able to run logic or bypass HTML escaping.
 */
export function parseBody(source: string): ParsedBody {
  let program: hbs.AST.Program;
  try {
    program = Handlebars.parse(source);
  } catch (error) {
    throw new TemplateSyntaxError(`invalid template syntax: ${(error as Error).message.split('\n')[0]}`);
  }
  const uses: VariableUse[] = [];
  for (const statement of program.body) {
    const line = statement.loc?.start.line ?? 1;
    switch (statement.type) {
      case 'ContentStatement':
      case 'CommentStatement':
        break;
      case 'MustacheStatement':
        uses.push(readMustache(statement as hbs.AST.MustacheStatement, line));
        break;
      default:
        throw new TemplateSyntaxError(
          `line ${line}: ${statement.type.replace('Statement', '').toLowerCase()} expressions are not allowed; use {{variable}} only`,
        );
    }
  }
  return { program, uses };
}

function readMustache(node: hbs.AST.MustacheStatement, line: number): VariableUse {
  const where = `line ${line}`;
  if (!node.escaped) {
    throw new TemplateSyntaxError(
      `${where}: unescaped output ({{{ }}} or {{& }}) is not allowed; use {{variable}}`,
    );
  }
  if (node.hash && node.hash.pairs.length > 0) {
    throw new TemplateSyntaxError(`${where}: hash arguments (name=value) are not allowed`);
  }
  const head = simpleName(node.path, where);
  if (node.params.length === 0) {
    if (isFormatter(head))
      throw new TemplateSyntaxError(`${where}: {{${head}}} needs a variable, e.g. {{${head} x}}`);
    return { name: head, line };
  }
  if (!isFormatter(head)) {
    throw new TemplateSyntaxError(`${where}: unknown helper "${head}"; only date and datetime are available`);
  }
  if (node.params.length !== 1) {
    throw new TemplateSyntaxError(`${where}: {{${head}}} takes exactly one variable`);
  }
  return { name: simpleName(node.params[0]!, where), formatter: head, line };
}

function simpleName(node: hbs.AST.Node, where: string): string {
  if (node.type !== 'PathExpression') {
    throw new TemplateSyntaxError(`${where}: literal values are not allowed inside {{ }}`);
  }
  const path = node as hbs.AST.PathExpression;
  const name = path.parts[0];
  if (
    path.data ||
    path.depth > 0 ||
    path.parts.length !== 1 ||
    path.original !== name ||
    !IDENTIFIER.test(name ?? '')
  ) {
    throw new TemplateSyntaxError(`${where}: "${path.original}" is not a plain variable name`);
  }
  return name!;
}
