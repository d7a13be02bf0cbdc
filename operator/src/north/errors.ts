/**
 * The one error North's handlers throw for a refusal the caller must see: an HTTP status (4xx,
 * or 503 when the hub cannot be asked), a message that says what is wrong and what to do, and
 * the code EdgeGallery's lcmcontroller used for the same refusal (its `retCode`). The server's
 * error handler turns it into the body shape of the route's family (answers.ts); anything else
 * thrown is a bug and answers 500 without detail.
 */
export type NorthStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 503;

/** lcmcontroller's error codes (mecm-applcm util/util.go), where one fits. */
export const lcmCodes = {
  forbidden: 31000,
  unauthorized: 31001,
  badRequest: 31002,
  instanceExists: 31013,
  badInstanceId: 31035,
  noManifest: 31106,
  instanceNotFound: 31301,
  packageNotFound: 31303,
  hostNotFound: 31304,
  unavailable: 31500,
} as const;

export class NorthError extends Error {
  constructor(readonly status: NorthStatus, message: string, readonly code?: number) {
    super(message);
    this.name = 'NorthError';
  }
}

export const badRequest = (message: string, code: number = lcmCodes.badRequest) => new NorthError(400, message, code);
export const unauthorized = (message: string) => new NorthError(401, message, lcmCodes.unauthorized);
export const forbidden = (message: string) => new NorthError(403, message, lcmCodes.forbidden);
export const notFound = (message: string, code?: number) => new NorthError(404, message, code);
export const conflict = (message: string, code?: number) => new NorthError(409, message, code);
export const unavailable = (message: string) => new NorthError(503, message, lcmCodes.unavailable);
