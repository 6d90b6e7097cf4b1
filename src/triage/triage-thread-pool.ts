import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { IntentDefinition } from './intent-catalog';
import { LlmClassificationError, type LlmClassifierPort } from './llm-port';
import type { TriageContext, TriageOptions, TriageResult } from './triage';
import { sentence } from './triage-findings';
import { capForTriage, unreadReason } from './triage-input-cap';
import type { FromTriageThread, ToTriageThread, TriageThreadData } from './triage-thread-protocol';

export interface TriagePoolOptions extends TriageOptions {
  /** Worker threads that classify; each holds its own engine. */
  threads?: number;
  /**
   * A classification (LLM round trip included) that takes longer than this ends its thread, whose
   * messages then fail and are retried on a fresh one: a runaway rule costs a thread, never the hub.
   */
  timeoutMs?: number;
  /** Heap limit of each thread: an engine that runs out of memory ends its thread, not the hub. */
  maxHeapMb?: number;
}

/** Triage as the hub uses it: the text is capped and classified on a worker thread. */
export interface TriagePool {
  /** Rejects only with TriageThreadError (the thread died, hung or the pool is closed): retry it. */
  classify(text: string, context?: TriageContext): Promise<TriageResult>;
  intents: IntentDefinition[];
  /** The catalog version every result carries. */
  version: string;
  close(): Promise<void>;
}

export type TriageThreadErrorCode =
  | 'TRIAGE_THREAD_EXITED'
  | 'TRIAGE_THREAD_TIMEOUT'
  | 'TRIAGE_THREAD_FAILED'
  | 'TRIAGE_POOL_CLOSED';

/** Triage could not run (not: it ran and was unsure). The message is untouched; classify it again. */
export class TriageThreadError extends Error {
  readonly retryable = true;
  constructor(
    readonly code: TriageThreadErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TriageThreadError';
  }
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_HEAP_MB = 512;

interface PendingClassification {
  resolve(result: TriageResult): void;
  reject(error: TriageThreadError): void;
  timer: NodeJS.Timeout;
}

interface ThreadSettings {
  data: TriageThreadData;
  timeoutMs: number;
  maxHeapMb: number;
  /** Set once the catalog is known: the LLM client lives here, in the hub. */
  llm(): LlmClassifierPort | undefined;
}

/** One worker thread and the classifications it owes. */
class TriageThread {
  readonly ready: Promise<{ intents: IntentDefinition[]; version: string }>;
  private readonly worker: Worker;
  private readonly pending = new Map<number, PendingClassification>();
  private nextId = 0;
  private lastError: string | undefined;
  private exitCode: TriageThreadErrorCode = 'TRIAGE_THREAD_EXITED';
  exited = false;

  constructor(private readonly settings: ThreadSettings) {
    const entry = threadEntry();
    this.worker = new Worker(entry.source, {
      eval: entry.eval,
      workerData: settings.data,
      resourceLimits: { maxOldGenerationSizeMb: settings.maxHeapMb },
    });
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (message: FromTriageThread) => {
        if (message.type === 'ready') resolve({ intents: message.intents, version: message.version });
        else this.receive(message);
      });
      this.worker.on('error', (error) => {
        this.lastError = error.message;
      });
      this.worker.once('exit', () => {
        this.exited = true;
        const why = this.lastError ?? 'the triage thread stopped';
        reject(new TriageThreadError('TRIAGE_THREAD_EXITED', `triage could not start: ${why}`));
        this.failAll(new TriageThreadError(this.exitCode, why));
      });
    });
    // Start-up failures are reported by startTriagePool; a later crash only by the messages it held.
    this.ready.catch(() => undefined);
  }

  get load(): number {
    return this.pending.size;
  }

  classify(text: string, context: TriageContext | undefined): Promise<TriageResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.exitCode = 'TRIAGE_THREAD_TIMEOUT';
        this.lastError = `a classification took longer than ${this.settings.timeoutMs} ms; the thread was stopped`;
        void this.worker.terminate();
      }, this.settings.timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      this.post({ type: 'classify', id, text, ...(context ? { context } : {}) });
    });
  }

  async stop(): Promise<void> {
    this.exitCode = 'TRIAGE_POOL_CLOSED';
    this.lastError = 'triage is shutting down';
    await this.worker.terminate();
  }

  private post(message: ToTriageThread): void {
    if (!this.exited) this.worker.postMessage(message);
  }

  private receive(message: Exclude<FromTriageThread, { type: 'ready' }>): void {
    if (message.type === 'llm') {
      void this.askLlm(message.callId, message.text);
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.type === 'result') pending.resolve(message.result);
    else pending.reject(new TriageThreadError('TRIAGE_THREAD_FAILED', message.message));
  }

  private async askLlm(callId: number, text: string): Promise<void> {
    const llm = this.settings.llm();
    try {
      if (!llm) throw new Error('no LLM is configured');
      this.post({ type: 'llm-verdict', callId, verdict: await llm.classify(text) });
    } catch (error) {
      this.post({
        type: 'llm-failed',
        callId,
        ...(error instanceof LlmClassificationError ? { code: error.code } : {}),
        message: error instanceof Error ? error.message : 'LLM call failed',
      });
    }
  }

  private failAll(error: TriageThreadError): void {
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.pending.clear();
  }
}

/**
 * The compiled thread body next to this file (`npm start` runs dist/), or, when running from the
 * TypeScript sources (tsx scripts, jest), a two-line bootstrap that registers tsx in the thread first.
 */
function threadEntry(): { source: string; eval: boolean } {
  const compiled = path.join(__dirname, 'triage-thread.js');
  if (existsSync(compiled)) return { source: compiled, eval: false };
  const tsx = require.resolve('tsx/cjs');
  const source = path.join(__dirname, 'triage-thread.ts');
  return { source: `require(${JSON.stringify(tsx)});require(${JSON.stringify(source)});`, eval: true };
}

/**
 * Starts the triage threads, each running createTriage, and waits until they have loaded the intent
 * catalog (a broken catalog fails here, at start). The hub's event loop only posts the capped text
 * and receives the result: no message, however long or hostile, can stall webhooks or sockets.
 */
export async function startTriagePool(options: TriagePoolOptions = {}): Promise<TriagePool> {
  let llm: LlmClassifierPort | undefined;
  const settings: ThreadSettings = {
    data: { intentsDir: options.intentsDir, llm: options.llm !== undefined },
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxHeapMb: options.maxHeapMb ?? DEFAULT_MAX_HEAP_MB,
    llm: () => llm,
  };
  const threads = Array.from({ length: Math.max(1, options.threads ?? 1) }, () => new TriageThread(settings));
  let catalog: { intents: IntentDefinition[]; version: string } | undefined;
  try {
    [catalog] = await Promise.all(threads.map((thread) => thread.ready));
  } catch (error) {
    await Promise.all(threads.map((thread) => thread.stop()));
    throw error;
  }
  if (!catalog) throw new TriageThreadError('TRIAGE_THREAD_FAILED', 'no triage thread started');
  llm = options.llm?.(catalog.intents);
  let closed = false;

  // A thread that died is replaced when next needed; its messages were already failed for a retry.
  const leastLoaded = (): TriageThread => {
    for (let i = 0; i < threads.length; i++) if (threads[i]!.exited) threads[i] = new TriageThread(settings);
    return threads.reduce((best, thread) => (thread.load < best.load ? thread : best));
  };

  return {
    intents: catalog.intents,
    version: catalog.version,
    async classify(text, context) {
      if (closed) throw new TriageThreadError('TRIAGE_POOL_CLOSED', 'triage is shutting down');
      const capped = capForTriage(typeof text === 'string' ? text : '');
      const result = await leastLoaded().classify(capped.text, context);
      return capped.unread > 0
        ? {
            ...result,
            reasons: [...result.reasons, unreadReason(capped.unread)],
            findings: [...result.findings, sentence(unreadReason(capped.unread))],
          }
        : result;
    },
    async close() {
      closed = true;
      await Promise.all(threads.map((thread) => thread.stop()));
    },
  };
}
