import { parseBody, TemplateSyntaxError } from './template-syntax';

test.each<[string, Array<{ name: string; formatter?: string }>]>([
  ['plain text', []],
  ['Hi {{name}}', [{ name: 'name' }]],
  ['{{a}} and {{b}} and {{a}}', [{ name: 'a' }, { name: 'b' }, { name: 'a' }]],
  ['on {{datetime when}}', [{ name: 'when', formatter: 'datetime' }]],
  ['on {{date day}}', [{ name: 'day', formatter: 'date' }]],
  ['{{! a comment for the editor }}Hi', []],
  ['{{ spaced }}', [{ name: 'spaced' }]],
])('%p uses %j', (source, expected) => {
  expect(
    parseBody(source).uses.map(({ name, formatter }) => (formatter ? { name, formatter } : { name })),
  ).toEqual(expected);
});

test.each([
  '{{{raw}}}',
  '{{& raw}}',
  '{{#if x}}y{{/if}}',
  '{{#each xs}}{{this}}{{/each}}',
  '{{> partial}}',
  '{{this}}',
  '{{./name}}',
  '{{../name}}',
  '{{@root.name}}',
  '{{a.b}}',
  '{{[odd name]}}',
  '{{lookup a "b"}}',
  '{{date}}',
  '{{date a b}}',
  '{{date "2025-01-01"}}',
  '{{date a format="short"}}',
  '{{name',
])('%p is rejected', (source) => {
  expect(() => parseBody(source)).toThrow(TemplateSyntaxError);
});
