import { createHash, type Hash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';
import { type IntentFile, intentFileSchema, REQUIRED_INTENTS } from './intent-schema';

export type IntentDefinition = IntentFile;

export interface IntentCatalog {
  intents: IntentDefinition[];
  /** Changes whenever any intent file changes, so stored results can be traced to the model that made them. */
  version: string;
}

export class IntentCatalogError extends Error {
  readonly code = 'INTENT_CATALOG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'IntentCatalogError';
  }
}

/**
 * One YAML file of the catalog, checked against `schema`; its label and text go into `hash` (the
 * catalog's revision). Throws IntentCatalogError naming `label` for bad YAML or a schema mismatch.
 */
export function readCatalogFile<T>(file: string, label: string, schema: z.ZodType<T>, hash: Hash): T {
  const raw = readFileSync(file, 'utf8');
  hash.update(label).update('\0').update(raw).update('\0');
  let data: unknown;
  try {
    data = parse(raw);
  } catch (error) {
    throw new IntentCatalogError(`${label}: invalid YAML: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new IntentCatalogError(`${label}: ${issues}`);
  }
  return parsed.data;
}

// Bumped when the classifier code changes in a way that changes results for the same intent files.
const CLASSIFIER_REVISION = 'lr1';

/** The repo's `intents/` folder, whether running from src/triage (tsx, jest) or dist/src/triage (compiled). */
export function defaultIntentsDir(): string {
  const candidates = [path.resolve(__dirname, '../../intents'), path.resolve(__dirname, '../../../intents')];
  return candidates.find((dir) => existsSync(dir)) ?? candidates[0]!;
}

/** Reads and validates every `*.yaml`/`*.yml` file in `dir`; throws IntentCatalogError naming the bad file. */
export function loadIntentCatalog(dir: string = defaultIntentsDir()): IntentCatalog {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
  } catch (error) {
    throw new IntentCatalogError(`cannot read intents directory ${dir}: ${(error as Error).message}`);
  }
  const hash = createHash('sha256').update(CLASSIFIER_REVISION);
  const intents: IntentDefinition[] = [];
  const seen = new Map<string, string>();
  for (const file of names) {
    const intent = readCatalogFile(path.join(dir, file), file, intentFileSchema, hash);
    const previous = seen.get(intent.name);
    if (previous) {
      throw new IntentCatalogError(`${file}: intent "${intent.name}" is already defined in ${previous}`);
    }
    if (intent.offTopicExamples.length > 0 && intent.name !== 'general') {
      throw new IntentCatalogError(`${file}: only the general intent has offTopicExamples`);
    }
    seen.set(intent.name, file);
    intents.push(intent);
  }
  const missing = REQUIRED_INTENTS.filter((name) => !seen.has(name));
  if (missing.length > 0) {
    throw new IntentCatalogError(`${dir}: missing intent file(s) for ${missing.join(', ')}`);
  }
  return { intents, version: `triage-${hash.digest('hex').slice(0, 12)}` };
}
