/**
 * English and Spanish function words (articles, pronouns, auxiliaries, prepositions, conjunctions) and
 * light verbs ("have", "get", "tiene", "hace") in their accent-free normalized forms. They say nothing
 * about a topic: a guess that rests on them alone ("my ... and i dont know", "mi ... un ... hace") is
 * not evidence that a message is clinical.
 */
export const FUNCTION_WORDS: ReadonlySet<string> = new Set(
  [
    'a an the and or but of to in on at for with from by about into over after before up down out off',
    'is am are was were be been being im ive id ill its isnt arent wasnt dont doesnt didnt cant wont',
    'i me my mine we us our you your u ur he him his she her it they them their this that these those',
    'do does did doing have has had having get gets got getting keep keeps kept make makes made go goes',
    'know think want wanna gonna going just so if as than then there here what which who whom whose',
    'when where why how can could would should will shall may might must not no yes ok okay also too',
    'really very still again some any all much many more most lot lots thing things something anything',
    'y o u e ni el la los las lo un una unos unas de del al a en con sin por para que se le les me te',
    'nos mi mis tu tus su sus es son fue era ser estar esta estas estoy este esto eso esa ese como pero',
    'mas muy ya yo tu el ella ellos usted ustedes si no hay tiene tengo tienen hace hago hacer puede',
    'puedo pueden cuando donde porque cual quien algo nada todo todos otra otro bien mal asi aqui alla',
  ]
    .join(' ')
    .split(' '),
);
