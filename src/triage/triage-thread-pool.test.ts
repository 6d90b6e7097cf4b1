import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultIntentsDir } from './intent-catalog';
import { LlmClassificationError } from './llm-port';
import { createTriage } from './triage';
import { MAX_TRIAGE_CHARS } from './triage-input-cap';
import { startTriagePool, type TriagePool, TriageThreadError } from './triage-thread-pool';

// Worker threads load the engine from the TypeScript sources here (through tsx) and train it: slow
// on a loaded machine, so each pool is started once per describe.
jest.setTimeout(120_000);

const inProcess = createTriage({});

describe('a triage pool', () => {
  let pool: TriagePool;
  beforeAll(async () => {
    pool = await startTriagePool({ threads: 2 });
  });
  afterAll(() => pool.close());

  test('answers exactly what createTriage answers in-process, and knows its catalog', async () => {
    const texts = [
      'crushing chest pain and sweating',
      'no chest pain anymore, thanks',
      'can I move my thursday appt to next week',
      'necesito una receta de mi medicina',
      '',
      '👍',
    ];
    const context = { lastOutboundTemplate: 'appointment-reminder', language: 'en' };
    for (const text of texts) {
      expect(await pool.classify(text, context)).toEqual(await inProcess.classify(text, context));
    }
    expect(pool.version).toBe(inProcess.classifyLocal('').version);
    expect(pool.intents.map((i) => i.name)).toEqual(inProcess.intents.map((i) => i.name));
  });

  test('answers concurrent messages, spread over two threads, each with its own result', async () => {
    const texts = Array.from({ length: 20 }, (_, i) => (i % 2 ? `I need a refill ${i}` : `chest pain ${i}`));
    const results = await Promise.all(texts.map((text) => pool.classify(text)));
    expect(results.map((r) => r.intent)).toEqual(
      texts.map((t) => (t.startsWith('chest') ? 'emergency' : 'refill')),
    );
  });

  test(`reads the first ${MAX_TRIAGE_CHARS} characters and says what it did not read`, async () => {
    const early = await pool.classify(`I have chest pain. ${'Some more words here. '.repeat(1500)}`);
    expect(early.intent).toBe('emergency');
    expect(early.reasons.at(-1)).toMatch(
      /^triage read the first 20,000 characters; the last 13,0\d\d were not read/,
    );
    // A red flag past the cap is not seen: the cap is a documented limit, not a silent one.
    const late = await pool.classify(`${'Question about my bill. '.repeat(1000)}I have chest pain`);
    expect(late.intent).not.toBe('emergency');
    expect(late.reasons.join(' ')).toMatch(/were not read/);
    const short = await pool.classify('I have chest pain');
    expect(short.reasons.join(' ')).not.toMatch(/were not read/);
  });

  test('rejects with TRIAGE_POOL_CLOSED once closed', async () => {
    const closing = await startTriagePool({});
    await closing.close();
    await expect(closing.classify('hello')).rejects.toMatchObject({ code: 'TRIAGE_POOL_CLOSED' });
  });
});

describe('the LLM layer of a pool', () => {
  const unsure = 'hmm about the thing from before';
  test('is asked by the thread through the hub, with the catalog it was built from', async () => {
    const asked: string[] = [];
    let intentNames: string[] = [];
    const pool = await startTriagePool({
      llm: (intents) => {
        intentNames = intents.map((i) => i.name);
        return {
          classify: async (text) => {
            asked.push(text);
            return { intent: 'billing', urgency: 'urgent' };
          },
        };
      },
    });
    try {
      const result = await pool.classify(unsure);
      // The LLM may pick the intent or only raise the urgency, depending on the engine: either way
      // its verdict reached the thread.
      expect(result.urgency).toBe('urgent');
      expect(asked).toEqual([unsure]);
      expect(intentNames).toContain('billing');
      // Red flags never reach the LLM.
      expect((await pool.classify('chest pain')).engine).toBe('red-flag');
      expect(asked).toHaveLength(1);
    } finally {
      await pool.close();
    }
  });

  test('keeps the local result, with the LLM error in the reasons, when the LLM fails', async () => {
    const pool = await startTriagePool({
      llm: () => ({
        classify: async () => {
          throw new LlmClassificationError('LLM_BAD_RESPONSE', 'LLM answered an unknown intent');
        },
      }),
    });
    try {
      const result = await pool.classify(unsure);
      expect(result.engine).not.toBe('llm');
      expect(result.reasons.at(-1)).toBe('LLM answered an unknown intent; kept the local result');
    } finally {
      await pool.close();
    }
  });
});

describe('a classification that never finishes', () => {
  test('is stopped at the deadline, fails its message for a retry, and its thread is replaced', async () => {
    // An LLM that never answers holds the classification past the deadline, like a runaway rule.
    const pool = await startTriagePool({
      timeoutMs: 8_000,
      llm: () => ({ classify: () => new Promise(() => undefined) }),
    });
    try {
      const hung = pool.classify('hmm about the thing from before');
      await expect(hung).rejects.toBeInstanceOf(TriageThreadError);
      await expect(hung).rejects.toMatchObject({ code: 'TRIAGE_THREAD_TIMEOUT', retryable: true });
      // The next message gets a fresh thread (red flags never wait for the LLM).
      expect((await pool.classify('I have chest pain')).intent).toBe('emergency');
    } finally {
      await pool.close();
    }
  });
});

test('a catalog that does not load fails the start, naming the problem', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'careline-intents-'));
  try {
    cpSync(defaultIntentsDir(), dir, { recursive: true });
    rmSync(path.join(dir, 'billing.yaml'));
    await expect(startTriagePool({ intentsDir: dir })).rejects.toThrow(
      /missing intent file\(s\) for billing/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
