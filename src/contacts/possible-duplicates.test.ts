import { comparableName, emailMailbox, sameMailbox } from './possible-duplicates';

test.each([
  ['ana@example.org', 'ana@example.org', true],
  ['ana+clinic@example.org', 'ana@example.org', true],
  ['Ana+x@Example.org', 'ana+y@example.org', true],
  ['ana@example.org', 'ana@example.com', false],
  ['ana.lopez@example.org', 'analopez@example.org', false],
  ['+tag@example.org', 'tag@example.org', false],
  ['not-an-address', 'not-an-address', false],
])('sameMailbox(%s, %s) is %s', (a, b, expected) => {
  expect(sameMailbox(a, b)).toBe(expected);
});

test.each([
  ['ana.lopez+clinic@Example.org', { local: 'ana.lopez', domain: 'example.org' }],
  ['@example.org', null],
  ['ana@', null],
])('emailMailbox(%s)', (address, expected) => {
  expect(emailMailbox(address)).toEqual(expected);
});

test.each([
  ['María García', 'maria garcia'],
  ['  GARCIA,  Maria ', 'garcia maria'],
  ["O'Brien-Smith", 'o brien smith'],
])('comparableName(%s) is %s', (name, expected) => {
  expect(comparableName(name)).toBe(expected);
});
