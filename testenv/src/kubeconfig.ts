import { dump } from 'js-yaml';

export interface KubeconfigInput {
  readonly clusterName: string;
  readonly server: string;
  readonly caPem: string;
  readonly user: string;
  readonly certPem: string;
  readonly keyPem: string;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** Renders a self-contained kubeconfig (certificates inline) for one user of one cluster. */
export function renderKubeconfig(input: KubeconfigInput): string {
  return dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: input.clusterName, cluster: { server: input.server, 'certificate-authority-data': b64(input.caPem) } }],
    users: [{ name: input.user, user: { 'client-certificate-data': b64(input.certPem), 'client-key-data': b64(input.keyPem) } }],
    contexts: [{ name: input.clusterName, context: { cluster: input.clusterName, user: input.user } }],
    'current-context': input.clusterName,
  });
}
