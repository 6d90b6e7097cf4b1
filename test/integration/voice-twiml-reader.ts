/** One element of a TwiML document. */
export interface TwimlElement {
  name: string;
  attributes: Record<string, string>;
  children: TwimlElement[];
  /** The element's own text, entities decoded. */
  text: string;
}

const decode = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

/**
 * A small, strict reader for the TwiML the hub returns (elements, attributes, text; no comments or
 * CDATA): enough to assert on verbs and attributes, and it throws on anything not well formed.
 */
export function readTwiml(xml: string): TwimlElement {
  const body = xml.replace(/^<\?xml[^>]*\?>/, '').trim();
  const root: TwimlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: TwimlElement[] = [root];
  const token = /<(\/?)([A-Za-z][\w-]*)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>|([^<]+)/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  for (;;) {
    match = token.exec(body);
    if (!match) break;
    consumed = token.lastIndex;
    const [, closing, name, attrs, selfClosing, text] = match;
    const top = stack[stack.length - 1]!;
    if (text !== undefined) {
      if (text.trim()) top.text += decode(text);
      continue;
    }
    if (closing) {
      if (top.name !== name) throw new Error(`</${name}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const element: TwimlElement = { name: name!, attributes: {}, children: [], text: '' };
    for (const [, key, value] of attrs!.matchAll(/([\w:-]+)="([^"]*)"/g))
      element.attributes[key!] = decode(value!);
    top.children.push(element);
    if (!selfClosing) stack.push(element);
  }
  if (consumed !== body.length)
    throw new Error(`not well-formed TwiML at ${consumed}: ${body.slice(consumed, consumed + 40)}`);
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  const [response, ...rest] = root.children;
  if (!response || rest.length > 0 || response.name !== 'Response')
    throw new Error('TwiML must be one <Response>');
  return response;
}

/** Every element named `name` under `element`, depth first. */
export function findAll(element: TwimlElement, name: string): TwimlElement[] {
  return element.children.flatMap((child) => [
    ...(child.name === name ? [child] : []),
    ...findAll(child, name),
  ]);
}

/** The one element named `name` under `element`; throws when there is none or several. */
export function findOne(element: TwimlElement, name: string): TwimlElement {
  const all = findAll(element, name);
  if (all.length !== 1) throw new Error(`expected one <${name}>, found ${all.length}`);
  return all[0]!;
}

/** The names of the direct children, e.g. ['Gather', 'Redirect']. */
export const verbs = (element: TwimlElement): string[] => element.children.map((c) => c.name);
