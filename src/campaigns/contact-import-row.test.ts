import { validateImportRow } from './contact-import-row';

const options = { defaultRegion: 'US', today: '2026-12-06' };

describe('validateImportRow', () => {
  test.each([
    ['a bad phone number', { externalId: 'P1', phone: '12' }, 'phone', 'invalid_phone'],
    ['a bad email', { externalId: 'P1', email: 'no-at-sign' }, 'email', 'invalid_email'],
    [
      'an impossible date',
      { externalId: 'P1', dateOfBirth: '1960-02-30' },
      'dateOfBirth',
      'invalid_date_of_birth',
    ],
    [
      'a date in the future',
      { externalId: 'P1', dateOfBirth: '2030-01-01' },
      'dateOfBirth',
      'invalid_date_of_birth',
    ],
    [
      'a US-style date',
      { externalId: 'P1', dateOfBirth: '02/03/1960' },
      'dateOfBirth',
      'invalid_date_of_birth',
    ],
    ['an unknown time zone', { externalId: 'P1', timeZone: 'Mars/Olympus' }, 'timeZone', 'invalid_time_zone'],
    [
      'a language that is not a code',
      { externalId: 'P1', language: 'English!' },
      'language',
      'invalid_language',
    ],
    ['no identifier at all', { name: 'Ana' }, null, 'no_identity'],
    [
      'an attribute column name that is not a name',
      { externalId: 'P1', '1st visit': 'x' },
      '1st visit',
      'invalid_column',
    ],
    ['a cell over 500 characters', { externalId: 'P1', name: 'x'.repeat(501) }, 'name', 'cell_too_long'],
  ])('rejects %s', (_what, record, column, code) => {
    const result = validateImportRow(record, options);
    expect(result).toEqual({ ok: false, problem: expect.objectContaining({ column, code }) });
  });

  test('never puts the cell value in the problem message', () => {
    const result = validateImportRow({ externalId: 'P1', phone: '555-SECRET' }, options);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem.message).not.toContain('SECRET');
  });

  test('normalizes what it keeps and leaves out what the row does not give', () => {
    const result = validateImportRow(
      {
        name: ' Ana Ruiz ',
        phone: '(415) 555-0142',
        email: 'Ana@Example.ORG',
        dateOfBirth: '1950-04-01',
        language: 'ES_mx',
        timeZone: 'America/Chicago',
        externalId: 'MRN-1',
        tags: 'flu-2026; senior;;flu-2026',
        insurer: 'Acme',
        dateOfLastVisit: '',
      },
      options,
    );
    expect(result).toEqual({
      ok: true,
      contact: {
        name: 'Ana Ruiz',
        phone: '+14155550142',
        email: 'ana@example.org',
        dateOfBirth: '1950-04-01',
        language: 'es-MX',
        timeZone: 'America/Chicago',
        externalId: 'MRN-1',
        tags: ['flu-2026', 'senior'],
        attributes: { insurer: 'Acme' },
      },
    });
  });

  test('an empty cell is not a change', () => {
    const result = validateImportRow({ externalId: 'MRN-1', name: '', language: 'en', tags: '' }, options);
    expect(result).toEqual({ ok: true, contact: { externalId: 'MRN-1', language: 'en', attributes: {} } });
  });
});
