/**
 * Verification verdicts this process reached, per AppPackage, with the inputs they were
 * reached on (package digest, policy, trusted CA). Verifying is deterministic in those inputs,
 * so a verdict stands until one of them changes; a CA rotated in its Secret is a new input.
 * Lost on restart, by design: the parsed packages are too, and are verified again with them.
 */
import type { VerifyResult } from '../../csar/index.js';

export class Verifications {
  private readonly verdicts = new Map<string, { readonly inputs: string; readonly result: VerifyResult }>();

  /** The verdict for the package `key` on these inputs, if reached. */
  get(key: string, inputs: string): VerifyResult | undefined {
    const known = this.verdicts.get(key);
    return known?.inputs === inputs ? known.result : undefined;
  }

  set(key: string, inputs: string, result: VerifyResult): void {
    this.verdicts.set(key, { inputs, result });
  }

  forget(key: string): void {
    this.verdicts.delete(key);
  }
}
