import { z } from 'zod';
import { expandTemplate, termSyntaxProblem } from './term-syntax';

// A template's own text, before expansion: a cross product of a few dozen alternatives.
const MAX_TEMPLATE_CHARS = 2_000;

/** What a concept means on its own, before acuity and context (see red-flag-engine.ts). */
export const CONCEPT_LEVELS = ['emergency', 'urgent', 'soon'] as const;
export type ConceptLevel = (typeof CONCEPT_LEVELS)[number];

// A bare number in YAML (911, 101) is read as a number; it is still a word to match.
// A term is a word or a short phrase, or states a rule once (src/triage/term-syntax.ts):
// - `{low-high}`, a word of its own: any number written in digits from low to high, both included
//   ("{180-300}" reads "190" in "bp 190/100" and "220" in "220 over 130", never "179"). A number as the
//   message splits it: "180/120" is "180 120", "88%" is "88", and a point or a comma ends a sentence,
//   so "88.5" is "88" then "5" and "1,200" is "1" then "200". "090" is no 90, nor "ninety" a number.
// - `[one|another]`: a template, one phrase per combination of its brackets' alternatives, in order:
//   "[going to hurt|gonna hurt] [him|his teacher]" is the four phrases "going to hurt him", ...,
//   "gonna hurt his teacher". For a rule that is a cross product: the verbs of a threat times whom it
//   is against, an event times when it was. Not nested, no empty alternative, 1,000 phrases at most,
//   each phrase 80 characters at most. Quoted in YAML, where a bare `[` or `{` opens a list or a map.
const term = z.preprocess(
  (value) => (typeof value === 'number' ? String(value) : value),
  z
    .string({
      error:
        'a term is text: quote a {low-high} range or an [a|b] template, which YAML reads as a map or a list',
    })
    .trim()
    .min(1)
    .max(MAX_TEMPLATE_CHARS)
    .regex(
      /^[\p{L}\p{N}#~ '.\-[\]|{}]+$/u,
      'words, digits, spaces, apostrophes, hyphens, # (any number), ~ (any negator), {low-high} and [a|b] only',
    )
    .superRefine((value, ctx) => {
      const problem = termSyntaxProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
);

/** A list of terms as the matcher reads it: each template expanded into its phrases. */
const terms = z.array(term).transform((list) => list.flatMap(expandTemplate));

/** A synonym group: words or short phrases, in English and/or Spanish. */
export const termGroupSchema = z
  .strictObject({ en: terms.default([]), es: terms.default([]) })
  .refine((g) => g.en.length + g.es.length > 0, { message: 'a term group needs at least one word' });

const groupName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower_snake_case group name');

const conceptSchema = z.strictObject({
  name: groupName,
  /** What a nurse reads in the reasons. */
  label: z.string().trim().min(1),
  /** The urgency of the concept alone; an acuity signal in the message makes any concept an emergency. */
  alone: z.enum(CONCEPT_LEVELS),
  /** Words such as "mild" or "a little" never lower it (not breathing, unresponsive, suicidal intent). */
  absolute: z.boolean().default(false),
  /**
   * How the concept combines with others found in the same message, each in its own words:
   * - `any`: a general danger sign (pale and clammy, confused, fainting) or an exposure (a sting, a new
   *   medicine, pills swallowed): beside any other red flag that counts alone, an emergency. Nurse
   *   protocols ask about these whatever the complaint, so they compose with every concept instead of
   *   being spelled out inside each one.
   * - `category`: a warning sign of its category (for self-harm: a farewell, giving things away, the
   *   means at hand, cannot be reached): two different ones of the category, or one beside any concept
   *   of the category, make an emergency. Unseen pairs of known signs are caught without listing them.
   * - `sign`: a symptom of any body system said as happening now ("vomiting", "crushing pain in his
   *   back", "eyes swollen shut"): beside a general danger sign of its own file (a concept there with
   *   `composes: any` that counts alone: pale and clammy, fainting, confused, breathless) an
   *   emergency, whatever the complaint. A serious presentation no concept lists is still a symptom plus a sign of shock.
   */
  composes: z.enum(['none', 'any', 'category', 'sign']).default('none'),
  /**
   * What was swallowed acts for hours whatever the patient feels now (a paracetamol overdose harms the
   * liver a day later, a button battery burns without a sign): how they feel ("feels fine now", "ya
   * está bien") does not make it over; only care's word or the thing taken out does (a resolution trigger with `endsIngestion`).
   */
  lingers: z.boolean().default(false),
  /** False for a sign that means nothing alone ("goodbye", "won't answer the phone"): it only composes. */
  countsAlone: z.boolean().default(true),
  /** Alternatives; each lists term groups that must all occur within `window` words, in any order. */
  match: z.array(z.array(groupName).min(1).max(4)).min(1),
  /** Words allowed between the groups of one alternative. */
  window: z.number().int().min(0).max(16).default(4),
  /** Term groups that, close to a match, make it something else ("stuffy nose", "seizure medicine"). */
  unless: z.array(groupName).default([]),
  /** How close, in words either side of the match. */
  unlessWindow: z.number().int().min(0).max(12).default(2),
  /**
   * What a first-person hypothesis about oneself makes of it (a `self_hypothetical` trigger: "what if I
   * just drove my car off the bridge", "y si me tomo todas"): a person musing on their own death or its
   * method is not asking about a condition in general. A level: it counts at that level at most (absent:
   * dismissed like any hypothesis, as "what if I hurt myself at the gym" is).
   */
  ownHypothetical: z.enum(CONCEPT_LEVELS).optional(),
  /**
   * What the message is when it also asks to stop the texts (an opt-out phrase): a finality statement
   * beside one is a withdrawal from care ("take me off the list, I won't be around"), an emergency with
   * the crisis reply, and nothing is written to the consent ledger (src/triage/triage.ts).
   */
  besideOptOut: z.enum(CONCEPT_LEVELS).optional(),
});

/**
 * Term groups of the file that say nothing clinical or about risk by themselves: a verb of wanting, a
 * time, a person, an everyday object a concept needs beside another group ("want", "tonight", "my son",
 * "phone"). Every other group's words are clinical or risk content wherever they occur, matched alone
 * or not: "stop texting me, nothing matters anymore" carries the self-harm group `pointless` although
 * no concept is complete, and a free-text opt-out beside it is set aside (triage.ts).
 */
const neutralGroups = z.array(groupName).default([]);

export const conceptFileSchema = z.strictObject({
  /** Reported per category in the evaluation: cardiac, stroke, breathing, ... */
  category: groupName,
  label: z.string().trim().min(1),
  terms: z.record(groupName, termGroupSchema).default({}),
  neutral: neutralGroups,
  concepts: z.array(conceptSchema).min(1),
});

/** Term groups several category files share (`shared-terms.yaml`). */
export const sharedTermsFileSchema = z.strictObject({
  terms: z.record(groupName, termGroupSchema),
  neutral: neutralGroups,
});

export const MODIFIER_KINDS = [
  'negated',
  'historical',
  'hypothetical',
  'resolved',
  'current',
  'recurrent',
  'experiencer',
  'acuity',
  'mild',
  'past_event',
  'chronic',
  'figurative',
  'persisting',
  'pseudo',
  'self_hypothetical',
] as const;
export type ModifierKind = (typeof MODIFIER_KINDS)[number];

const triggerSchema = z.strictObject({
  kind: z.enum(MODIFIER_KINDS),
  /** Where the trigger sits relative to the concept it modifies. */
  direction: z.enum(['before', 'after', 'both']).default('before'),
  /** Words between the trigger and the concept, at most. */
  window: z.number().int().min(0).max(30).default(5),
  /** Whether "and"/"y" also end its reach (a negation does: "no fever and chest pain"). */
  endsAtAnd: z.boolean().default(false),
  /**
   * Whether it reaches past "and"/"y" (every other trigger stops there): a remark about care that
   * follows the event ("had a stroke and is in rehab"), a comparison ("the difference between a seizure
   * and fainting"). Sentence punctuation and a termination word still end its reach.
   */
  crossesAnd: z.boolean().default(false),
  /**
   * For a resolution: said by care that saw the patient ("poison control said she is fine", "the ER sent
   * him home") or the thing taken out before it was swallowed ("spit it right out"), not how the patient
   * feels. Only such a resolution ends a concept that `lingers`.
   */
  endsIngestion: z.boolean().default(false),
  /** Whether it also speaks of a match whose parts it sits between ("speech is a little slurred"). */
  inside: z.boolean().default(false),
  en: terms.default([]),
  es: terms.default([]),
});

export const modifierFileSchema = z.strictObject({
  /** Words skipped inside a phrase ("took [the] whole bottle", "se [me] cerro [la] garganta"). */
  fillers: termGroupSchema,
  /** Words that end a clause: a modifier never reaches past them ("no fever but crushing chest pain"). */
  terminations: termGroupSchema,
  /** Conjunctions that also end a negation's reach when `endsAtAnd` is set. */
  conjunctions: termGroupSchema,
  /**
   * Words that deny a state, matched by `~` in a concept phrase: "~ waking up" reads "not waking up",
   * "isnt waking up", "wont wake up" and "never woke up" alike, so a phrase need not list every negator.
   */
  negators: termGroupSchema,
  /**
   * A sentence that ends with "?", opens with one of these words ("can", "does", "what", "how", "es",
   * "puede") and names no one (no word of `persons`) asks about a condition in general: "can anxiety
   * make you feel like you cant breathe?". Its concepts do not count, unless they are self-harm or the
   * message has an acuity word. Single words, as normalized.
   */
  questionOpeners: termGroupSchema,
  /** Words that put a person in a sentence: I, my, we, he, she, his, her, mi, yo, ella, su. */
  persons: termGroupSchema,
  /** Number words, matched by `#` in a phrase ("for # minutes"). */
  numbers: termGroupSchema,
  /** Number words of ten or more, matched by `##` ("took ## pills": "took thirty pills"). */
  manyNumbers: termGroupSchema,
  triggers: z.array(triggerSchema).min(1),
});

export type TermGroup = z.infer<typeof termGroupSchema>;
export type ConceptFile = z.infer<typeof conceptFileSchema>;
export type ConceptDefinition = z.infer<typeof conceptSchema>;
export type ModifierFile = z.infer<typeof modifierFileSchema>;
export type TriggerDefinition = z.infer<typeof triggerSchema>;
