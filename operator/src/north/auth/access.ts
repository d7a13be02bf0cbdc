/**
 * Whether a caller may do what a North request does, asked of the hub with a
 * SubjectAccessReview in the tenant's namespace — so RBAC (the RoleBindings the Tenant grant's
 * appstore users get, user-bindings.ts) is the one place access is granted. Answers are
 * remembered for a few seconds per caller and question (at most 5,000), as kube-rbac-proxy's
 * authorizer cache does, and one review is asked at a time per caller and question.
 */
import type { KubeClient } from '../../runtime/kube/client.js';
import { digestKey, reviewAccess, TtlCache, type AccessAttributes } from '../../runtime/kube-auth.js';
import { GROUP } from '../../api/group.js';
import { forbidden, unavailable } from '../errors.js';
import type { Caller } from './caller.js';

export type MecmResource = 'apppackages' | 'appinstances' | 'edgehosts';
export type Verb = 'get' | 'list' | 'create' | 'update' | 'delete';

/** One question: may the caller `verb` `resource` (in `namespace`, or cluster-wide)? */
export interface AccessQuestion {
  readonly verb: Verb;
  readonly resource: MecmResource | 'secrets';
  readonly namespace?: string;
  readonly name?: string;
}

export interface AccessReviewer {
  /** Whether the caller may; throws NorthError 503 when the hub cannot be asked. */
  allowed(caller: Caller, question: AccessQuestion): Promise<boolean>;
}

export class KubeAccessReviewer implements AccessReviewer {
  private readonly answers = new TtlCache<boolean>(5_000, 5_000);
  /** Reviews on their way, by question: callers asking the same while one runs wait for it (no burst of reviews when an answer expires). */
  private readonly asking = new Map<string, Promise<boolean>>();

  constructor(private readonly hub: KubeClient) {}

  async allowed(caller: Caller, question: AccessQuestion): Promise<boolean> {
    const key = digestKey(JSON.stringify([caller.user, question]));
    const known = this.answers.get(key);
    if (known !== undefined) return known;
    let asked = this.asking.get(key);
    if (!asked) {
      asked = this.review(caller, question)
        .then((answer) => {
          this.answers.set(key, answer);
          return answer;
        })
        .finally(() => this.asking.delete(key));
      this.asking.set(key, asked);
    }
    return asked;
  }

  private async review(caller: Caller, question: AccessQuestion): Promise<boolean> {
    const attributes: AccessAttributes = {
      kind: 'Resource', verb: question.verb, group: question.resource === 'secrets' ? '' : GROUP, resource: question.resource,
      ...(question.namespace ? { namespace: question.namespace } : {}), ...(question.name ? { name: question.name } : {}),
    };
    try {
      return await reviewAccess(this.hub, caller.user, attributes);
    } catch {
      throw unavailable('the hub could not be asked whether the caller may do this (SubjectAccessReview); try again');
    }
  }
}

/** Throws 403 unless the caller may do every one of `questions`. */
export async function requireAccess(reviewer: AccessReviewer, caller: Caller, ...questions: AccessQuestion[]): Promise<void> {
  for (const q of questions) {
    if (!(await reviewer.allowed(caller, q))) {
      const where = q.namespace ? ` in namespace ${q.namespace}` : '';
      throw forbidden(`forbidden: ${caller.user.username} may not ${q.verb} ${q.resource}${where} (an admin grants it through the Tenant's spec.appstore.userIds or RBAC)`);
    }
  }
}
