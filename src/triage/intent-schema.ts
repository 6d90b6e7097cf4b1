import { z } from 'zod';
import { TRIAGE_QUEUE_NAMES } from '../staff/queue-names';

export const URGENCIES = ['routine', 'soon', 'urgent', 'emergency'] as const;
export const QUEUE_NAMES = TRIAGE_QUEUE_NAMES;

export type Urgency = (typeof URGENCIES)[number];
export type QueueName = (typeof QUEUE_NAMES)[number];

/** Every catalog must define exactly these intents; routing and reports rely on the names. */
export const REQUIRED_INTENTS = [
  'confirm',
  'cancel',
  'reschedule',
  'refill',
  'billing',
  'clinical_question',
  'opt_out',
  'opt_in',
  'help',
  'general',
  'emergency',
] as const;

const nonEmpty = z.string().trim().min(1);

// Patterns are compiled here so that a broken regex fails at load time with the file name, not mid-triage.
const regexSource = nonEmpty.refine(
  (source) => {
    try {
      new RegExp(source, 'u');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

const urgencyRuleSchema = z.strictObject({
  urgency: z.enum(URGENCIES),
  patterns: z.array(regexSource).min(1),
});

export const intentFileSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z_]*$/, 'lower_snake_case name'),
  description: nonEmpty,
  /** The intent's name as staff read it ("Clinical question"); the name spelled out when absent. */
  label: nonEmpty.optional(),
  /** What the patient did, as the triage note says it ("Asked a clinical question"). */
  summary: nonEmpty.optional(),
  queue: z.enum(QUEUE_NAMES),
  urgency: z.enum(URGENCIES).default('routine'),
  examples: z.array(nonEmpty).min(1),
  /**
   * `general` only: messages unrelated to the clinic. The local classifier learns them as a class of their
   * own, so a message read as one goes to `general` with a low confidence (issue 12, part 6) rather than
   * as a confident front-desk request, and a medical word used figuratively does not send it to a nurse.
   */
  offTopicExamples: z.array(nonEmpty).default([]),
  keywords: z.array(regexSource).default([]),
  /**
   * What a message must name for the classifier's guess of this intent to stand when none of its
   * keywords is there (an opt-out must name what to stop: texts, messages, reminders). Empty: any guess.
   */
  mustMention: z.array(regexSource).default([]),
  /**
   * Errands of everyday life that look like this intent ("cancel my netflix", "yes I'll be at the
   * barbecue"): where one matches and no word of `about` is there, neither this intent's keywords nor
   * the classifier's guess of it stand, and the message is read as unrelated to the clinic.
   */
  notAbout: z.array(regexSource).default([]),
  /** Words of this intent's own subject (an appointment, a visit): beside them `notAbout` is set aside. */
  about: z.array(regexSource).default([]),
  /** Whole-message keywords (carrier keywords such as STOP): the message must be exactly one of these. */
  wholeMessageKeywords: z.array(nonEmpty).default([]),
  /** Short replies that mean this intent only right after the named outbound template. */
  contextReplies: z.record(nonEmpty, z.array(nonEmpty)).default({}),
  urgencyRules: z.array(urgencyRuleSchema).default([]),
});

export type IntentFile = z.infer<typeof intentFileSchema>;
export type UrgencyRule = z.infer<typeof urgencyRuleSchema>;
