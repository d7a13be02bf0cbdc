/**
 * The API group every MECM custom resource belongs to, and the shape they all share.
 * Runtime code imports these names instead of spelling out 'mecm.io' itself.
 */
import type { ObjectMeta } from '../runtime/kube/resource.js';

/** The API group of all MECM kinds. */
export const GROUP = 'mecm.io';

/** The only served (and stored) version. */
export const VERSION = 'v1alpha1';

/** `apiVersion` of every MECM object. */
export const API_VERSION = `${GROUP}/${VERSION}` as const;

/** The category every MECM CRD joins, so `kubectl get mecm` lists them all. */
export const CATEGORY = 'mecm';

/** A MECM object as the API server returns it: `status` is absent until a controller writes it. */
export interface CustomObject<Kind extends string, Spec, Status> {
  apiVersion: typeof API_VERSION;
  kind: Kind;
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status;
}
