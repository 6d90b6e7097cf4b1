import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createTriage } from './index';

// The development set (test/fixtures/triage-dev.jsonl) was written apart from the intents' examples by
// another engineer; the concepts were tuned against it, so it is a regression gate, not a measure of
// generalization (that is the held-out file and `npm run eval:triage`).
interface DevLine {
  text: string;
  intent: string;
  kind: 'emergency' | 'clinical' | 'admin' | 'offtopic';
  category?: string;
}

// The former held-out file (test/fixtures/triage-dev-b.jsonl) joined the development data once its misses
// had been read while tuning; a newer held-out file measures generalization. triage-dev-c.jsonl holds hard
// emergencies of the weakest categories (crisis goodbyes, babies, Spanish) and hard non-emergencies, written
// for tuning. All are held to the same gate.
const devFiles = ['triage-dev.jsonl', 'triage-dev-b.jsonl', 'triage-dev-c.jsonl'];

function readDevLines(file: string): DevLine[] {
  return readFileSync(path.resolve(__dirname, '../../test/fixtures', file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as DevLine);
}

const triage = createTriage({});

describe.each(devFiles)('development set %s', (file) => {
  const lines = readDevLines(file);

  test('has emergencies of every kind and non-emergencies', () => {
    expect(lines.filter((l) => l.kind === 'emergency').length).toBeGreaterThanOrEqual(100);
    expect(lines.filter((l) => l.kind === 'clinical').length).toBeGreaterThanOrEqual(100);
    expect(lines.filter((l) => l.kind === 'offtopic').length).toBeGreaterThanOrEqual(50);
  });

  test('every emergency is caught', () => {
    const missed = lines
      .filter((l) => l.kind === 'emergency')
      .filter((l) => triage.classifyLocal(l.text).intent !== 'emergency')
      .map((l) => `${l.category}: ${l.text}`);
    expect(missed).toEqual([]);
  });

  test('no clinical, admin or off-topic message is called an emergency', () => {
    const falseAlarms = lines
      .filter((l) => l.kind !== 'emergency')
      .filter((l) => triage.classifyLocal(l.text).intent === 'emergency')
      .map((l) => `${l.kind}: ${l.text}`);
    expect(falseAlarms).toEqual([]);
  });
});

// Two fresh batches written for issue 12's second round, each scored before it was tuned on (dev-d: 90.0%
// recall, 6.1% false emergencies on clinical text; dev-e, written after dev-d's tuning: 89.6% and 5.6%).
// They are too small in off-topic text for the gate above. Every emergency must be caught; the false
// alarms still open are named here, so a new one fails and a fixed one must be taken off the list.
// Most are a named event of someone else that the message places in the past or in a question across
// a clause boundary ("and", a comma), which ConText windows do not cross.
const openFalseAlarms: Record<string, string[]> = {
  // A named event told as done ("had a heart attack", "had a seizure") with no time that puts it now
  // is urgent, not an emergency (the past_event modifier): the English ones are no longer raised.
  'triage-dev-d.jsonl': [],
  'triage-dev-e.jsonl': ['a mi hijo le dio una convulsion con fiebre de chiquito, puede volver a pasar'],
  // dev-f: hard non-emergencies written after dev-e's tuning (before: 23 of 24 emergencies, 9 of 55
  // clinical lines raised). The friend who "wants to die" as a joke stays raised on purpose: a
  // self-harm statement is never dismissed as a figure of speech.
  'triage-dev-f.jsonl': [
    'do overdoses of vitamins happen, i take a lot of supplements',
    "i think my grandma gets confused because of her uti, it's been like that for a week",
    'my friend says she wants to die whenever she gets a bad grade, she means it as a joke, should i worry',
  ],
  // dev-g and dev-h: written by two engineers who never saw the rules (dev-h stresses false alarms in
  // history, negation and figurative speech). Before tuning: dev-g 174 of 195 emergencies, 4.0% false
  // emergencies on clinical text, 1.0% off-topic; dev-h 106 of 125, 5.4% and 12.4%. The knockout in a
  // boxing match stays raised: "out cold" is an absolute concept, which no figure of speech dismisses.
  'triage-dev-g.jsonl': [],
  'triage-dev-h.jsonl': ['the boxer got knocked out cold in round 2, what a fight'],
  // dev-i: a fresh batch from a writer who never saw the rules (5 lines that repeat intents' examples
  // removed). Before tuning: 179 of 200 emergencies, 1.8% false emergencies on clinical text, 1.3%
  // off-topic. A past suicide attempt told years later stays raised: "a few years back" does not reach
  // past "and", and a self-harm statement is never lowered without a clear time.
  'triage-dev-i.jsonl': [
    'a few years back i went through a really dark time and tried to take my life. im in a much better place now but my new psychiatrist wants my records',
  ],
  // dev-j: 496 lines written blind (4 that repeat intents' examples removed), then tuned on as a
  // development file. Before tuning: 162 of 200 emergencies, 1.8% false emergencies on clinical text,
  // 1.3% off-topic; the misses had words no concept knew, and the tuning added each category's general
  // forms (other tenses, lay words, Spanish) rather than the lines. The football fan who "wants to die"
  // stays raised on purpose, as in dev-f: a wish to die is never dismissed as a figure of speech.
  'triage-dev-j.jsonl': ['mi equipo perdió 5 a 0, me quiero morir jajaja'],
  // dev-k: 495 lines written blind (5 that repeat intents' examples removed), measured before anyone read
  // them: 184 of 200 emergencies, 1.2% false emergencies on clinical text, 1.3% off-topic. Tuned on as a
  // development file by each category's general forms (a crash or fall beside any red flag, a full-thickness
  // burn in lay words, an implanted defibrillator that fired, intussusception, ketones in a type 1) and by
  // modifiers (a team that "choked" in a game, how to use an epipen, spitting out clots is not spitting
  // out a swallowed thing). Its last false alarm, a chest pain said to be gone before it is named ("ya no
  // me duele el pecho, fue ayer y se me quito"), went with dev-l's round: a resolution that opens its own
  // clause ("y se me quito") now reaches the symptom before it.
  'triage-dev-k.jsonl': [],
  // dev-l: 500 lines written blind (hard non-emergencies: chronic, resolved, care already given,
  // questions; understated emergencies; off-topic hyperbole). Before tuning: 158 of 180 emergencies,
  // 4.0% false emergencies on clinical text, 5.0% off-topic; the false alarms were all fixed at their
  // cause (resolution past "and", care already given, measurements, laughter idioms).
  'triage-dev-l.jsonl': [],
};

// Emergencies of a development file not yet caught, named so that a new miss fails and a fixed one must be
// taken off. Only dev-l has any: understated or indirect descriptions (a story of symptoms with no
// concept word) that need vocabulary per category, not the lines. Eight came off with general mechanisms
// (serious-presentation.test.ts): a symptom beside a danger sign, a denied resolution ("without stopping
// for air"), "near" no longer read as "nearly", the Spanish simile "como que", slurring beside a bike
// crash "fine at first", an unless word ("chlorinated") no longer stemming like its concept's
// ("chlorine"). Every other file must
// catch every emergency.
const openMisses: Record<string, string[]> = {
  'triage-dev-l.jsonl': [
    "cardiac: My mum's had a stent before and she says this feels exactly like last time. She's used 3 of her GTN sprays and the pain still hasn't gone",
    'bleeding: my son had his tonsils out 6 days ago and he just spat out a mouthful of fresh red blood and he keeps swallowing',
    "anaphylaxis: is it normal for her tongue to look thick after trying cashew for the first time? she's 2. now her skin is blotchy and she has a weird barky cough",
    'obstetric: positive test, about 6 weeks. sudden stabbing pain low on my right side, pain in my shoulder tip and I nearly blacked out in the shower',
    "trauma_burns: my grandma slipped in the bathroom, now one leg looks shorter and turned out and she can't get up, she's in lots of pain",
    'head_injury: bumped my noggin on a cupboard door this morning, now clear watery stuff dripping out my nose and headache getting worse',
    'sepsis: the cellulitis on my leg spread way past the pen line in a few hours, now fever of 40 and I feel really weak and dizzy',
    "abdominal_severe: husband's pain under his right ribs is a 10, the whites of his eyes are yellow, high fever and he's shaking",
    'eye_vision_loss: mom is 78, been having headaches by her temple and her jaw hurts when she chews, today her vision went blurry in one eye',
    'testicular_torsion: ok this is embarrassing but got kicked in the balls at recess an hour ago and its not getting better at all, one side is like higher up and swollen and i threw up. dont tell my mom yet',
  ],
};

describe.each(Object.keys(openFalseAlarms))('fresh batch %s', (file) => {
  const lines = readDevLines(file);

  test('every emergency is caught, beyond the known open misses', () => {
    const missed = lines
      .filter((l) => l.kind === 'emergency')
      .filter((l) => triage.classifyLocal(l.text).intent !== 'emergency')
      .map((l) => `${l.category}: ${l.text}`);
    expect(missed.sort()).toEqual([...(openMisses[file] ?? [])].sort());
  });

  test('no false emergency beyond the known open ones', () => {
    const falseAlarms = lines
      .filter((l) => l.kind !== 'emergency')
      .filter((l) => triage.classifyLocal(l.text).intent === 'emergency')
      .map((l) => l.text);
    expect(falseAlarms.sort()).toEqual([...openFalseAlarms[file]!].sort());
  });
});
