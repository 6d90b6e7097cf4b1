import { searchTerms } from './search-terms';

test.each([
  { text: 'insulin', tsQuery: 'insulin:*', like: '%insulin%', phone: null },
  { text: '  Insul  PEN ', tsQuery: 'insul:* & pen:*', like: '%Insul  PEN%', phone: null },
  { text: 'receta médica', tsQuery: 'receta:* & médica:*', like: '%receta médica%', phone: null },
  { text: '(415) 555-01', tsQuery: '415:* & 555:* & 01:*', like: '%(415) 555-01%', phone: '%41555501%' },
  { text: '+1 415', tsQuery: '1:* & 415:*', like: '%+1 415%', phone: '%1415%' },
  { text: '100%_off', tsQuery: '100:* & off:*', like: '%100\\%\\_off%', phone: null },
  { text: "':* | !x & (", tsQuery: 'x:*', like: "%':* | !x & (%", phone: null },
  { text: '&&&', tsQuery: null, like: '%&&&%', phone: null },
])('$text', ({ text, tsQuery, like, phone }) => {
  expect(searchTerms(text)).toEqual({ tsQuery, likePattern: like, phonePattern: phone });
});
