export interface LabeledSample {
  tokens: readonly string[];
  keywordIntents: Iterable<string>;
  label: string;
}

export interface LocalPrediction {
  intent: string;
  probability: number;
  runnerUp: { intent: string; probability: number } | undefined;
  /** Share of the message's words seen in training; near zero for an unseen language or junk. */
  knownWordRatio: number;
  /** Words and phrases that pushed hardest toward the predicted intent, for the reasons a nurse reads. */
  evidence: string[];
}

export interface TrainingOptions {
  epochs?: number;
  learningRate?: number;
  l2?: number;
  seed?: number;
  /** Weighs each class by the inverse of its share of the examples. */
  balance?: boolean;
  /** Words left out of the word and character features (their bigrams stay). */
  stopWords?: ReadonlySet<string>;
}

/**
 * Multinomial logistic regression over word unigrams, word bigrams, character 3-4-grams and the intents'
 * keyword hits. Trained in-process from the intent examples at start (a few hundred ms), deterministic
 * for a given catalog, no network.
 */
// Tokens whose features are kept ready; cleared when full so that junk cannot grow it without bound.
const TOKEN_CACHE_LIMIT = 50_000;

/** A token's word and character n-gram features, looked up once: their weight rows, or -1 if unseen. */
interface TokenFeatures {
  word: number;
  grams: Int32Array;
  /** Names of the features training never saw; they count toward the length normalization only. */
  unseen: string[];
}

/**
 * Multinomial logistic regression over word unigrams, word bigrams, character 3-4-grams and the intents'
 * keyword hits. Trained in-process from the intent examples at start (a few hundred ms), deterministic
 * for a given catalog, no network.
 */
export class LocalClassifier {
  // Features are numbered once after training; a message's features are found per token through a
  // cache, and de-duplicated by stamping each row with the number of the current prediction.
  readonly #ids = new Map<string, number>();
  readonly #rows: Float64Array[] = [];
  readonly #names: string[] = [];
  readonly #tokenCache = new Map<string, TokenFeatures>();
  readonly #stamps: Uint32Array;
  #epoch = 0;

  private constructor(
    private readonly labels: string[],
    weights: Map<string, Float64Array>,
    private readonly stopWords: ReadonlySet<string>,
  ) {
    for (const [name, row] of weights) {
      this.#ids.set(name, this.#rows.length);
      this.#rows.push(row);
      this.#names.push(name);
    }
    this.#stamps = new Uint32Array(this.#rows.length);
  }

  static train(samples: readonly LabeledSample[], options: TrainingOptions = {}): LocalClassifier {
    const epochs = options.epochs ?? 40;
    const baseRate = options.learningRate ?? 0.8;
    // 1e-4 over 1e-5: +0.009 macro-F1 on the development set, +0.002 on the former held-out (npm run ablation:triage).
    const l2 = options.l2 ?? 1e-4;
    const labels = [...new Set(samples.map((s) => s.label))].sort();
    const k = labels.length;
    const weights = new Map<string, Float64Array>();
    const stop = options.stopWords ?? new Set<string>();
    const encoded = samples.map((s) => ({
      features: extractFeatures(s.tokens, s.keywordIntents, stop),
      label: labels.indexOf(s.label),
    }));
    const counts = labels.map((l) => samples.filter((s) => s.label === l).length);
    const mean = samples.length / k;
    const weightOf = (label: number) => (options.balance ? mean / counts[label]! : 1);
    for (const sample of encoded) {
      for (const f of sample.features) if (!weights.has(f)) weights.set(f, new Float64Array(k));
    }
    const random = mulberry32(options.seed ?? 1);
    const order = encoded.map((_, i) => i);
    const scores = new Float64Array(k);
    for (let epoch = 0; epoch < epochs; epoch++) {
      shuffle(order, random);
      const rate = baseRate / (1 + epoch * 0.15);
      for (const index of order) {
        const { features, label } = encoded[index]!;
        const x = 1 / Math.sqrt(features.length);
        const rows = features.map((f) => weights.get(f)!);
        softmaxScores(rows, x, scores);
        for (let c = 0; c < k; c++) {
          const gradient = (scores[c]! - (c === label ? 1 : 0)) * weightOf(label);
          for (const row of rows) row[c] = row[c]! * (1 - rate * l2) - rate * gradient * x;
        }
      }
    }
    return new LocalClassifier(labels, weights, stop);
  }

  /** The same features as extractFeatures, in the same order, without building their names again. */
  predict(tokens: readonly string[], keywordIntents: Iterable<string>): LocalPrediction {
    const epoch = this.#nextEpoch();
    const stamps = this.#stamps;
    const rows: Float64Array[] = [];
    const rowIds: number[] = [];
    let unseen: Set<string> | undefined;
    let words = 0;
    let knownWords = 0;
    const take = (id: number): boolean => {
      if (stamps[id] === epoch) return false;
      stamps[id] = epoch;
      rows.push(this.#rows[id]!);
      rowIds.push(id);
      return true;
    };
    const miss = (name: string): boolean => {
      unseen ??= new Set();
      const before = unseen.size;
      unseen.add(name);
      return unseen.size > before;
    };
    const bias = this.#ids.get('bias');
    if (bias !== undefined) take(bias);
    else miss('bias');
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      if (this.stopWords.has(token)) continue;
      const features = this.#tokenFeatures(token);
      if (features.word >= 0) {
        if (take(features.word)) {
          words++;
          knownWords++;
        }
      } else if (miss(`w:${token}`)) words++;
      const next = tokens[i + 1];
      if (next !== undefined) {
        const name = `b:${token} ${next}`;
        const id = this.#ids.get(name);
        if (id !== undefined) take(id);
        else miss(name);
      }
      for (const id of features.grams) if (id >= 0) take(id);
      for (const name of features.unseen) miss(name);
    }
    for (const intent of keywordIntents) {
      const name = `k:${intent}`;
      const id = this.#ids.get(name);
      if (id !== undefined) take(id);
      else miss(name);
    }
    const featureCount = rows.length + (unseen?.size ?? 0);
    const k = this.labels.length;
    const scores = new Float64Array(k);
    softmaxScores(rows, 1 / Math.sqrt(Math.max(featureCount, 1)), scores);
    let best = 0;
    let second = -1;
    for (let c = 1; c < k; c++) {
      if (scores[c]! > scores[best]!) {
        second = best;
        best = c;
      } else if (second < 0 || scores[c]! > scores[second]!) second = c;
    }
    if (k > 1 && second < 0) second = best === 0 ? 1 : 0;
    return {
      intent: this.labels[best]!,
      probability: scores[best]!,
      runnerUp: second >= 0 ? { intent: this.labels[second]!, probability: scores[second]! } : undefined,
      knownWordRatio: words === 0 ? 0 : knownWords / words,
      evidence: topEvidence(
        rows,
        rowIds.map((id) => this.#names[id]!),
        best,
        second,
      ),
    };
  }

  #nextEpoch(): number {
    this.#epoch++;
    if (this.#epoch === 0xffffffff) {
      this.#stamps.fill(0);
      this.#epoch = 1;
    }
    return this.#epoch;
  }

  #tokenFeatures(token: string): TokenFeatures {
    let features = this.#tokenCache.get(token);
    if (features) return features;
    const unseen: string[] = [];
    const word = this.#ids.get(`w:${token}`) ?? -1;
    const ids: number[] = [];
    for (const name of characterGrams(token)) {
      const id = this.#ids.get(name);
      if (id === undefined) unseen.push(name);
      else ids.push(id);
    }
    features = { word, grams: Int32Array.from(ids), unseen };
    if (this.#tokenCache.size >= TOKEN_CACHE_LIMIT) this.#tokenCache.clear();
    this.#tokenCache.set(token, features);
    return features;
  }
}

/** Feature names are prefixed by kind so a word and a character n-gram never collide. */
export function extractFeatures(
  tokens: readonly string[],
  keywordIntents: Iterable<string>,
  stopWords: ReadonlySet<string> = new Set(),
): string[] {
  const features = new Set<string>(['bias']);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (stopWords.has(token)) continue;
    features.add(`w:${token}`);
    const next = tokens[i + 1];
    if (next !== undefined) features.add(`b:${token} ${next}`);
    for (const gram of characterGrams(token)) features.add(gram);
  }
  for (const intent of keywordIntents) features.add(`k:${intent}`);
  return [...features];
}

/** Character 3- and 4-grams of a token: they carry typos and inflections ("reschedual", "cancelo") to known words. */
function characterGrams(token: string): string[] {
  const grams: string[] = [];
  const padded = `<${token}>`;
  for (let n = 3; n <= 4; n++) {
    for (let j = 0; j + n <= padded.length; j++) grams.push(`c:${padded.slice(j, j + n)}`);
  }
  return grams;
}

function softmaxScores(rows: readonly Float64Array[], x: number, out: Float64Array): void {
  out.fill(0);
  for (const row of rows) for (let c = 0; c < out.length; c++) out[c]! += row[c]! * x;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of out) if (v > max) max = v;
  let sum = 0;
  for (let c = 0; c < out.length; c++) {
    out[c] = Math.exp(out[c]! - max);
    sum += out[c]!;
  }
  for (let c = 0; c < out.length; c++) out[c]! /= sum;
}

function topEvidence(
  rows: readonly Float64Array[],
  names: readonly string[],
  best: number,
  second: number,
): string[] {
  const scored: { name: string; margin: number }[] = [];
  for (let i = 0; i < rows.length; i++) {
    const name = names[i]!;
    // Only words, phrases and keywords read well to a nurse; n-grams and bias do not.
    if (!(name.startsWith('w:') || name.startsWith('b:') || name.startsWith('k:'))) continue;
    const row = rows[i]!;
    const margin = row[best]! - (second >= 0 ? row[second]! : 0);
    if (margin > 0) scored.push({ name, margin });
  }
  return scored
    .sort((a, b) => b.margin - a.margin)
    .slice(0, 3)
    .map((s) => (s.name.startsWith('k:') ? `keyword list of ${s.name.slice(2)}` : `"${s.name.slice(2)}"`));
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(items: number[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
}
