/** Image and artifact references: `host[:port]/path[:tag][@sha256:…]`. */
export interface ImageReference {
  readonly host: string;
  readonly repository: string;
  /** Tag, or digest (`sha256:…`) when the reference pins one. */
  readonly reference: string;
}

const digestPattern = /^sha256:[a-f0-9]{64}$/;

/** Parses a reference; the host is required (no implicit Docker Hub), tag defaults to `latest`. */
export function parseReference(text: string): ImageReference {
  const trimmed = text.replace(/^oci:\/\//, '');
  const slash = trimmed.indexOf('/');
  if (slash <= 0) throw new Error(`"${text}" names no registry host`);
  const host = trimmed.slice(0, slash);
  let rest = trimmed.slice(slash + 1);
  let reference = 'latest';
  const at = rest.indexOf('@');
  if (at >= 0) {
    reference = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digestPattern.test(reference)) throw new Error(`"${text}" has a malformed digest`);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon > 0) {
      reference = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
    }
  }
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(rest)) {
    throw new Error(`"${text}" has an invalid repository path "${rest}"`);
  }
  return { host, repository: rest, reference };
}

export function formatReference(ref: ImageReference): string {
  return `${ref.host}/${ref.repository}${digestPattern.test(ref.reference) ? '@' : ':'}${ref.reference}`;
}

export function isDigest(reference: string): boolean {
  return digestPattern.test(reference);
}
