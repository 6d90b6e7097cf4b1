import { stripQuotedText } from './quote-stripping';

describe('stripQuotedText', () => {
  test.each([
    ['plain text is kept', 'Can I come at 3pm?', 'Can I come at 3pm?'],
    [
      'Gmail (English) attribution and quote',
      'Yes, 3pm works.\n\nOn Mon, Jun 2, 2025 at 9:14 AM Riverside Clinic <no-reply@clinic.org> wrote:\n> Your appointment is tomorrow.\n',
      'Yes, 3pm works.',
    ],
    [
      'Gmail (Spanish) attribution',
      'Sí, a las 3 me viene bien.\n\nEl lun, 2 jun 2025 a las 9:14, Clínica Riverside (<no-reply@clinic.org>) escribió:\n> Su cita es mañana.',
      'Sí, a las 3 me viene bien.',
    ],
    [
      'Apple Mail (Spanish) attribution',
      'Gracias\n\nEl 2 jun 2025, a las 9:14, Clínica <no-reply@clinic.org> escribió:\n\n> Hola',
      'Gracias',
    ],
    ['signature delimiter', 'See you then\n-- \nMaria Lopez\n555-0100', 'See you then'],
    ['signature delimiter without its trailing space', 'See you then\n--\nMaria', 'See you then'],
    [
      'Outlook original-message separator',
      'Thanks!\r\n\r\n-----Original Message-----\r\nFrom: Clinic\r\nSent: Monday',
      'Thanks!',
    ],
    [
      'interleaved quoted lines are dropped',
      '> question one?\nanswer one\n> question two?\nanswer two',
      'answer one\nanswer two',
    ],
    ['CRLF line ends', 'line one\r\nline two\r\n', 'line one\nline two'],
    ['a dash inside text is not a signature', 'Pain is 3 -- maybe 4', 'Pain is 3 -- maybe 4'],
    ['only quoted text leaves nothing', '> quoted\n> more', ''],
  ])('%s', (_name, input, expected) => {
    expect(stripQuotedText(input)).toBe(expected);
  });
});
