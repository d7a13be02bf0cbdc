/**
 * EdgeGallery CSAR packages: open (vet, extract what is needed, parse) and verify. No
 * Kubernetes in here; the AppPackage controller is the only caller. See docs/csar.md.
 */
export { CsarError, isCsarError, type CsarErrorReason } from './errors.js';
export { defaultCsarLimits, resolveLimits, type CsarLimits } from './limits.js';
export { openCsar } from './package.js';
export {
  verifyPackage, judgeHashes, judgeRules, type RulesVerdict, type VerificationPolicy, type VerifyFailureReason, type VerifyResult, type VerifyOptions,
} from './verify.js';
export { normaliseRules, type NormalisedRules } from './rules.js';
export type {
  AppMetadata, Appd, AppdInput, AppdLayout, Chart, ComputeRequirements, CsarPackage, HashCheck, HashStatus, JsonValue,
  Manifest, ManifestFile, RuleProblem, ServiceDependency, ServiceProduced, SwImage,
} from './types.js';
