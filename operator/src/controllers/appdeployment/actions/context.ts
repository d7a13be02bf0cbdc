/** What the AppDeployment actions get: the deployment, its draft, the instance client, events. */
import type { AppDeployment, AppDeploymentEventReason } from '../../../api/appdeployment.js';
import type { AppInstance } from '../../../api/appinstance.js';
import type { ActionBase } from '../../../runtime/action.js';
import type { ResourceClient } from '../../../runtime/kube/resource-client.js';
import type { AppDeploymentDraft, ObservedHost } from '../summarize.js';

export interface AppDeploymentActionContext extends ActionBase<AppDeploymentDraft, AppDeploymentEventReason> {
  readonly deployment: AppDeployment;
  readonly revision: string;
  readonly hosts: readonly ObservedHost[];
  /** Our instances by name, as cached. */
  readonly instances: ReadonlyMap<string, AppInstance>;
  readonly client: ResourceClient<AppInstance>;
}
