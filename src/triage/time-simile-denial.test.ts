import { loadConceptCatalog } from './concept-catalog';
import { createTriage, defaultIntentsDir } from './index';
import { phraseWords } from './phrase-index';
import { WordKeys } from './word-keys';

// General readings of how patients say time, likeness and denial, in English and Spanish (issue 12).
// Sentences written for these tests, not taken from any fixture.
const triage = createTriage({});
const classify = (text: string) => triage.classifyLocal(text);

describe('time gone by while the state goes on is no resolution: "ya pasó media hora"', () => {
  test.each([
    'Mi abuelo se desmayó y no responde, ya pasaron 15 minutos',
    'mi esposa está convulsionando, ya pasó media hora',
    'se cayó de la escalera y no se mueve, ya pasó media hora',
  ])('%s is an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });

  test('an episode that did pass is still over', () => {
    const result = classify('tuvo una convulsión en la mañana, ya pasó y está jugando');
    expect(result.intent).not.toBe('emergency');
  });
});

describe('a simile says how a symptom feels, it is no hypothesis: "como si", "as if"', () => {
  test.each([
    'me duele el pecho como si tuviera un elefante encima, empezó de repente',
    'Es como si me apretaran el pecho y me falta el aire',
    'Me dio un dolor en la espalda como si me arrancaran algo, de repente',
  ])('%s is an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });

  test.each(['como se si es un infarto o solo gastritis', 'como se si alguien esta teniendo un derrame'])(
    '%s asks how to tell (a phrase spelled word for word outranks one matched over a filler)',
    (text) => {
      expect(classify(text).intent).not.toBe('emergency');
    },
  );
});

describe('a comparison told in the past: "felt like a heart attack"', () => {
  test.each([
    'I had a panic attack last night that felt like a heart attack, how do I stop them?',
    'my anxiety attack on Sunday felt like a heart attack, the urgent care said I was fine. can I get therapy?',
    'the heartburn felt like a heart attack yesterday, what antacid is best?',
  ])('%s is no emergency', (text) => {
    const result = classify(text);
    expect(result.intent).not.toBe('emergency');
    expect(result.reasons.join(' ')).toContain('felt like a');
  });
});

describe('someone who says they are fine while the signs are there denies them', () => {
  test.each([
    "he's slurring his words and can't lift his arm but he says he's fine",
    "my mom's face is drooping and she can't lift her arm but she says she's fine",
    'grandpa is confused and talking gibberish but he says hes fine',
  ])('%s is an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });
});

describe('the Spanish "son" (they are) is no English "son": a general question names no one', () => {
  test.each([
    '¿Qué son las convulsiones febriles?',
    '¿Cuándo son peligrosas las convulsiones?',
    '¿Por qué son tan comunes los infartos en hombres?',
  ])('%s is a question, not an emergency', (text) => {
    const result = classify(text);
    expect(result.intent).toBe('clinical_question');
    expect(result.reasons.join(' ')).not.toContain('red flag:');
  });

  test('an English son is still someone', () => {
    expect(classify('is my son having a seizure? he is shaking and wont answer').intent).toBe('emergency');
  });
});

describe('the Spanish "bien" before a word is "very": "respira bien rápido"', () => {
  test.each([
    'mi bebé respira bien rápido y no quiere comer',
    'la niña respira bien rápido y está bien dormida',
    'mi nieto de 2 meses respira bien rapido desde la tarde',
  ])('%s is an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });
});

describe('cold exposure with a danger sign is hypothermia, in both languages', () => {
  test.each([
    'Mi abuela se quedó sin calefacción toda la noche, está helada y muy somnolienta',
    "found my neighbor outside all night, he's very cold and confused",
    'mi papá estuvo afuera toda la noche, está frío y desorientado',
  ])('%s is an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });
});

describe('a Spanish tearing pain said through its verbs', () => {
  test.each([
    'siento como si me rasgaran la espalda, empezó de golpe',
    'un dolor en el pecho como si me arrancaran algo, de repente',
    'es como si me rompieran la espalda por dentro, empezó de golpe',
  ])('%s is an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });
});

describe('a term that stems like an everyday Spanish verb form reads that verb', () => {
  test.each([
    'queremos saber si podemos tomar la medicina con comida',
    'queremos tomar las pastillas en la noche, se puede?',
  ])('%s is a question about a medicine, not a poisoning', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe('no one-word Spanish concept term stems like an everyday verb form', () => {
  // Snowball cuts "querosen" to "quer", the stem of "queremos"; "pus" is the stem of "puso" ("se puso
  // rojo", it turned red). Such a term reads a verb of every other Spanish message.
  const everyday = [
    'queremos',
    'podemos',
    'tenemos',
    'sabemos',
    'vamos',
    'puso',
    'pusieron',
    'dijo',
    'dijeron',
    'llevamos',
    'pasamos',
    'llegamos',
    'salimos',
  ];
  test('none does', () => {
    const catalog = loadConceptCatalog(defaultIntentsDir());
    const keys = new WordKeys();
    const verbKeys = new Map(everyday.map((w) => [keys.key(w, 'es'), w]));
    const groups = [...catalog.categories.map((c) => c.terms), catalog.sharedTerms].flatMap((t) =>
      Object.entries(t),
    );
    const clashes: string[] = [];
    for (const [name, group] of groups) {
      for (const term of group.es) {
        const words = phraseWords(term);
        const verb = words.length === 1 ? verbKeys.get(keys.key(words[0]!, 'es')) : undefined;
        if (verb !== undefined) clashes.push(`${name}: "${term}" stems like "${verb}"`);
      }
    }
    expect(clashes).toEqual([]);
  });
});
