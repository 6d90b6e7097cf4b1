import { randomUUID } from 'node:crypto';

/** Ids are made in the app, not the database, so a job id can equal the message id before the insert commits. */
export const newId = (): string => randomUUID();
