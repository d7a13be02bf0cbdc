/**
 * Every MECM kind's CRD definition, in the order they are installed (EdgeHost and Tenant
 * first: the others refer to them). The generator, the tests and the operator's start-up check read this list.
 */
import { appDeploymentCrd } from './appdeployment.js';
import { appInstanceCrd } from './appinstance.js';
import { appPackageCrd } from './apppackage.js';
import { appRuleCrd } from './apprule.js';
import { edgeHostCrd } from './edgehost.js';
import { notificationSubscriptionCrd } from './notificationsubscription.js';
import type { CrdDefinition } from './schema/crd.js';
import { tenantCrd } from './tenant.js';

/** All CRDs of the mecm.io group. */
export const crdDefinitions: readonly CrdDefinition[] = [edgeHostCrd, tenantCrd, appPackageCrd, appInstanceCrd, appRuleCrd, notificationSubscriptionCrd, appDeploymentCrd];
