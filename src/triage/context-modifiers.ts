import type { ModifierFile, ModifierKind, TermGroup } from './concept-schema';
import { type KeyedToken, PhraseIndex } from './phrase-index';
import type { LexiconLanguage, WordKeys } from './word-keys';

/** A trigger found in a message: a modifier phrase and where it sits. */
export interface TriggerHit {
  kind: ModifierKind;
  direction: 'before' | 'after' | 'both';
  window: number;
  endsAtAnd: boolean;
  crossesAnd: boolean;
  inside: boolean;
  endsIngestion: boolean;
  /**
   * Whether its words are also a clause boundary ("and now", "y ahora"): it speaks of the clause it
   * opens, not of the boundary's own.
   */
  opensClause: boolean;
  start: number;
  end: number;
}

type Boundary = 'termination' | 'conjunction';
type Entry = { trigger: Omit<TriggerHit, 'start' | 'end' | 'opensClause'> } | { boundary: Boundary };

/** The modifiers that apply to one concept match. */
export interface SpanContext {
  /** First trigger of each kind that reaches the span, with its start and end. */
  found: Partial<Record<ModifierKind, TriggerHit>>;
}

/**
 * ConText (Harkema et al., 2009) over a message: trigger phrases (negation, history, hypothesis,
 * resolution, experiencer, acuity, mildness) reach a concept within a window of words, never past the
 * end of their clause (a termination word such as "but", or sentence punctuation). A longer trigger
 * wins over a shorter one inside it ("hasn't stopped" is not the resolution "stopped"; "not sure" is not
 * a negation). Finding triggers is one pass over the message; asking about a span is a binary search
 * plus a walk bounded by the window.
 */
export class ContextModifiers {
  readonly #index: PhraseIndex<Entry>;

  constructor(file: ModifierFile, keys: WordKeys, isFiller: (word: string) => boolean) {
    this.#index = new PhraseIndex<Entry>(keys, isFiller);
    const addGroup = (group: TermGroup, entry: Entry) => {
      for (const language of ['en', 'es'] as LexiconLanguage[]) {
        for (const phrase of group[language]) this.#index.add(phrase, language, entry);
      }
    };
    addGroup(file.terminations, { boundary: 'termination' });
    addGroup(file.conjunctions, { boundary: 'conjunction' });
    for (const t of file.triggers) {
      addGroup(t, {
        trigger: {
          kind: t.kind,
          direction: t.direction,
          window: t.window,
          endsAtAnd: t.endsAtAnd,
          crossesAnd: t.crossesAnd,
          inside: t.inside,
          endsIngestion: t.endsIngestion,
        },
      });
    }
  }

  /** Finds every trigger and clause boundary of a message (tokens with their sentence numbers). */
  read(tokens: readonly KeyedToken[], sentenceOf: readonly number[]): MessageContext {
    const triggers: TriggerHit[] = [];
    // clause[i]: a termination or a new sentence starts a new clause; andClause also splits at "and".
    const clause = new Int32Array(tokens.length);
    const andClause = new Int32Array(tokens.length);
    // sentenceClause: only a termination or a new sentence splits it ("and" does not).
    const sentenceClause = new Int32Array(tokens.length);
    let clauseId = 0;
    let andClauseId = 0;
    let sentenceClauseId = 0;
    let i = 0;
    while (i < tokens.length) {
      if (i > 0 && sentenceOf[i] !== sentenceOf[i - 1]) {
        clauseId++;
        andClauseId++;
        sentenceClauseId++;
      }
      let longest = 0;
      let entries: Entry[] = [];
      // Of phrases as long, one the message spells word for word outranks one it matches only by
      // skipping a filler: "como se si" (how do I know if) is no "como [se] si" (as if).
      let longestTight = false;
      this.#index.scanAt(tokens, i, (entry, end, loose) => {
        if (end > longest || (end === longest && !loose && !longestTight)) {
          longest = end;
          longestTight = !loose;
          entries = [entry];
        } else if (end === longest && loose === !longestTight) entries.push(entry);
      });
      const end = longest > i ? longest : i + 1;
      // A pseudo-trigger as long as a real one is what the words mean ("cried for a minute" is not the
      // acuity "for # minutes", whose `#` also reads "a"): it silences the others of the same length.
      if (entries.some((e) => 'trigger' in e && e.trigger.kind === 'pseudo')) {
        entries = entries.filter((e) => !('trigger' in e) || e.trigger.kind === 'pseudo');
      }
      let boundary = false;
      let termination = false;
      const opensClause = entries.some((e) => 'boundary' in e);
      for (const entry of entries) {
        if ('boundary' in entry) {
          boundary = true;
          andClauseId++;
          if (entry.boundary === 'termination') {
            clauseId++;
            termination = true;
          }
        } else triggers.push({ ...entry.trigger, opensClause, start: i, end });
      }
      for (let j = i; j < end && j < tokens.length; j++) {
        clause[j] = clauseId;
        andClause[j] = andClauseId;
        sentenceClause[j] = sentenceClauseId;
      }
      // The words after a boundary belong to the next clause.
      if (boundary) {
        clauseId++;
        andClauseId++;
      }
      if (termination) sentenceClauseId++;
      i = end;
    }
    return new MessageContext(
      deniedResolutionsDropped(triggers, tokens),
      clause,
      andClause,
      sentenceClause,
      sentenceOf,
    );
  }
}

/**
 * A resolution denied by the word right before it is no resolution: "without stopping for air",
 * "never went away", "didn't stop", "no se quitó" say the symptom goes on. "Ya" (already) after a bare
 * "no" asserts it ("no, ya pasó"), so a resolution that opens with it stays.
 */
function deniedResolutionsDropped(triggers: TriggerHit[], tokens: readonly KeyedToken[]): TriggerHit[] {
  // "Never happened again", "hasn't come back": a denied recurrence is no recurrence.
  triggers = triggers.filter((t) => t.kind !== 'recurrent' || !negatedWithin(triggers, t, 2));
  const negationEndingAt = new Set<number>();
  for (const t of triggers) if (t.kind === 'negated' && t.direction !== 'after') negationEndingAt.add(t.end);
  if (negationEndingAt.size === 0) return triggers;
  return triggers.filter(
    (t) =>
      t.kind !== 'resolved' ||
      !negationEndingAt.has(t.start) ||
      tokens[t.start]?.keys.includes(ALREADY) === true,
  );
}

const ALREADY = 'ya';

/** Whether a negation ends within `gap` words before `t` (a few words: "never happened again"). */
function negatedWithin(triggers: readonly TriggerHit[], t: TriggerHit, gap: number): boolean {
  return triggers.some(
    (n) => n.kind === 'negated' && n.direction !== 'after' && n.end <= t.start && t.start - n.end <= gap,
  );
}

export class MessageContext {
  readonly #byStart: TriggerHit[];

  constructor(
    readonly triggers: readonly TriggerHit[],
    private readonly clause: Int32Array,
    private readonly andClause: Int32Array,
    private readonly sentenceClause: Int32Array,
    private readonly sentenceOf: readonly number[],
  ) {
    this.#byStart = [...triggers].sort((a, b) => a.start - b.start);
  }

  /** Every trigger kind that reaches the span [start, end). */
  around(start: number, end: number): SpanContext {
    const found: SpanContext['found'] = {};
    const note = (t: TriggerHit) => {
      if (!found[t.kind]) found[t.kind] = t;
    };
    // Triggers ending at or before the span start, nearest first, until none can reach any more.
    let k = lastStartingBefore(this.#byStart, start);
    for (; k >= 0; k--) {
      const t = this.#byStart[k]!;
      if (t.end > start) {
        // A trigger that holds the concept speaks of it ("after his stroke", "despues del derrame").
        if (t.end >= end) note(t);
        continue;
      }
      const gap = start - t.end;
      if (gap > 30) break;
      if (t.direction === 'after' || gap > t.window) continue;
      if (this.#sameClause(t, t.opensClause ? t.end : t.start, start)) note(t);
    }
    // A trigger between the parts of the match speaks of it when it says so ("speech is a little slurred"),
    // and one that starts inside the match and runs past its end speaks of it: "poison control said she
    // is fine" holds the "poison control" it starts with, and the end of "got into the pods, poison".
    for (k = firstStartingAtOrAfter(this.#byStart, start); k < this.#byStart.length; k++) {
      const t = this.#byStart[k]!;
      if (t.start >= end) break;
      if ((t.inside && t.end <= end) || t.end > end) note(t);
    }
    // Triggers starting at or after the span end.
    for (k = firstStartingAtOrAfter(this.#byStart, end); k < this.#byStart.length; k++) {
      const t = this.#byStart[k]!;
      const gap = t.start - end;
      if (gap > 30) break;
      if (t.direction === 'before' || gap > t.window) continue;
      // A resolution reaches past "but" ("chest pain earlier but it went away"): it speaks of what came before.
      const reaches =
        t.kind === 'resolved' || t.kind === 'recurrent'
          ? this.#resolutionReaches(t, end - 1)
          : this.#sameClause(t, end - 1, t.start);
      if (reaches) note(t);
    }
    return { found };
  }

  /**
   * A negation inside a multi-part match that reaches one of its later parts ("bumped his head, no
   * vomiting"), not counting a negation that is itself one of the parts ("no puedo respirar").
   */
  negationInside(
    parts: readonly { start: number; end: number }[],
    matchStart: number,
  ): TriggerHit | undefined {
    const insidePart = (t: TriggerHit) => parts.some((p) => t.start < p.end && p.start < t.end);
    for (const part of parts) {
      if (part.start === matchStart) continue;
      let k = lastStartingBefore(this.#byStart, part.start);
      for (; k >= 0; k--) {
        const t = this.#byStart[k]!;
        if (t.end > part.start) continue;
        const gap = part.start - t.end;
        if (gap > 30 || t.start < matchStart) break;
        if (gap > t.window) continue;
        if (
          t.kind === 'negated' &&
          t.direction !== 'after' &&
          !insidePart(t) &&
          this.#sameClause(t, t.start, part.start)
        )
          return t;
      }
    }
    return undefined;
  }

  /** A historical trigger earlier in the same sentence, before `position` (any clause of it). */
  historyEarlierInSentence(position: number): TriggerHit | undefined {
    const sentence = this.sentenceOf[position];
    for (let k = lastStartingBefore(this.#byStart, position); k >= 0; k--) {
      const t = this.#byStart[k]!;
      if (this.sentenceOf[t.start] !== sentence) return undefined;
      if (t.kind === 'historical' && t.end <= position) return t;
    }
    return undefined;
  }

  /** Whether a trigger of `kind` itself is negated ("not severe", "no sudden"): within 2 words before it. */
  isNegatedTrigger(t: TriggerHit): boolean {
    let k = lastStartingBefore(this.#byStart, t.start);
    for (; k >= 0; k--) {
      const n = this.#byStart[k]!;
      if (n.end > t.start) continue;
      if (t.start - n.end > 2) break;
      if (n.kind === 'negated' && this.andClause[n.start] === this.andClause[t.start]) return true;
    }
    return false;
  }

  /**
   * Whether an acuity trigger describes a course of days or weeks ("gotten worse over a week"): a chronic
   * trigger in its own clause within its window. Worsening over days is not the sudden onset acuity means.
   */
  isChronicTrigger(t: TriggerHit): boolean {
    // Triggers do not overlap (the longest wins), so a walk of at most 30 words each way is bounded.
    const reaches = (c: TriggerHit, gap: number) =>
      c.kind === 'chronic' && gap <= c.window && this.clause[c.start] === this.clause[t.start];
    for (let k = lastStartingBefore(this.#byStart, t.start); k >= 0; k--) {
      const c = this.#byStart[k]!;
      const gap = t.start - c.end;
      if (gap > 30) break;
      if (reaches(c, Math.max(gap, 0))) return true;
    }
    for (let k = firstStartingAtOrAfter(this.#byStart, t.end); k < this.#byStart.length; k++) {
      const c = this.#byStart[k]!;
      const gap = c.start - t.end;
      if (gap > 30) break;
      if (reaches(c, gap)) return true;
    }
    return false;
  }

  /**
   * A resolution reaches back past "but" in its sentence ("chest pain earlier but it went away"), and
   * into the sentence before only when it opens its own, or its own clause after "and"/"then"
   * ("fainted yesterday. fine since"; "tightness this morning, lasted a minute and went away"): "my
   * chest hurts. the bleeding stopped" does not resolve the chest pain.
   */
  #resolutionReaches(t: TriggerHit, concept: number): boolean {
    const sentence = this.sentenceOf[t.start]!;
    if (sentence === this.sentenceOf[concept]) return true;
    if (sentence !== this.sentenceOf[concept]! + 1) return false;
    const clause = this.andClause[t.start];
    let opening = 0;
    for (let i = t.start - 1; i >= 0 && this.sentenceOf[i] === sentence && this.andClause[i] === clause; i--)
      opening++;
    return opening <= 1;
  }

  #sameClause(t: TriggerHit, a: number, b: number): boolean {
    const clauses = t.crossesAnd ? this.sentenceClause : t.endsAtAnd ? this.andClause : this.clause;
    return clauses[a] === clauses[b];
  }
}

function lastStartingBefore(sorted: readonly TriggerHit[], position: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.start < position) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

function firstStartingAtOrAfter(sorted: readonly TriggerHit[], position: number): number {
  return lastStartingBefore(sorted, position) + 1;
}
