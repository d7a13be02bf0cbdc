/**
 * Failures of a MEP call as typed data. EdgeGallery's MEP answers every refusal with HTTP 400 or
 * 404 and a ProblemDetails body `{title, status, detail}` whose `status` is its own error code,
 * not the HTTP one; `classifyAnswer` turns that into a kind the controller can act on, plus a
 * finer `detailReason` where the MEP's code or text says more. Messages never contain the token.
 * A MepError is a ReasonedError: `reason` (MEP<kind>) is the condition reason, `transient`
 * says whether a retry alone may pass.
 */
import type { ReasonedError } from '../runtime/reconcile.js';
import type { MepTask } from './types.js';

/** What went wrong, coarsely: the controller decides backoff and conditions from this. */
export type MepErrorKind =
  | 'Unauthorized' // 401/403: token missing or wrong
  | 'NotFound' // 404: no configuration / task, or (detailReason NoChange) a PUT that changes no rule
  | 'Conflict' // the configuration exists, another change is running, or a name is taken
  | 'Invalid' // the MEP refused the body (validation, size, app name mismatch)
  | 'ServerError' // 5xx or an answer that is not the contract
  | 'Timeout' // no answer in time, or a task still PROCESSING at the deadline
  | 'Unreachable' // connection refused, reset, DNS
  | 'TlsUntrusted'; // the MEP's certificate is not signed by the CA we were given (or names another host)

/** The condition reason of a MepError: its kind, prefixed so it reads as the MEP's. */
export type MepFailureReason = `MEP${MepErrorKind}`;

/** Finer causes the MEP tells apart by its error code or detail text. */
export type MepErrorReason =
  | 'AlreadyExists' // POST: "duplicate app instance"
  | 'DuplicateAppName' // POST: another instance holds a configuration with this appName
  | 'DuplicateDomainName' // a DNS domainName is already used by another instance (or twice in the body)
  | 'OperationInProgress' // a task of this instance is still PROCESSING
  | 'NoChange' // PUT: no traffic or DNS rule differs from what the MEP holds (appName/appSupportMp1 are not compared)
  | 'AppNameMismatch' // PUT: appName differs from the stored one; the MEP cannot rename
  | 'BodyTooLarge'
  | 'TaskTimeout'; // waitForTask: the deadline passed while the task was PROCESSING

export class MepError extends Error implements ReasonedError {
  override readonly name = 'MepError';

  constructor(
    readonly kind: MepErrorKind,
    message: string,
    readonly details: {
      /** HTTP status of the answer, when there was one. */
      readonly status?: number;
      /** The MEP's own detail text (ProblemDetails `detail`, or the gateway's `message`). */
      readonly detail?: string;
      /** The MEP's internal error code (ProblemDetails `status`), e.g. 19 DuplicateOperation. */
      readonly mepCode?: number;
      readonly detailReason?: MepErrorReason;
      /** Node's error code for transport failures, e.g. ECONNREFUSED or UNABLE_TO_VERIFY_LEAF_SIGNATURE. */
      readonly code?: string;
      /** waitForTask: the last state seen before the deadline. */
      readonly lastTask?: MepTask;
    } = {},
  ) {
    super(message);
  }

  get status(): number | undefined { return this.details.status; }
  get detail(): string | undefined { return this.details.detail; }
  get detailReason(): MepErrorReason | undefined { return this.details.detailReason; }
  get reason(): MepFailureReason { return `MEP${this.kind}`; }

  /**
   * True for failures that may go away by themselves (retry with backoff); false for those a
   * person or a different request must fix (token, CA, body, a name taken by another instance).
   */
  get transient(): boolean {
    switch (this.kind) {
      case 'ServerError':
      case 'Timeout':
      case 'Unreachable':
        return true;
      case 'Conflict':
        return this.detailReason === 'OperationInProgress';
      default:
        return false;
    }
  }
}

/** `transient` of a MepError; false for anything else. */
export function isTransient(error: unknown): boolean {
  return error instanceof MepError && error.transient;
}

// Error codes of EdgeGallery's mepserver (mepserver/common/util/const.go).
const MEP_CODE = {
  SerErrFailBase: 1,
  SerInstanceNotFound: 3,
  ParseInfoErr: 4,
  SubscriptionNotFound: 5,
  OperateDataWithEtcdErr: 6,
  AuthorizationValidateErr: 11,
  RequestParamErr: 14,
  ResourceExists: 16,
  DuplicateOperation: 19,
  ForbiddenOperation: 20,
} as const;

/** The parts of an error answer's body we read: ProblemDetails, or a gateway's `{message}`. */
export interface ErrorBody {
  readonly detail?: string;
  readonly title?: string;
  readonly mepCode?: number;
}

/** Reads a ProblemDetails (any key case) or `{message}` body; never throws. */
export function parseErrorBody(text: string): ErrorBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const trimmed = text.trim();
    return trimmed ? { detail: trimmed.slice(0, 500) } : {};
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  const lower = new Map(Object.entries(parsed).map(([k, v]) => [k.toLowerCase(), v] as const));
  const str = (key: string) => {
    const value = lower.get(key);
    return typeof value === 'string' && value ? value.slice(0, 1000) : undefined;
  };
  const status = lower.get('status');
  return {
    detail: str('detail') ?? str('message') ?? str('detailed') ?? str('error'),
    title: str('title'),
    mepCode: typeof status === 'number' ? status : undefined,
  };
}

/** Turns an HTTP error answer into a MepError. `what` names the call, e.g. "POST appd_configuration of app-1". */
export function classifyAnswer(status: number, body: ErrorBody, what: string): MepError {
  const { detail, mepCode } = body;
  const text = (detail ?? '').toLowerCase();
  const details = { status, detail, mepCode };
  const says = detail ? `: ${detail}` : '';
  if (status === 401 || status === 403) {
    return new MepError('Unauthorized', `${what}: the MEP refused the token (HTTP ${status})${says}`, details);
  }
  if (status === 404) {
    const noChange = text.includes('no modification');
    return new MepError('NotFound', `${what}: HTTP 404${says}`, { ...details, detailReason: noChange ? 'NoChange' : undefined });
  }
  if (status === 409 || status === 422 || mepCode === MEP_CODE.DuplicateOperation || mepCode === MEP_CODE.ForbiddenOperation
    || mepCode === MEP_CODE.ResourceExists || /duplicate|in progress|already exist/.test(text)) {
    const detailReason: MepErrorReason | undefined = text.includes('app name') ? 'DuplicateAppName'
      : text.includes('dns') ? 'DuplicateDomainName'
        : text.includes('in progress') || mepCode === MEP_CODE.ForbiddenOperation ? 'OperationInProgress'
          : text.includes('duplicate app instance') || text.includes('already exist') || status === 409 ? 'AlreadyExists'
            : undefined;
    if (status < 500) return new MepError('Conflict', `${what}: HTTP ${status}${says}`, { ...details, detailReason });
  }
  if (status >= 400 && status < 500) {
    const detailReason: MepErrorReason | undefined = text.includes("app-name doesn't match") ? 'AppNameMismatch'
      : status === 413 || text.includes('too large') ? 'BodyTooLarge' : undefined;
    return new MepError('Invalid', `${what}: the MEP refused the request (HTTP ${status})${says}`, { ...details, detailReason });
  }
  return new MepError('ServerError', `${what}: the MEP answered HTTP ${status}${says}`, details);
}

// Node's codes for certificates that do not verify against the CA we trust.
const TLS_TRUST_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_UNTRUSTED', 'CERT_REJECTED',
]);

/** Turns a transport failure (no HTTP answer) into a MepError. */
export function classifyTransport(error: unknown, what: string, scrub: (text: string) => string = (t) => t): MepError {
  if (error instanceof MepError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = scrub(error instanceof Error ? error.message : String(error));
  if (code && TLS_TRUST_CODES.has(code)) {
    return new MepError('TlsUntrusted', `${what}: the MEP's certificate is not trusted (${code}); give the CA that signed it`, { code });
  }
  return new MepError('Unreachable', `${what}: no answer from the MEP: ${message}`, { code });
}
