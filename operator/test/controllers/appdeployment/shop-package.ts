/**
 * The package the AppDeployment suite rolls out: one Deployment whose pod template carries the
 * `version` value (so each version is a real change on the edge) and takes `nodeSelector` from
 * the values — a selector no kwok node matches makes a version whose pod never becomes Ready.
 */
import { APPD_YAML, buildTgz, validFiles, withManifest, zipOf } from '../../csar/support/packages.js';

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: "{{ .Release.Name }}"
spec:
  replicas: 1
  selector: {matchLabels: {app: "{{ .Release.Name }}"}}
  template:
    metadata:
      labels: {app: "{{ .Release.Name }}"}
      annotations: {shop/version: "{{ .Values.version }}"}
    spec:
      {{- with .Values.nodeSelector }}
      nodeSelector: {{- toYaml . | nindent 8 }}
      {{- end }}
      containers: [{name: shop, image: "example.invalid/shop:1"}]
`;

/** A CSAR with the shop chart, an APPD that needs nothing from the MEP, and one X86 image. */
export async function shopPackage(): Promise<Buffer> {
  const chart = await buildTgz([
    { name: 'shop/Chart.yaml', data: 'apiVersion: v2\nname: shop\nversion: 1.0.0\n' },
    { name: 'shop/values.yaml', data: 'version: v0\n' },
    { name: 'shop/templates/deployment.yaml', data: deployment },
  ]);
  const appd = APPD_YAML.replace(/        appServiceRequired:\n(?:          .*\n)+?(?=        appServiceProduced)/, '').replace('appSupportMp1: true', 'appSupportMp1: false')
    .replace(/        appTrafficRule:[\s\S]*$/, '');
  // The image list gives the package an architecture, which placement requires of every host.
  const images = [{ id: 'shop', name: 'shop', version: '1', swImage: 'example.invalid/shop:1', architecture: 'X86' }];
  return zipOf(withManifest({ ...validFiles(chart), 'APPD/Definition/MainServiceTemplate.yaml': appd, 'Image/SwImageDesc.json': JSON.stringify(images) }));
}
