/** The answer of every tenancy check: allowed, or refused with a message that names the missing grant. */
export type Verdict = { readonly ok: true } | { readonly ok: false; readonly message: string };

export const allowed: Verdict = Object.freeze({ ok: true });

export function refused(message: string): Verdict {
  return { ok: false, message };
}

/** The first refusal of `verdicts`, or allowed. */
export function firstRefusal(...verdicts: readonly Verdict[]): Verdict {
  return verdicts.find((v) => !v.ok) ?? allowed;
}
