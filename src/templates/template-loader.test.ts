import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadTemplateCatalog } from './template-catalog';
import { TemplateLoadError } from './template-errors';

const VALID: Record<string, string> = {
  'template.yaml': `
id: visit-note
title: Visit note
purpose: care
sensitivity: phi
variables:
  clinicName: { type: string }
  visitDate: { type: date }
  link: { type: url, required: false }
channels: [sms, email, securelink]
`,
  'en.yaml': `
sms: "{{clinicName}}: notes from your visit on {{date visitDate}}. {{link}}"
email:
  subject: "Your visit on {{date visitDate}}"
  text: "Notes from {{clinicName}}."
  html: "<p>Notes from {{clinicName}}.</p>"
securelink:
  title: "Visit on {{date visitDate}}"
  body: "Notes from {{clinicName}}."
`,
  'es.yaml': `
sms: "{{clinicName}}: notas de su visita del {{date visitDate}}."
email:
  subject: "Su visita del {{date visitDate}}"
  text: "Notas de {{clinicName}}."
  html: "<p>Notas de {{clinicName}}.</p>"
securelink:
  title: "Visita del {{date visitDate}}"
  body: "Notas de {{clinicName}}."
`,
};

let root: string;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'careline-templates-'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Writes the valid fixture as `templates/<folder>/`, with some files replaced (string) or removed (null). */
function writeTemplate(changes: Record<string, string | null> = {}, folder = 'visit-note'): void {
  writeFolder(folder, { ...VALID, ...changes });
}

function writeFolder(folder: string, files: Record<string, string | null>): void {
  const dir = path.join(root, folder);
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    if (content !== null) writeFileSync(path.join(dir, name), content);
  }
}

const POINTS_TEMPLATE =
  'id: points\ntitle: Points\npurpose: marketing\nsensitivity: public\nvariables:\n  points: { type: number }\nchannels: [sms]\n';

const replaceIn = (file: string, from: string, to: string): Record<string, string> => {
  const original = VALID[file]!;
  if (!original.includes(from)) throw new Error(`fixture ${file} has no "${from}"`);
  return { [file]: original.replace(from, to) };
};

describe('loadTemplateCatalog with a valid folder', () => {
  test('loads the definition with defaults applied', () => {
    writeTemplate();
    const catalog = loadTemplateCatalog(root);
    expect(catalog.get('visit-note')).toEqual({
      id: 'visit-note',
      title: 'Visit note',
      system: false,
      purpose: 'care',
      sensitivity: 'phi',
      variables: {
        clinicName: { type: 'string', required: true },
        visitDate: { type: 'date', required: true },
        link: { type: 'url', required: false },
      },
      channels: ['sms', 'email', 'securelink'],
      locales: ['en', 'es'],
    });
  });

  test('an optional variable left out renders as nothing', () => {
    writeTemplate();
    const rendered = loadTemplateCatalog(root).render('visit-note', {
      channel: 'sms',
      variables: { clinicName: 'Clinic', visitDate: '2025-03-14' },
    });
    expect(rendered.text).toBe('Clinic: notes from your visit on Fri, Mar 14, 2025.');
  });

  test.each<[string, unknown, string]>([
    ['en', 1234.5, 'You have 1,234.5 points.'],
    ['es', 12345.5, 'Tiene 12.345,5 puntos.'],
  ])('a number variable is formatted for the %s locale', (locale, points, expected) => {
    writeFolder('points', {
      'template.yaml': POINTS_TEMPLATE,
      'en.yaml': 'sms: "You have {{points}} points."\n',
      'es.yaml': 'sms: "Tiene {{points}} puntos."\n',
    });
    expect(
      loadTemplateCatalog(root).render('points', { channel: 'sms', locale, variables: { points } }).text,
    ).toBe(expected);
  });

  test.each(['12', Number.NaN, Number.POSITIVE_INFINITY])('a number variable rejects %p', (points) => {
    writeFolder('points', {
      'template.yaml': POINTS_TEMPLATE,
      'en.yaml': 'sms: "You have {{points}} points."\n',
    });
    expect(() =>
      loadTemplateCatalog(root).render('points', { channel: 'sms', variables: { points } }),
    ).toThrow(expect.objectContaining({ code: 'template_variable_invalid' }));
  });

  test('ignores files beside the template folders', () => {
    writeTemplate();
    writeFileSync(path.join(root, 'README.md'), '# templates');
    expect(
      loadTemplateCatalog(root)
        .list()
        .map((t) => t.id),
    ).toEqual(['visit-note']);
  });
});

describe('loadTemplateCatalog rejects a bad template, naming the file', () => {
  test.each<[string, Record<string, string | null>, string, RegExp]>([
    [
      'an undeclared variable',
      replaceIn('es.yaml', '{{clinicName}}: notas', '{{clinicNombre}}: notas'),
      'es.yaml',
      /sms: line 1: uses undeclared variable "clinicNombre"/,
    ],
    [
      'an undeclared variable in an email html body',
      replaceIn('en.yaml', '<p>Notes from {{clinicName}}', '<p>Notes from {{doctor}}'),
      'en.yaml',
      /email\.html: .*undeclared variable "doctor"/,
    ],
    [
      'a missing body for a claimed channel',
      replaceIn(
        'es.yaml',
        'securelink:\n  title: "Visita del {{date visitDate}}"\n  body: "Notas de {{clinicName}}."\n',
        '',
      ),
      'es.yaml',
      /missing the securelink\.title body for claimed channel securelink/,
    ],
    [
      'a missing field of a claimed email body',
      replaceIn('en.yaml', '  html: "<p>Notes from {{clinicName}}.</p>"\n', ''),
      'en.yaml',
      /email\.html/,
    ],
    [
      'a bad purpose',
      replaceIn('template.yaml', 'purpose: care', 'purpose: sales'),
      'template.yaml',
      /purpose/,
    ],
    [
      'a bad sensitivity',
      replaceIn('template.yaml', 'sensitivity: phi', 'sensitivity: secret'),
      'template.yaml',
      /sensitivity/,
    ],
    [
      'an unknown variable type',
      replaceIn('template.yaml', 'visitDate: { type: date }', 'visitDate: { type: timestamp }'),
      'template.yaml',
      /variables\.visitDate\.type/,
    ],
    [
      'an unknown channel',
      replaceIn('template.yaml', '[sms, email, securelink]', '[sms, email, securelink, fax]'),
      'template.yaml',
      /channels/,
    ],
    [
      'a misspelled key',
      replaceIn('template.yaml', 'sensitivity: phi', 'sensitivity: phi\nsensitivty: public'),
      'template.yaml',
      /sensitivty/,
    ],
    ['no English body', { 'en.yaml': null }, 'en.yaml', /English/],
    ['no template.yaml', { 'template.yaml': null }, 'template.yaml', /missing/],
    [
      'an id that is not its folder name',
      replaceIn('template.yaml', 'id: visit-note', 'id: visit-notes'),
      'template.yaml',
      /folder name/,
    ],
    [
      'a body for a channel the template does not claim',
      replaceIn('en.yaml', 'sms:', 'voice: "Hello"\nsms:'),
      'en.yaml',
      /voice body.*does not claim/,
    ],
    [
      'a declared variable no body uses',
      replaceIn(
        'template.yaml',
        'link: { type: url, required: false }',
        'link: { type: url, required: false }\n  extra: { type: string }',
      ),
      'template.yaml',
      /extra declared but used in no body/,
    ],
    [
      'a date variable printed without a formatter',
      replaceIn('en.yaml', '{{date visitDate}}.', '{{visitDate}}.'),
      'en.yaml',
      /\{\{date visitDate\}\}/,
    ],
    [
      'a date formatter on a string',
      replaceIn('en.yaml', 'notes from', '{{date clinicName}} notes from'),
      'en.yaml',
      /needs a date variable/,
    ],
    [
      'a datetime formatter on a date without time',
      replaceIn('en.yaml', '{{date visitDate}}.', '{{datetime visitDate}}.'),
      'en.yaml',
      /without a time/,
    ],
    [
      'unescaped output that would bypass HTML escaping',
      replaceIn('en.yaml', '<p>Notes from {{clinicName}}', '<p>Notes from {{{clinicName}}}'),
      'en.yaml',
      /unescaped output/,
    ],
    [
      'a block helper',
      replaceIn('en.yaml', '{{link}}"', '{{#if link}}{{link}}{{/if}}"'),
      'en.yaml',
      /block expressions are not allowed/,
    ],
    [
      'a partial',
      replaceIn('en.yaml', '{{link}}"', '{{> footer}}"'),
      'en.yaml',
      /partial expressions are not allowed/,
    ],
    [
      'an unknown helper',
      replaceIn('en.yaml', '{{link}}"', '{{uppercase clinicName}}"'),
      'en.yaml',
      /unknown helper "uppercase"/,
    ],
    [
      'a nested path',
      replaceIn('en.yaml', '{{link}}"', '{{patient.name}}"'),
      'en.yaml',
      /not a plain variable/,
    ],
    [
      'a Handlebars syntax error',
      replaceIn('en.yaml', '{{link}}"', '{{link"'),
      'en.yaml',
      /invalid template syntax/,
    ],
    [
      'an SMS asking for a carrier opt-out keyword',
      replaceIn('en.yaml', '{{link}}"', 'Reply CANCEL to cancel."'),
      'en.yaml',
      /carrier opt-out keyword/,
    ],
    [
      'an SMS asking for a lower-case opt-out keyword',
      replaceIn('en.yaml', '{{link}}"', 'Reply cancel to cancel."'),
      'en.yaml',
      /a lone CANCEL reply/,
    ],
    ['invalid YAML', { 'es.yaml': 'sms: "unterminated' }, 'es.yaml', /invalid YAML/],
    ['a body file that is not a locale', { 'en_US.yaml': VALID['en.yaml']! }, 'en_US.yaml', /not a locale/],
    [
      'an empty body',
      replaceIn('es.yaml', 'title: "Visita del {{date visitDate}}"', 'title: "  "'),
      'es.yaml',
      /title/,
    ],
  ])('%s', (_name, changes, file, message) => {
    writeTemplate(changes);
    const error = catchError(() => loadTemplateCatalog(root));
    expect(error).toBeInstanceOf(TemplateLoadError);
    const expectedFile = path.join(root, 'visit-note', file);
    expect((error as TemplateLoadError).file).toBe(expectedFile);
    expect((error as TemplateLoadError).message).toContain(expectedFile);
    expect((error as TemplateLoadError).message).toMatch(message);
  });

  test('a folder name that is not kebab-case', () => {
    writeTemplate(replaceIn('template.yaml', 'id: visit-note', 'id: Visit_Note'), 'Visit_Note');
    const error = catchError(() => loadTemplateCatalog(root)) as TemplateLoadError;
    expect(error.message).toContain(path.join(root, 'Visit_Note', 'template.yaml'));
    expect(error.message).toMatch(/kebab-case/);
  });

  test('an empty or missing directory', () => {
    expect(() => loadTemplateCatalog(root)).toThrow(TemplateLoadError);
    expect(() => loadTemplateCatalog(path.join(root, 'absent'))).toThrow(/absent/);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
