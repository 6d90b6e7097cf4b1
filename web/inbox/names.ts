import { useSyncExternalStore } from 'react';

/**
 * Human names for the slugs the API speaks in (queues, intents): `nurse-triage` reads "Nurse triage",
 * `clinical_question` reads "Clinical question". Queues carry the clinic's own name from the server
 * (GET /queues); a slug the page has no name for is spelled out the same way.
 */
export function humanize(slug: string | null | undefined): string {
  if (!slug) return '';
  const words = slug.replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// The queue names the server gave, by queue id: one store the inbox fills whenever it loads its
// queues, read by every view that shows a queue (list rows, thread header, triage notes).
let queueNames: ReadonlyMap<string, string> = new Map();
const listeners = new Set<() => void>();

export function rememberQueueNames(queues: readonly { id: string; name: string }[]): void {
  queueNames = new Map(queues.map((q) => [q.id, q.name]));
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** `queueName('nurse-triage')` → "Nurse triage", the server's name when it has one. */
export function useQueueName(): (id: string | null | undefined) => string {
  const names = useSyncExternalStore(subscribe, () => queueNames);
  return (id) => (id ? (names.get(id) ?? humanize(id)) : '');
}

/** Intents have no display name server-side: their slug, spelled out. */
export const intentName = (name: string | null | undefined): string => humanize(name);
