// Usage: npm run eval:triage -- [FILE.jsonl]   (default: test/fixtures/triage-heldout.jsonl)
// Scores the local layers (rules + local classifier, no LLM) against labelled patient messages.
// Exit 0: targets met; 1: below a target; 2: the file is unreadable or shares lines with the intents.
import path from 'node:path';
import { createTriage, loadIntentCatalog } from '../src/triage';
import { formatOverlaps, formatReport } from '../src/triage/triage-eval-report';
import {
  checkTargets,
  EvalFileError,
  evaluate,
  findOverlaps,
  readEvalFile,
} from '../src/triage/triage-evaluation';

const file = process.argv[2] ?? path.resolve(__dirname, '../test/fixtures/triage-heldout.jsonl');

function readCases(): ReturnType<typeof readEvalFile> {
  try {
    return readEvalFile(file);
  } catch (error) {
    if (!(error instanceof EvalFileError) && (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    console.error((error as Error).message);
    process.exit(2);
  }
}

const cases = readCases();
// Checked before the classifier is even built: a contaminated file has no figures worth printing.
const overlaps = findOverlaps(cases, loadIntentCatalog().intents);
if (overlaps.length > 0) {
  console.error(formatOverlaps(file, overlaps));
  process.exit(2);
}
const triage = createTriage({});
const report = evaluate((text, context) => triage.classifyLocal(text, context), cases);
const failures = checkTargets(report);
console.log(formatReport(file, report, failures));
process.exit(failures.length === 0 ? 0 : 1);
