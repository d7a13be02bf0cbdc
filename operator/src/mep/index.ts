/** The MEP client and its pure helpers; see client.ts for the contract and docs/mep.md for the wire. */
export { MepClient, type MepClientOptions, type WaitOptions } from './client.js';
export { canonicalJson, configDigest, sameConfig } from './digest.js';
export { isTransient, MepError, type MepErrorKind, type MepErrorReason, type MepFailureReason } from './errors.js';
export { isTaskFinished, type ConfigResult, type MepAppConfig, type MepTask } from './types.js';
export { fromWire, normalizeConfig, parseTask, toWire } from './wire.js';
