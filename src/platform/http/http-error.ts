import type { ApiErrorBody } from '../../../contracts/inbox-api';

/** An error with an HTTP status and a stable machine-readable code; the error handler renders it as JSON. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The JSON body of every error answer; the staff pages read it as the same type. */
export type ErrorBody = ApiErrorBody;

export function errorBody(code: string, message: string, details?: Record<string, unknown>): ErrorBody {
  return { error: details ? { code, message, details } : { code, message } };
}
