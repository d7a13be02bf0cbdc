/**
 * The app the GitOps tests deploy: a CSAR whose APPD asks for no MEP services or rules (so no
 * MEP is needed), with a chart that either runs one Deployment (made Ready by kwok) or can never
 * install (a NodePort Service on port 80, which the edge's API server refuses).
 */
import { APPD_YAML, buildTgz, validFiles, withManifest, zipOf } from '../../csar/support/packages.js';

export type GitopsApp = 'hello' | 'doomed';

const templates: Record<GitopsApp, string> = {
  hello: [
    'apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: "{{ .Release.Name }}"}',
    'spec:', '  replicas: 1', '  selector: {matchLabels: {app: "{{ .Release.Name }}"}}',
    '  template:', '    metadata: {labels: {app: "{{ .Release.Name }}"}}',
    '    spec: {containers: [{name: app, image: "example.invalid/hello:1"}]}', '',
  ].join('\n'),
  doomed: [
    'apiVersion: v1', 'kind: Service', 'metadata: {name: "{{ .Release.Name }}"}',
    'spec: {type: NodePort, selector: {app: x}, ports: [{port: 80, nodePort: 80}]}', '',
  ].join('\n'),
};

/** The CSAR of `app`, as the appstore simulator serves it. */
export async function gitopsPackage(app: GitopsApp): Promise<Buffer> {
  const chart = await buildTgz([
    { name: `${app}/Chart.yaml`, data: `apiVersion: v2\nname: ${app}\nversion: 1.0.0\n` },
    { name: `${app}/templates/workload.yaml`, data: templates[app] },
  ]);
  // Everything after appSupportMp1 is services and rules: none of them, and no Mp1 either.
  const appd = APPD_YAML.replace(/ {8}appSupportMp1: true[\s\S]*$/, '        appSupportMp1: false\n');
  return zipOf(withManifest({ ...validFiles(chart), 'APPD/Definition/MainServiceTemplate.yaml': appd, 'Image/SwImageDesc.json': '[]' }));
}
