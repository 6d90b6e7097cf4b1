import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTriage, type Triage } from '../../src/triage';
import { openAiTriageClassifier } from './openai-triage-classifier';

// A stand-in for an OpenAI-compatible endpoint, so the real `openai` SDK is exercised over HTTP.
type Mode =
  | { kind: 'ok'; intent: string; urgency: string }
  | { kind: 'malformed' }
  | { kind: 'slow' }
  | { kind: 'http500' };

let server: Server;
let mode: Mode = { kind: 'ok', intent: 'cancel', urgency: 'routine' };
let requests: Record<string, unknown>[] = [];
let triage: Triage;

// Unknown language: the local layers fall back with low confidence, which is when the LLM is asked.
const UNSURE_TEXT = 'je voudrais annuler mon rendez-vous demain';

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      requests.push(JSON.parse(body) as Record<string, unknown>);
      const reply = (content: string) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: 'chatcmpl-test',
            object: 'chat.completion',
            created: 0,
            model: 'test-model',
            choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          }),
        );
      };
      if (mode.kind === 'ok') reply(JSON.stringify({ intent: mode.intent, urgency: mode.urgency }));
      else if (mode.kind === 'malformed') reply('{"intent": "cancel", urgency');
      else if (mode.kind === 'http500') {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'boom', type: 'server_error' } }));
      } else setTimeout(() => reply(JSON.stringify({ intent: 'cancel', urgency: 'routine' })), 1500).unref();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  triage = createTriage({
    llm: openAiTriageClassifier({
      apiKey: 'test-key',
      baseURL: `http://127.0.0.1:${port}/v1`,
      model: 'test-model',
      timeoutMs: 300,
    }),
  });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests = [];
  mode = { kind: 'ok', intent: 'cancel', urgency: 'routine' };
});

describe('LLM layer', () => {
  test('an unsure message is sent to the LLM and its verdict is used', async () => {
    const result = await triage.classify(UNSURE_TEXT);
    expect(requests).toHaveLength(1);
    expect(result).toMatchObject({ intent: 'cancel', queue: 'front-desk', engine: 'llm' });
    expect(result.reasons[0]).toMatch(/LLM chose cancel/);
  });

  test('the request carries the text and the intent list only', async () => {
    await triage.classify(UNSURE_TEXT, { lastOutboundTemplate: 'custom-template-xyz', language: 'fr' });
    const body = requests[0]!;
    expect(Object.keys(body).sort()).toEqual(['messages', 'model', 'response_format', 'temperature']);
    const messages = body.messages as { role: string; content: string }[];
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(messages[1]!.content).toBe(UNSURE_TEXT);
    for (const intent of triage.intents) {
      expect(messages[0]!.content).toContain(`- ${intent.name}: ${intent.description}`);
    }
    const serialized = JSON.stringify(body);
    expect(serialized).not.toContain('custom-template-xyz');
    expect(serialized).not.toContain(triage.classifyLocal(UNSURE_TEXT).version);
    const format = body.response_format as {
      type: string;
      json_schema: {
        strict: boolean;
        schema: { properties: { intent: { enum: string[] }; urgency: { enum: string[] } } };
      };
    };
    expect(format.type).toBe('json_schema');
    expect(format.json_schema.strict).toBe(true);
    expect(format.json_schema.schema.properties.intent.enum).toEqual(triage.intents.map((i) => i.name));
    expect(format.json_schema.schema.properties.urgency.enum).toEqual([
      'routine',
      'soon',
      'urgent',
      'emergency',
    ]);
  });

  test.each([
    ['malformed JSON', { kind: 'malformed' } as Mode, /malformed JSON/],
    ['a timeout', { kind: 'slow' } as Mode, /timed out/],
    ['HTTP 500', { kind: 'http500' } as Mode, /HTTP 500/],
    ['an unknown intent', { kind: 'ok', intent: 'teleport', urgency: 'routine' } as Mode, /invalid verdict/],
    ['an unknown urgency', { kind: 'ok', intent: 'cancel', urgency: 'whenever' } as Mode, /invalid verdict/],
  ])('on %s the local result is kept, with a reason', async (_what, failure, reason) => {
    mode = failure;
    const local = triage.classifyLocal(UNSURE_TEXT);
    const result = await triage.classify(UNSURE_TEXT);
    expect(requests).toHaveLength(1);
    expect(result).toMatchObject({
      intent: local.intent,
      engine: local.engine,
      confidence: local.confidence,
    });
    expect(result.reasons.at(-1)).toMatch(reason);
    expect(result.reasons.at(-1)).toMatch(/kept the local result/);
  });

  test('a red flag is decided locally: the LLM is not asked and cannot downgrade it', async () => {
    mode = { kind: 'ok', intent: 'general', urgency: 'routine' };
    const result = await triage.classify('crushing chest pain, je ne peux pas respirer');
    expect(requests).toHaveLength(0);
    expect(result).toMatchObject({ intent: 'emergency', urgency: 'emergency', engine: 'red-flag' });
  });

  test('a confident local result and a context reply do not call the LLM', async () => {
    await triage.classify('I need a refill of my lisinopril');
    await triage.classify('C', { lastOutboundTemplate: 'appointment-reminder' });
    expect(requests).toHaveLength(0);
  });

  test('classifyLocal never calls the LLM', () => {
    triage.classifyLocal(UNSURE_TEXT);
    expect(requests).toHaveLength(0);
  });

  test('the LLM may raise urgency but not below the intent default', async () => {
    mode = { kind: 'ok', intent: 'clinical_question', urgency: 'routine' };
    expect((await triage.classify(UNSURE_TEXT)).urgency).toBe('soon');
    mode = { kind: 'ok', intent: 'clinical_question', urgency: 'urgent' };
    expect((await triage.classify(UNSURE_TEXT)).urgency).toBe('urgent');
  });

  test('clinical text the local layers call non-urgent gets a second opinion that may raise it to an emergency', async () => {
    const text = 'my stomach has been hurting since this morning and I feel strange';
    const local = triage.classifyLocal(text);
    expect(local).toMatchObject({ intent: 'clinical_question' });
    expect(local.urgency).not.toBe('emergency');
    mode = { kind: 'ok', intent: 'emergency', urgency: 'emergency' };
    const result = await triage.classify(text);
    expect(requests).toHaveLength(1);
    expect(result).toMatchObject({
      intent: 'emergency',
      urgency: 'emergency',
      queue: 'nurse-triage',
      engine: 'llm',
    });
    expect(result.reasons[0]).toMatch(/LLM raised urgency from \w+ to emergency/);
  });

  test('the LLM never lowers clinical text: a red flag without acuity stays urgent with the nurses', async () => {
    const text = 'I get short of breath walking to the mailbox';
    const local = triage.classifyLocal(text);
    expect(local).toMatchObject({ intent: 'clinical_question', urgency: 'urgent', engine: 'red-flag' });
    mode = { kind: 'ok', intent: 'general', urgency: 'routine' };
    const result = await triage.classify(text);
    expect(requests).toHaveLength(1);
    expect(result).toMatchObject({ intent: 'clinical_question', urgency: 'urgent', queue: 'nurse-triage' });
    expect(result.reasons.at(-1)).toMatch(/did not raise urgency/);
  });

  test('the LLM may raise clinical text to urgent without changing its intent', async () => {
    const text = 'is it normal to feel dizzy on the new medicine';
    mode = { kind: 'ok', intent: 'clinical_question', urgency: 'urgent' };
    const result = await triage.classify(text);
    expect(result).toMatchObject({ intent: 'clinical_question', urgency: 'urgent', engine: 'llm' });
  });
});
