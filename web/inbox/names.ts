import { useSyncExternalStore } from 'react';

/**
 * Human names for the slugs the API speaks in (queues, intents): `nurse-triage` reads "Nurse triage",
 * `clinical_question` reads "Clinical question". Queues carry the clinic's own name from the server
 * (GET /queues), intents their label from intents/ (GET /triage/intents); a slug the page has no
 * name for yet is spelled out.
 */
export function humanize(slug: string | null | undefined): string {
  if (!slug) return '';
  const words = slug.replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * Names the server gave for slugs, by slug: one store per kind that the inbox fills whenever it
 * loads them, read by every view that shows one (list rows, thread header, triage notes).
 */
function nameStore() {
  let names: ReadonlyMap<string, string> = new Map();
  const listeners = new Set<() => void>();
  const subscribe = (listener: () => void) => {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  };
  return {
    remember(entries: Iterable<readonly [string, string]>): void {
      names = new Map(entries);
      for (const listener of listeners) listener();
    },
    /** A lookup that re-renders its component when the names arrive; a slug without one is spelled out. */
    useName(): (slug: string | null | undefined) => string {
      const current = useSyncExternalStore(subscribe, () => names);
      return (slug) => (slug ? (current.get(slug) ?? humanize(slug)) : '');
    },
  };
}

const queueNames = nameStore();
const intentLabels = nameStore();

export function rememberQueueNames(queues: readonly { id: string; name: string }[]): void {
  queueNames.remember(queues.map((q) => [q.id, q.name]));
}

/** `queueName('nurse-triage')` → "Nurse triage", the server's name when it has one. */
export const useQueueName = queueNames.useName;

/** Intent labels come from intents/*.yaml through GET /triage/intents ("Help with the text line"). */
export function rememberIntentLabels(intents: readonly { name: string; label: string }[]): void {
  intentLabels.remember(intents.map((i) => [i.name, i.label]));
}

/** `intentName('clinical_question')` → the intent's label from the server ("Clinical question"). */
export const useIntentName = intentLabels.useName;
