/**
 * Image and artifact references, `host[:port]/path[:tag][@sha256:…]`, checked against the OCI
 * distribution grammar: every part ends up in a URL path, so a tag like `x/../../admin?y=`
 * must never get that far.
 */
export interface ImageReference {
  readonly host: string;
  readonly repository: string;
  /** Tag, or digest (`sha256:…`) when the reference pins one (a pinned digest wins over a tag). */
  readonly reference: string;
}

const digestPattern = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
const tagPattern = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const repositoryPattern = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const hostPattern = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

/** Parses a reference; the host is required (no implicit Docker Hub), tag defaults to `latest`. Throws Error naming the bad part. */
export function parseReference(text: string): ImageReference {
  const trimmed = text.replace(/^oci:\/\//, '');
  const slash = trimmed.indexOf('/');
  if (slash <= 0) throw new Error(`"${text}" names no registry host`);
  const host = trimmed.slice(0, slash);
  if (!hostPattern.test(host)) throw new Error(`"${text}" has an invalid registry host "${host}"`);
  let rest = trimmed.slice(slash + 1);
  let reference = 'latest';
  const at = rest.indexOf('@');
  if (at >= 0) {
    reference = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digestPattern.test(reference)) throw new Error(`"${text}" has a malformed digest`);
    // `name:tag@digest`: the digest pins the content; the tag is only a label.
    const colon = rest.lastIndexOf(':');
    if (colon > 0 && !rest.slice(colon + 1).includes('/')) {
      if (!tagPattern.test(rest.slice(colon + 1))) throw new Error(`"${text}" has an invalid tag`);
      rest = rest.slice(0, colon);
    }
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon > 0) {
      reference = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
      if (!tagPattern.test(reference)) throw new Error(`"${text}" has an invalid tag "${reference.slice(0, 64)}" (letters, digits, _ . - only, at most 128)`);
    }
  }
  if (rest.length > 255 || !repositoryPattern.test(rest)) throw new Error(`"${text}" has an invalid repository path "${rest.slice(0, 128)}"`);
  return { host, repository: rest, reference };
}

export function formatReference(ref: ImageReference): string {
  return `${ref.host}/${ref.repository}${digestPattern.test(ref.reference) ? '@' : ':'}${ref.reference}`;
}

export function isDigest(reference: string): boolean {
  return digestPattern.test(reference);
}

/** A tag or a digest as the distribution API takes it in a URL path; throws Error otherwise. */
export function checkedReference(reference: string): string {
  if (!digestPattern.test(reference) && !tagPattern.test(reference)) throw new Error(`"${reference.slice(0, 64)}" is neither a tag nor a digest`);
  return reference;
}

/** A repository path as the distribution API takes it; throws Error otherwise. */
export function checkedRepository(repository: string): string {
  if (repository.length > 255 || !repositoryPattern.test(repository)) throw new Error(`"${repository.slice(0, 128)}" is not a valid repository path`);
  return repository;
}
