/**
 * Who is calling North: a Kubernetes identity (any token the hub's TokenReview authenticates,
 * e.g. a ServiceAccount's) or an appstore user (an EdgeGallery JWT verified locally). Either is
 * authorized the same way afterwards: a SubjectAccessReview for the user and groups.
 */
import type { KubeUser } from '../../runtime/kube-auth.js';

export type Caller =
  | { readonly kind: 'Kubernetes'; readonly user: KubeUser }
  | { readonly kind: 'Appstore'; readonly userId: string; readonly user: KubeUser };

/** The appstore user id of the caller, if it is an appstore user. */
export function appstoreUserId(caller: Caller): string | undefined {
  return caller.kind === 'Appstore' ? caller.userId : undefined;
}
