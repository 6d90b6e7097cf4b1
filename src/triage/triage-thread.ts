import { parentPort, workerData } from 'node:worker_threads';
import { LlmClassificationError, type LlmVerdict } from './llm-port';
import { createTriage } from './triage';
import type { FromTriageThread, ToTriageThread, TriageThreadData } from './triage-thread-protocol';

/**
 * The body of one triage thread (see triage-thread-pool.ts): builds the engine with createTriage,
 * whatever engine that is, and classifies what the hub sends, off the hub's event loop.
 */
const port = parentPort;
if (!port) throw new Error('triage-thread runs only as a worker thread');
const data = workerData as TriageThreadData;
const send = (message: FromTriageThread) => port.postMessage(message);

const llmCalls = new Map<number, { resolve(v: LlmVerdict): void; reject(e: Error): void }>();
let nextCallId = 0;
const askHub = (text: string) =>
  new Promise<LlmVerdict>((resolve, reject) => {
    const callId = nextCallId++;
    llmCalls.set(callId, { resolve, reject });
    send({ type: 'llm', callId, text });
  });

const triage = createTriage({
  intentsDir: data.intentsDir,
  llm: data.llm ? () => ({ classify: askHub }) : undefined,
});

port.on('message', (message: ToTriageThread) => {
  switch (message.type) {
    case 'classify':
      triage.classify(message.text, message.context).then(
        (result) => send({ type: 'result', id: message.id, result }),
        (error: unknown) =>
          send({
            type: 'failed',
            id: message.id,
            message: error instanceof Error ? error.message : 'failed',
          }),
      );
      return;
    case 'llm-verdict':
    case 'llm-failed': {
      const call = llmCalls.get(message.callId);
      llmCalls.delete(message.callId);
      if (message.type === 'llm-verdict') call?.resolve(message.verdict);
      else
        call?.reject(
          message.code
            ? new LlmClassificationError(message.code, message.message)
            : new Error(message.message),
        );
      return;
    }
  }
});

send({ type: 'ready', intents: triage.intents, version: triage.classifyLocal('').version });
