import type { Urgency } from './index';

export const URGENCY_RANK: Record<Urgency, number> = { routine: 0, soon: 1, urgent: 2, emergency: 3 };

/** How long staff have to answer, by urgency. Clock time: the SLA does not pause outside office hours. */
export const SLA_MINUTES: Record<Urgency, number> = {
  emergency: 15,
  urgent: 60,
  soon: 4 * 60,
  routine: 24 * 60,
};

export function higherUrgency(a: Urgency, b: Urgency): Urgency {
  return URGENCY_RANK[a] >= URGENCY_RANK[b] ? a : b;
}

export function isUrgency(value: string): value is Urgency {
  return value in URGENCY_RANK;
}
