/**
 * Helm failures, classified from what helm prints on stderr. Helm has no machine-readable
 * errors, so this is a table of the phrases helm 3 and the API server use, tried in order;
 * the table tests in operator/test/lcm/helm-errors.unit.test.ts hold real helm output.
 */
import type { EdgeIdentity } from '../../tenancy/identity.js';
import { LcmError, type LcmErrorKind } from '../plugin.js';
import { forbiddenAdvice, refusesIdentity } from './forbidden.js';

/** A failed helm command; `message` names the command and release, never credentials. */
export class HelmError extends LcmError {
  constructor(kind: LcmErrorKind, message: string, readonly command: string, readonly exitCode?: number) {
    super(kind, message);
    this.name = 'HelmError';
  }
}

/** What the classifier knows about the call besides helm's words. */
export interface FailureContext {
  /** `host:port` of the chart's registry, to tell its network errors from the cluster's. */
  readonly registryHost?: string;
  /** The tenant's identity helm ran as (--kube-as-user), to tell its refusals from the admin's. */
  readonly identity?: EdgeIdentity;
}

const network = /connection refused|no such host|i\/o timeout|dial tcp|TLS handshake|connection reset|network is unreachable|server gave HTTP response to HTTPS client|unexpected EOF|x509:/i;

interface Rule {
  readonly kind: LcmErrorKind;
  readonly test: (detail: string, context: FailureContext) => boolean;
}

const matches = (pattern: RegExp) => (detail: string) => pattern.test(detail);

/** First match wins: specific phrases before generic ones. */
const rules: readonly Rule[] = [
  { kind: 'OperationInProgress', test: matches(/another operation \(install\/upgrade\/rollback\) is in progress/) },
  { kind: 'ClusterUnreachable', test: matches(/Kubernetes cluster unreachable|error loading config file|invalid configuration|no configuration has been provided|context "[^"]*" does not exist/) },
  { kind: 'Forbidden', test: (detail, { identity }) => refusesIdentity(detail, identity) },
  {
    kind: 'RegistryUnreachable',
    test: (detail, { registryHost }) => network.test(detail) &&
      ((registryHost !== undefined && detail.includes(registryHost)) || /FetchReference|failed to (do|authorize) request/.test(detail)),
  },
  { kind: 'ReleaseNotFound', test: matches(/release: not found|has no deployed releases|release has no \d+ version|no revision for release/) },
  { kind: 'Conflict', test: matches(/cannot re-use a name that is still in use|provided port is already allocated|exists and cannot be imported into the current release|already exists/) },
  { kind: 'Unauthorized', test: matches(/\b401\b|\b403\b|Unauthorized|unauthorized|authentication required|basic credential not found|no basic auth credentials|You must be logged in|cannot \w+ resource|denied: requested access/) },
  { kind: 'ChartNotFound', test: matches(/FetchReference.*not found|manifest unknown|name unknown|chart "[^"]*" (version "[^"]*" )?not found|failed to download/) },
  { kind: 'ClusterUnreachable', test: matches(network) },
  {
    kind: 'InvalidValues',
    test: matches(/template: |execution error|YAML parse error|values don't meet the specifications|cannot be handled as a|is invalid:|error validating|unable to build kubernetes objects|error converting YAML|unknown field|cannot unmarshal|wrong type for value|no matches for kind/),
  },
  { kind: 'Timeout', test: matches(/context deadline exceeded|timed out waiting for the condition/) },
];

/** What the caller can do about each kind, appended to the message. */
const advice: Record<LcmErrorKind, string> = {
  ChartNotFound: 'Check that the package was distributed to this edge repository.',
  RegistryUnreachable: 'The edge repository did not answer; the operation is retried.',
  ClusterUnreachable: 'The edge cluster did not answer; the operation is retried.',
  Unauthorized: 'Check the credentials in the EdgeHost\'s Secrets.',
  Forbidden: forbiddenAdvice(undefined),
  OperationInProgress: 'An unfinished operation holds the release; unlock recovers a release left pending.',
  InvalidValues: 'Fix the values (or the chart) and apply again.',
  Conflict: 'Use another release name or namespace, or override the values that fix object names or ports.',
  ReleaseNotFound: 'The release (or that revision) does not exist on the edge.',
  OwnedByAnother: 'The release belongs to another AppInstance and is left alone; use another release name or namespace.',
  Timeout: 'The operation was stopped; the release may be left pending until unlocked.',
  Failed: 'See the message; the operation is retried.',
};

/** The error text of helm's stderr: its `Error:` line and what follows, without progress lines. */
export function errorDetail(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => !/^(Pulled|Digest|WARNING): /.test(l));
  const start = lines.findIndex((l) => l.startsWith('Error: '));
  const text = (start >= 0 ? lines.slice(start) : lines).join('\n').trim()
    .replace(/^Error: /, '').replace(/\s*\n\s*/g, ' ');
  return text.length > 1500 ? `${text.slice(0, 1500)}…` : text;
}

/** The kind of a failure from helm's error text. */
export function classifyHelmFailure(detail: string, context: FailureContext = {}): LcmErrorKind {
  return rules.find((rule) => rule.test(detail, context))?.kind ?? 'Failed';
}

/** The one-line message of a classified failure, before redaction. */
export function failureMessage(kind: LcmErrorKind, what: string, detail: string, context: FailureContext = {}): string {
  const todo = kind === 'Forbidden' ? forbiddenAdvice(context.identity) : advice[kind];
  return `${what} failed: ${detail || 'helm gave no reason'}. ${todo}`;
}
