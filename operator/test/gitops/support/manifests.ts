/**
 * The GitOps repository of the tests, generated for the local clusters: what an admin keeps
 * (platform/) and what a team keeps (apps/, apps-doomed/), as files of a Flux artifact.
 *
 *   platform/     Namespace, Tenant, the team's ServiceAccount and Role, the edge's kubeconfig
 *                 Secret and its EdgeHost             ── applied as the admin
 *   apps/         AppPackage + AppInstance "hello"    ── applied as the team's ServiceAccount
 *   apps-second/  AppInstance "second" of hello       ── the same, a package already on the host
 *   apps-doomed/  AppPackage + AppInstance "doomed"   ── the same, and it can never install
 *   apps-forbidden/ an EdgeHost                        ── the same, which the team may not write
 */
import yaml from 'js-yaml';
import type { AppInstance } from '../../../src/api/appinstance.js';
import type { AppPackage } from '../../../src/api/apppackage.js';
import type { EdgeHost } from '../../../src/api/edgehost.js';
import type { Tenant } from '../../../src/api/tenant.js';
import type { GitopsApp } from './package.js';
import type { ArtifactFile } from './flux-artifact.js';

export interface GitopsSite {
  /** The team's hub namespace and the name of its Tenant. */
  readonly team: string;
  /** The EdgeHost's name; its kubeconfig Secret is `<host>-kubeconfig` in `operatorNamespace`. */
  readonly host: string;
  readonly operatorNamespace: string;
  readonly edgeKubeconfig: string;
  readonly edgeRegistryUrl: string;
  readonly appstoreUrl: string;
}

/** The ServiceAccount (in the team's namespace) the team's Kustomizations apply as. */
export const teamServiceAccount = 'gitops';

const document = (objects: readonly object[]) => objects.map((o) => yaml.dump(o, { lineWidth: -1, noRefs: true })).join('---\n');

export function gitopsRepository(site: GitopsSite): ArtifactFile[] {
  return [
    { name: 'platform/team.yaml', data: document(teamObjects(site)) },
    { name: 'platform/edgehost.yaml', data: document(edgeObjects(site)) },
    { name: 'apps/hello.yaml', data: document(appObjects(site, 'hello')) },
    { name: 'apps-doomed/doomed.yaml', data: document(appObjects(site, 'doomed')) },
    { name: 'apps-second/second.yaml', data: document([instanceOf(site, 'hello', 'second')]) },
    // What only the admin may write, in the team's part of the repository.
    { name: 'apps-forbidden/edgehost.yaml', data: document([edgeObjects({ ...site, host: `${site.host}-stolen` })[1]!]) },
  ];
}

/** The team's namespace, its grant (this host only, edge namespaces `<team>-*`) and its GitOps identity. */
function teamObjects({ team, host }: GitopsSite): object[] {
  const tenant: Tenant = {
    apiVersion: 'mecm.io/v1alpha1', kind: 'Tenant', metadata: { name: team },
    spec: { namespaces: [team], hosts: { names: [host] } },
  };
  // What docs/tenancy.md gives a team: its own kinds in its own namespace, never status.
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'mecm-apps', namespace: team },
    rules: [{ apiGroups: ['mecm.io'], resources: ['apppackages', 'appinstances', 'apprules'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] }],
  };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: team } },
    tenant,
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: teamServiceAccount, namespace: team } },
    role,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'mecm-apps', namespace: team },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'mecm-apps' },
      subjects: [{ kind: 'ServiceAccount', name: teamServiceAccount, namespace: team }],
    },
  ];
}

function edgeObjects({ host, operatorNamespace, edgeKubeconfig, edgeRegistryUrl }: GitopsSite): object[] {
  const secret = `${host}-kubeconfig`;
  const edgeHost: EdgeHost = {
    apiVersion: 'mecm.io/v1alpha1', kind: 'EdgeHost', metadata: { name: host },
    spec: {
      infrastructure: { type: 'kubernetes', kubeconfigSecretRef: { name: secret, namespace: operatorNamespace } },
      repository: { url: edgeRegistryUrl, insecure: true },
    },
  };
  return [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: secret, namespace: operatorNamespace }, stringData: { kubeconfig: edgeKubeconfig } },
    edgeHost,
  ];
}

/** The package from the appstore and one instance of it on the host, in `<team>-<app>` on the edge. */
function appObjects({ team, host, appstoreUrl }: GitopsSite, app: GitopsApp): object[] {
  const pkg: AppPackage = {
    apiVersion: 'mecm.io/v1alpha1', kind: 'AppPackage', metadata: { name: app, namespace: team },
    spec: {
      source: { appstore: { url: appstoreUrl, appId: app, packageId: 'v1' } },
      distribution: { hostNames: [host] },
      images: { mirror: 'Skip' },
    },
  };
  return [pkg, instanceOf({ team, host }, app, app)];
}

/** An instance `name` of package `app` on the host, in `<team>-<name>` on the edge. */
function instanceOf({ team, host }: Pick<GitopsSite, 'team' | 'host'>, app: GitopsApp, name: string): AppInstance {
  return {
    apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', metadata: { name, namespace: team },
    spec: {
      packageRef: { name: app }, hostRef: { name: host }, namespace: `${team}-${name}`,
      // A failed install is not retried: the doomed instance stalls at its first failure.
      remediation: { retries: 0 },
    },
  };
}
