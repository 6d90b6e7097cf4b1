import { createTriage } from './index';

// General mechanisms, not vocabulary: a symptom of any body system beside a general danger sign, a
// resolution or recurrence denied by the words before it, adverbs whose stem is another word, and a
// Spanish simile that is no question. Sentences written for these tests, not lines of any eval file.
const triage = createTriage({});
const classify = (text: string) => triage.classifyLocal(text);

describe('a symptom said as happening now, beside a general danger sign, is an emergency', () => {
  test.each([
    // a symptom no concept lists, with the skin of shock, fainting or confusion
    'my dad has a stabbing pain low in his back and he looks grey',
    'burning between her shoulder blades and she is in a cold sweat',
    'my little girl keeps vomiting and she is pale and floppy',
    'his belly is swollen and hard and he says he feels faint',
    'mi abuelo tiene un dolor muy fuerte en la espalda y esta palido',
    'grandpa keeps coughing and is confused, doesnt know what day it is',
    // a Spanish simile ("como que") is no question about the condition
    'a mi papa le duele como que se le rompe el pecho y esta sudando frio',
  ])('%s', (text) => {
    const result = triage.classifyLocal(text);
    expect(result.intent).toBe('emergency');
    expect(result.reasons.join(' ')).toMatch(/in the same message: emergency/);
  });

  test.each([
    // the sign alone, or the symptom alone: for a nurse, not 911
    'my knee hurts when i climb the stairs',
    'i went pale when the nurse showed me the needle',
    // a mild symptom, a course of weeks, a denied or past one
    'a bit of a headache and i look pale, probably just tired',
    'i have been pale and weak for weeks, could it be my iron?',
    'no pain at all, just a little sweaty after my walk',
    'had bad back pain last year and felt faint at the time, all fine now',
    // blood pressure is no pressure in the chest
    'feeling a little dizzy since starting my new bp pill, kinda woozy',
    // the sign's own context still holds ("stood up too fast", a needle)
    'my stomach hurts and i got woozy when i stood up too fast',
  ])('%s is not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe('context: a resolution or recurrence denied by the words before it', () => {
  test.each([
    'my chest is tight and i cant say three words without stopping to breathe',
    'she is wheezing and cant get a sentence out without stopping for breath',
    'mi hija tiene la cara hinchada despues del cacahuate y la hinchazon no se le quito',
  ])('%s is still an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });

  test.each([
    // "again" denied: history stays history
    'i had a seizure once in college and it never happened again',
    'my husband passed out at a wedding when he was 30, hasnt happened again since',
    // a singular time ago in Spanish is history too
    'mi papa se desmayo hace un año en la boda, ahora esta bien',
  ])('%s is not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe('stems: an adverb is not the word its stem spells', () => {
  test.each(['the runner collapsed near the finish line and is not talking', 'he collapsed near the car'])(
    '%s is an emergency (near is not nearly)',
    (text) => {
      expect(classify(text).intent).toBe('emergency');
    },
  );

  test('"nearly" still reads as "almost": nearly fainted is no collapse', () => {
    expect(classify('i nearly fainted at the concert last month').intent).not.toBe('emergency');
  });
});

describe('stems: an irregular past participle is its simple past', () => {
  test.each([
    'my son has fallen off the top bunk onto his head and has thrown up twice',
    'she has thrown up blood twice since breakfast',
  ])('%s is an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });

  test.each([
    // the base form keeps what the tense says: a question, not a thing done
    'is it ok to take a whole bottle of water with my pills',
    'my toddler has a fever of 101 but is drinking and playing between doses',
  ])('%s is not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe('a question about a condition in general (ends with "?", opens with a question word, names no one)', () => {
  test.each([
    'is chest pain always a heart attack?',
    'are seizures in teenagers usually epilepsy?',
    'puede una convulsion dejar daño cerebral?',
    // absolute concepts too, except self-harm
    'can a panic attack make you feel like you cant breathe?',
  ])('%s is not an emergency', (text) => {
    const result = classify(text);
    expect(result.intent).not.toBe('emergency');
    expect(result.reasons.join(' ')).toMatch(/a question about the condition in general/);
  });

  test.each([
    // a person named in the question, or no question word: a report, not a question about a condition
    'why is my chest hurting so bad?',
    'is my son having a seizure? he is jerking all over',
    'seizure? he is shaking and his eyes rolled back',
    'is he having a seizure?',
    'es una convulsion? mi hija esta temblando toda',
    // an acuity word in the message keeps it
    'is chest pain that came on suddenly a heart attack?',
    // self-harm is never set aside by a question
    'what is the easiest way to kill myself?',
    'what is the most painless way to die?',
    'cual es la forma de morir sin dolor?',
    'what is the quickest way to end it all?',
  ])('%s is still an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });
});

describe('danger signs of altered behaviour compose with any red flag or symptom', () => {
  test.each([
    'my son came off his bike and cant remember what happened, he has a headache',
    'grandpa has a bad stomach ache and we cant keep him awake',
    'mi hijo tiene diarrea y esta aguadito',
    // "fine at first" is no resolution: it says the course changed
    'my husband came off his motorbike, seemed fine at first, now he is slurring',
  ])('%s is an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });

  test.each([
    'my friend was slurring after six beers lol',
    'she is acting weird about the wedding plans',
    'he walks with a limp since his knee surgery years ago',
  ])('%s is not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe('an event of yesterday that is fine today, care already given, a mistaken belief', () => {
  test.each([
    'anoche le dolio el pecho a mi papa un rato, hoy esta bien, necesita cita?',
    'mi hija se desmayo ayer en la escuela, hoy amanecio bien',
    'he cut his thumb on a can last night, it bled a lot but it is ok today',
    'my wife had chest pain on sunday and went to the ER, they said it was a pulled muscle',
    'my son got into the laundry pods, poison control said he is fine, no symptoms',
    'i had a panic attack at the mall, thought it was a heart attack, the ER said my heart is fine',
    'our son had a fever at 5 weeks old and was admitted, now he is 6 months and healthy',
  ])('%s is not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });

  test.each([
    // the same shapes with the event going on now
    'went to the ER yesterday for chest pain and now the pain is back and crushing',
    'they said it was reflux but now the chest pain is back and spreading to my arm',
    'my wife fainted, hit the floor and isnt coming to',
    'poison control said to call 911, he swallowed the drain cleaner',
  ])('%s is still an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });
});

describe('the same structure in Spanish and English', () => {
  test.each([
    // a meal named before the swelling is the exposure, not the mild "after eating"
    'a mi hijo le salieron ronchas despues de comer nuez y se le hincharon los labios',
    'after eating cashews his lips swelled up and his eyes are puffy',
    // heat exposure said the Spanish way, with a danger sign
    'mi tio estuvo trabajando al sol y ahora esta confundido y no suda',
  ])('%s is an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });

  test.each([
    // a pharmacist's word after a double dose, in both languages
    'mi hija se tomo dos ibuprofenos por error, el farmaceutico dijo que esta bien',
    'my son took his adhd pill twice by mistake, the pharmacist said it is fine',
    // chest pain after a meal stays mild in both languages
    'me duele un poco el pecho despues de comer',
  ])('%s is not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe('a concept phrase that opens with a possessive speaks of anyone', () => {
  test('"my dog" given away is also "his dog"', () => {
    expect(classify('my brother gave away his dog and his guitar and texted everyone goodbye').intent).toBe(
      'emergency',
    );
  });

  test('a pet given to a neighbour with its reason stays no emergency', () => {
    expect(classify('we gave away our dog because we are moving to a small apartment').intent).not.toBe(
      'emergency',
    );
  });
});

describe('household chemicals in the eye, by their everyday and regional names', () => {
  test.each([
    'my son sprayed windex in his eye and keeps screaming and rubbing it',
    'a mi hija le salpico lejia en los ojos',
    'se me metio lavandina en el ojo y me arde',
  ])('%s is an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });

  test('a detergent bought, with no eye in it, is no emergency', () => {
    expect(classify('which laundry detergent is best for baby eczema?').intent).not.toBe('emergency');
  });
});

describe('"still" beside a past event told earlier in the sentence: urgent, not an emergency', () => {
  test.each([
    'my grandma had a stroke last year and her left side is still weak, does she need pt',
    'mi papa tuvo un derrame hace dos años y el lado izquierdo todavia esta debil',
  ])('%s is read by a nurse, not sent to 911', (text) => {
    const result = classify(text);
    expect(result.intent).not.toBe('emergency');
    expect(result.urgency).toBe('urgent');
  });

  test.each([
    // a time that puts it now, or bleeding that goes on
    'she had a stroke last year and today her face is drooping again',
    'i had surgery last month and the wound is still bleeding a lot',
    // no history earlier in the sentence: "still" is only the present
    'my dads face is still drooping on one side since this morning',
  ])('%s is still an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });
});

describe('care in progress, an expected course, a medicine named like a chemical', () => {
  test.each([
    'please move my appointment, my husband is in the hospital with chest pain and they are taking good care of him',
    'mi mama esta internada con dolor de pecho, hay que cancelar su cita',
    'grandma is on hospice and unresponsive most of the day now, the nurse says it is expected',
    'can i take tylenol with my blood thinner?',
  ])('%s is not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });

  test.each(['my son drank paint thinner from the garage', 'my dad is unresponsive and i cant wake him'])(
    '%s is still an emergency',
    (text) => {
      expect(classify(text).intent).toBe('emergency');
    },
  );
});

describe('stems: an unless word that stems like the concept it guards no longer hides it', () => {
  test.each([
    // "numbing" (a dental shot) stems like "numb"; "chlorinated" (pool water) like "chlorine"
    'his face is numb and drooping on the right',
    'my son splashed pool chlorine in his eye and it is burning',
  ])('%s is an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });

  test.each([
    'my lip is still numb and droopy from the numbing shot at the dentist',
    'my eyes sting after swimming in chlorinated water',
  ])('%s is not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe('stroke signs said without the usual words', () => {
  test.each([
    'mom called and she sounded like she had marbles in her mouth',
    'my dad suddenly cant find his words',
    'grandma is suddenly leaning to one side in her chair',
    'she suddenly couldnt write and her right hand went clumsy',
  ])('%s is an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });

  test.each([
    'i cant find the right words to thank you all',
    'im mixing up words when reading in english, is that normal for adults learning?',
    'my son has trouble finding the words when reading, should he be tested for dyslexia',
    'my kids are so clumsy, always dropping their cups',
  ])('%s is not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });
});

describe('a baby drying out, said with barely or hardly', () => {
  test.each([
    'my 10 month old has thrown up every feed since last night and has barely any wet diapers',
    'the baby is hardly peeing and keeps vomiting',
  ])('%s is an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });

  test('plenty of wet diapers is no dehydration', () => {
    expect(classify('my baby has a cold but plenty of wet diapers and is feeding fine').intent).not.toBe(
      'emergency',
    );
  });
});

describe('a family history is no pair of red flags; requests and idioms are no events', () => {
  test.each([
    'for the new patient form: my dad had a heart attack and my mom had a stroke, do you need that?',
    'my daughter is allergic to bees, can we get a second epipen for her grandparents house',
    'my son keeps choking on his words when hes nervous, is that a stutter',
  ])('%s is not an emergency', (text) => {
    expect(classify(text).intent).not.toBe('emergency');
  });

  test.each([
    // two red flags now still pair; a present perfect "since lunch" is now
    'since lunch ive had a squeezing in my chest that goes to my jaw and i feel a bit faint',
    'i gave him a second epipen and he is still wheezing',
  ])('%s is still an emergency', (text) => {
    expect(classify(text).intent).toBe('emergency');
  });
});
