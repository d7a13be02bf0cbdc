/**
 * An error answered by a Kubernetes API server, carrying its HTTP code and Status reason
 * (NotFound, Conflict, AlreadyExists, Gone, Invalid, …). The message is the server's, which
 * names the object but never holds request bodies or credentials.
 */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The request never got an answer: connection refused, TLS failure, timeout, abort. */
export class TransportError extends Error {
  /** Node's error code, e.g. ECONNREFUSED or SELF_SIGNED_CERT_IN_CHAIN, when there was one. */
  readonly code: string | undefined;

  constructor(message: string, readonly timedOut: boolean, code?: string) {
    super(message);
    this.name = 'TransportError';
    this.code = code;
  }
}

export const isNotFound = (e: unknown): boolean => e instanceof ApiError && e.code === 404;
export const isConflict = (e: unknown): boolean => e instanceof ApiError && e.code === 409 && e.reason === 'Conflict';
export const isAlreadyExists = (e: unknown): boolean => e instanceof ApiError && e.code === 409 && e.reason === 'AlreadyExists';
export const isGone = (e: unknown): boolean => e instanceof ApiError && e.code === 410;

export function parseStatusBody(code: number, body: string): ApiError {
  try {
    const status = JSON.parse(body) as { reason?: string; message?: string; details?: { retryAfterSeconds?: number } };
    return new ApiError(code, status.reason ?? String(code), status.message ?? `HTTP ${code}`, status.details?.retryAfterSeconds);
  } catch {
    return new ApiError(code, String(code), `HTTP ${code}: ${body.slice(0, 200)}`);
  }
}
