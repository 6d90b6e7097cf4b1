import type { StaffRole } from '../../contracts/inbox-api';

/** The staff API as the pages use it: the session cookie, plus the CSRF token on writes. */

export interface Staff {
  id: string;
  email: string;
  name: string;
  role: StaffRole;
  queues: string[];
}

export interface Session {
  staff: Staff;
  /** Sent back as X-CSRF-Token on writes; the session itself is the HttpOnly cookie, never seen here. */
  csrfToken: string | null;
  expiresAt: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let current: Session | null = null;
let onUnauthorized: (() => void) | null = null;

export function setSession(session: Session | null): void {
  current = session;
}

export function getSession(): Session | null {
  return current;
}

/** Called when the API answers 401 to a request made with a session (it expired or was revoked). */
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface ApiOptions {
  /**
   * Sent as `Idempotency-Key` on a write: the hub runs the write once per key and replays its first
   * answer to a retry. Make one per user action and reuse it when retrying that action.
   */
  idempotencyKey?: string | null;
}

/** A fresh key for one user action (128 random bits; getRandomValues works on plain-http hubs too). */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function api<T>(
  method: Method,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
  options: ApiOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && current?.csrfToken) headers['x-csrf-token'] = current.csrfToken;
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    signal,
  });
  const text = await res.text();
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (!res.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
    if (res.status === 401 && current && !path.startsWith('/auth/login')) onUnauthorized?.();
    throw new ApiError(
      res.status,
      error?.code ?? `http_${res.status}`,
      error?.message ?? `The hub answered ${res.status}`,
      parsed,
    );
  }
  return parsed as T;
}

interface LoginAnswer {
  expiresAt?: string;
  staff: Staff;
  csrfToken?: string;
}

export async function login(email: string, password: string): Promise<Session> {
  const answer = await api<LoginAnswer>('POST', '/auth/login', { email, password });
  const session: Session = {
    staff: answer.staff,
    csrfToken: answer.csrfToken ?? null,
    expiresAt: answer.expiresAt ?? null,
  };
  setSession(session);
  return session;
}

/** The session of the cookie, after a reload; null when there is none. */
export async function restoreSession(): Promise<Session | null> {
  try {
    const answer = await api<{ staff: Staff; csrfToken?: string; expiresAt?: string }>('GET', '/auth/me');
    const session: Session = {
      staff: answer.staff,
      csrfToken: answer.csrfToken ?? null,
      expiresAt: answer.expiresAt ?? null,
    };
    setSession(session);
    return session;
  } catch {
    return null;
  }
}

export async function logout(): Promise<void> {
  try {
    await api('POST', '/auth/logout', {});
  } finally {
    setSession(null);
  }
}
