export type Language = 'en' | 'es' | 'unknown';

// Short function words that SMS replies keep even when everything else is abbreviated.
const ENGLISH = new Set(
  'i you my me the a an is are am to and of for in on it this that have has need can cant dont do will be with my at my please thanks thank yes not what when how why just get got want there here today tomorrow appointment pay bill your we our was been would could should'.split(
    ' ',
  ),
);
const SPANISH = new Set(
  'yo tu mi me el la los las un una es son estoy esta de del y para por en con que se lo le necesito puedo quiero tengo gracias hola si cita mañana manana hoy pagar cuenta porque como cuando donde mas muy su sus nos favor ya tambien pero hay medicina receta'.split(
    ' ',
  ),
);

/** Guesses English vs Spanish from function words; a context hint breaks ties. */
export function detectLanguage(tokens: readonly string[], hint?: string): Language {
  let en = 0;
  let es = 0;
  let latinWords = 0;
  for (const token of tokens) {
    if (/^[a-z]+$/.test(token)) latinWords++;
    if (ENGLISH.has(token)) en++;
    if (SPANISH.has(token)) es++;
  }
  const hinted = hint?.toLowerCase().slice(0, 2);
  if (en > es) return 'en';
  if (es > en) return 'es';
  if (hinted === 'en' || hinted === 'es') return latinWords > 0 ? hinted : 'unknown';
  return 'unknown';
}
