// A tiny .env reader, so `npm start` works before (and without) the dotenv package.
import fs from 'node:fs';

/**
 * Load KEY=VALUE lines from `file` into process.env when the file exists.
 * Variables already set in the environment win: an explicit `FOO=1 npm start` must not be overridden.
 * Supports `# comments`, blank lines, an optional `export ` prefix, and single/double quoted values.
 * Returns the names it set.
 */
export function loadDotEnv(file) {
  if (!fs.existsSync(file)) return [];
  const set = [];
  for (const raw of fs.readFileSync(file, 'utf8').split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    const [, key, rest] = match;
    let value = rest;
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.lastIndexOf(quote) > 0) {
      value = value.slice(1, value.lastIndexOf(quote));
      if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\"/g, '"');
    } else {
      // Unquoted: a ` #` starts a trailing comment.
      value = value.replace(/\s+#.*$/, '').trim();
    }
    if (process.env[key] === undefined) {
      process.env[key] = value;
      set.push(key);
    }
  }
  return set;
}
