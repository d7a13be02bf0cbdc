import { APPD_YAML, buildTgz, validFiles, withManifest, zipOf } from '../csar/support/packages.js';

/** A package built here that produces the service posiu requires, with a DNS and a traffic rule. */
export async function providerPackage(): Promise<Buffer> {
  const chart = await buildTgz([
    { name: 'provider/Chart.yaml', data: 'apiVersion: v2\nname: provider\nversion: 1.0.0\n' },
    { name: 'provider/values.yaml', data: 'appconfig:\n  appnamespace: default\n' },
    { name: 'provider/templates/deployment.yaml', data: [
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: {{ .Release.Name }}', 'spec:', '  replicas: 1',
      '  selector: {matchLabels: {app: "{{ .Release.Name }}"}}', '  template:', '    metadata: {labels: {app: "{{ .Release.Name }}"}}',
      '    spec: {containers: [{name: app, image: "example.invalid/provider:1"}]}', ''].join('\n') },
  ]);
  const appd = APPD_YAML.replace(/        appServiceRequired:\n(?:          .*\n)+?(?=        appServiceProduced)/, '').replace('serName: demo-api', 'serName: service-discovery');
  const files = { ...validFiles(chart), 'APPD/Definition/MainServiceTemplate.yaml': appd, 'Image/SwImageDesc.json': '[]' };
  return zipOf(withManifest(files));
}

/** A package with one Deployment and nothing for the MEP (no services required, no rules). */
export async function plainPackage(): Promise<Buffer> {
  const chart = await buildTgz([
    { name: 'plain/Chart.yaml', data: 'apiVersion: v2\nname: plain\nversion: 1.0.0\n' },
    { name: 'plain/templates/deployment.yaml', data: [
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: "{{ .Release.Name }}"', 'spec:', '  replicas: 1',
      '  selector: {matchLabels: {app: "{{ .Release.Name }}"}}', '  template:', '    metadata: {labels: {app: "{{ .Release.Name }}"}}',
      '    spec: {containers: [{name: app, image: "example.invalid/plain:1"}]}', ''].join('\n') },
  ]);
  const appd = APPD_YAML.replace(/        appServiceRequired:\n(?:          .*\n)+?(?=        appServiceProduced)/, '').replace('appSupportMp1: true', 'appSupportMp1: false')
    .replace(/        appTrafficRule:[\s\S]*$/, '');
  return zipOf(withManifest({ ...validFiles(chart), 'APPD/Definition/MainServiceTemplate.yaml': appd, 'Image/SwImageDesc.json': '[]' }));
}
