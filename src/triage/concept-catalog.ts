import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import {
  type ConceptFile,
  conceptFileSchema,
  type ModifierFile,
  modifierFileSchema,
  sharedTermsFileSchema,
  type TermGroup,
  termGroupSchema,
} from './concept-schema';
import { IntentCatalogError, readCatalogFile } from './intent-catalog';

export interface ConceptCatalog {
  categories: ConceptFile[];
  /** Shared term groups merged with each file's own (a file's own group wins). */
  sharedTerms: Record<string, TermGroup>;
  modifiers: ModifierFile;
  /** Shared term groups that are not clinical content by themselves (`neutral` in shared-terms.yaml). */
  sharedNeutral: string[];
  /** Words that make a message clinical (body parts, symptoms, medicines): never off-topic. */
  clinicalTerms: TermGroup;
  /** Words of distress that are no red flag alone: clinical content, so no free-text opt-out stands. */
  distressTerms: TermGroup;
  /** Hash of every file read, folded into the triage version. */
  digest: string;
}

const SHARED_TERMS_FILE = 'shared-terms.yaml';
const MODIFIERS_FILE = 'modifiers.yaml';
const CLINICAL_TERMS_FILE = 'clinical-terms.yaml';
const DISTRESS_TERMS_FILE = 'distress-terms.yaml';

/**
 * Reads `<intentsDir>/concepts/*.yaml` (one red-flag category per file, plus shared-terms.yaml) and
 * `<intentsDir>/context/modifiers.yaml`. Throws IntentCatalogError naming the file for bad YAML, a schema
 * error, a duplicate category or concept, or a term group that is used but defined nowhere.
 */
export function loadConceptCatalog(intentsDir: string): ConceptCatalog {
  const conceptsDir = path.join(intentsDir, 'concepts');
  const modifiersPath = path.join(intentsDir, 'context', MODIFIERS_FILE);
  if (!existsSync(conceptsDir))
    throw new IntentCatalogError(`missing red-flag concepts folder ${conceptsDir}`);
  if (!existsSync(modifiersPath))
    throw new IntentCatalogError(`missing context modifiers file ${modifiersPath}`);
  const hash = createHash('sha256');
  const read = <T>(file: string, label: string, schema: z.ZodType<T>): T =>
    readCatalogFile(file, label, schema, hash);

  const files = readdirSync(conceptsDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  const shared = files.includes(SHARED_TERMS_FILE)
    ? read(path.join(conceptsDir, SHARED_TERMS_FILE), `concepts/${SHARED_TERMS_FILE}`, sharedTermsFileSchema)
    : { terms: {}, neutral: [] };
  const sharedTerms: Record<string, TermGroup> = shared.terms;
  checkNeutral(`concepts/${SHARED_TERMS_FILE}`, shared.neutral, sharedTerms);
  const categories: ConceptFile[] = [];
  const categoryFiles = new Map<string, string>();
  const conceptFiles = new Map<string, string>();
  for (const file of files) {
    if (file === SHARED_TERMS_FILE) continue;
    const label = `concepts/${file}`;
    const category = read(path.join(conceptsDir, file), label, conceptFileSchema);
    const previous = categoryFiles.get(category.category);
    if (previous)
      throw new IntentCatalogError(`${label}: category "${category.category}" is already in ${previous}`);
    categoryFiles.set(category.category, label);
    checkNeutral(label, category.neutral, category.terms);
    for (const concept of category.concepts) {
      const other = conceptFiles.get(concept.name);
      if (other) throw new IntentCatalogError(`${label}: concept "${concept.name}" is already in ${other}`);
      conceptFiles.set(concept.name, label);
      for (const group of [...concept.match.flat(), ...concept.unless]) {
        if (!(group in category.terms) && !(group in sharedTerms)) {
          throw new IntentCatalogError(
            `${label}: concept "${concept.name}" uses term group "${group}", defined neither in this file nor in ${SHARED_TERMS_FILE}`,
          );
        }
      }
    }
    categories.push(category);
  }
  if (categories.length === 0) throw new IntentCatalogError(`${conceptsDir}: no red-flag category files`);
  const modifiers = read(modifiersPath, `context/${MODIFIERS_FILE}`, modifierFileSchema);
  const terms = (file: string, what: string): TermGroup => {
    const termsPath = path.join(intentsDir, 'context', file);
    if (!existsSync(termsPath)) throw new IntentCatalogError(`missing ${what} file ${termsPath}`);
    return read(termsPath, `context/${file}`, termGroupSchema);
  };
  const clinicalTerms = terms(CLINICAL_TERMS_FILE, 'clinical terms');
  const distressTerms = terms(DISTRESS_TERMS_FILE, 'distress terms');
  return {
    categories,
    sharedTerms,
    sharedNeutral: shared.neutral,
    modifiers,
    clinicalTerms,
    distressTerms,
    digest: hash.digest('hex'),
  };
}

/** A `neutral` entry names a group of the same file: a typo there would quietly make a group content. */
function checkNeutral(label: string, neutral: string[], terms: Record<string, TermGroup>): void {
  for (const name of neutral) {
    if (!(name in terms))
      throw new IntentCatalogError(`${label}: neutral group "${name}" is not a term group of this file`);
  }
}
