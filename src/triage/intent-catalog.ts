import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
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
    const raw = readFileSync(path.join(dir, file), 'utf8');
    hash.update(file).update('\0').update(raw).update('\0');
    let data: unknown;
    try {
      data = parse(raw);
    } catch (error) {
      throw new IntentCatalogError(`${file}: invalid YAML: ${(error as Error).message}`);
    }
    const parsed = intentFileSchema.safeParse(data);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      throw new IntentCatalogError(`${file}: ${issues}`);
    }
    const previous = seen.get(parsed.data.name);
    if (previous) {
      throw new IntentCatalogError(`${file}: intent "${parsed.data.name}" is already defined in ${previous}`);
    }
    seen.set(parsed.data.name, file);
    intents.push(parsed.data);
  }
  const missing = REQUIRED_INTENTS.filter((name) => !seen.has(name));
  if (missing.length > 0) {
    throw new IntentCatalogError(`${dir}: missing intent file(s) for ${missing.join(', ')}`);
  }
  return { intents, version: `triage-${hash.digest('hex').slice(0, 12)}` };
}
