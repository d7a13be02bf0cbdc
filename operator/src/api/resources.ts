/** The REST resource types of the MECM kinds, for the runtime's informers and clients. */
import type { ResourceType } from '../runtime/kube/resource.js';
import { crdDefinitions } from './crds.js';
import type { CrdDefinition } from './schema/crd.js';
import { GROUP, VERSION } from './group.js';

function resourceType(def: CrdDefinition): ResourceType {
  return { group: GROUP, version: VERSION, plural: def.plural, kind: def.kind, namespaced: def.scope === 'Namespaced' };
}

const byKind = (kind: string): ResourceType => {
  const def = crdDefinitions.find((d) => d.kind === kind);
  if (!def) throw new Error(`no CRD for ${kind}`);
  return resourceType(def);
};

export const mecmTypes = {
  edgeHost: byKind('EdgeHost'),
  tenant: byKind('Tenant'),
  appPackage: byKind('AppPackage'),
  appInstance: byKind('AppInstance'),
  appRule: byKind('AppRule'),
  notificationSubscription: byKind('NotificationSubscription'),
  appDeployment: byKind('AppDeployment'),
} as const;
