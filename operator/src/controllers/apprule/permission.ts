/**
 * Whether an AppRule may speak to its host's MEP: the namespace's Tenant grants the host, and
 * every rule of the spec lies within the Tenant's MEP grant (spec.mep). Pure; judged before
 * anything is read from or sent to the MEP. Also judges the other claimants of an
 * appInstanceId, so a refused AppRule cannot hold an id against one that may speak.
 */
import type { AppRule } from '../../api/apprule.js';
import type { EdgeHost } from '../../api/edgehost.js';
import { hostVerdict, tenantName, type Governance } from '../../tenancy/governance.js';
import { ruleGrantProblems } from '../../tenancy/rules.js';
import { allowed, refused, type Verdict } from '../../tenancy/verdict.js';

/** Problems named in full in the message; the rest are counted. */
const problemsNamed = 5;

export function rulePermission(g: Governance, rule: AppRule, host: EdgeHost | undefined): Verdict {
  const hostGranted = hostVerdict(g, { name: rule.spec.hostRef.name, labels: host?.metadata.labels });
  if (!hostGranted.ok || g.kind !== 'Governed') return hostGranted;
  const problems = ruleGrantProblems(tenantName(g) ?? '', g.tenant.spec.mep, rule.spec);
  if (!problems.length) return allowed;
  const more = problems.length > problemsNamed ? `; and ${problems.length - problemsNamed} more` : '';
  return refused(`the rules exceed Tenant ${tenantName(g) ?? ''}'s MEP grant: ${problems.slice(0, problemsNamed).join('; ')}${more}; an admin must widen the Tenant's spec.mep, or change the rules`);
}

/** The AppRule has sent the MEP a change (or seen it hold the spec): what the MEP holds may be its own. */
export function spokeToMep(rule: AppRule): boolean {
  return rule.status?.taskId !== undefined || rule.status?.appliedDigest !== undefined;
}
