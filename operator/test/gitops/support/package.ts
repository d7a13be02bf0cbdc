/**
 * The apps the GitOps tests deploy, as the appstore simulator serves them: `hello` is the
 * shared plain package (one Deployment, made Ready by kwok; no MEP services or rules); `doomed`
 * has the same APPD and a chart that can never install (a NodePort Service on port 80, which
 * the edge's API server refuses).
 */
import { APPD_YAML, buildTgz, validFiles, withManifest, zipOf } from '../../csar/support/packages.js';
import { plainPackage } from '../../support/apps.js';

export type GitopsApp = 'hello' | 'doomed';

/** The CSAR of `app`. */
export async function gitopsPackage(app: GitopsApp): Promise<Buffer> {
  if (app === 'hello') return plainPackage();
  const chart = await buildTgz([
    { name: 'doomed/Chart.yaml', data: 'apiVersion: v2\nname: doomed\nversion: 1.0.0\n' },
    { name: 'doomed/templates/service.yaml', data: 'apiVersion: v1\nkind: Service\nmetadata: {name: "{{ .Release.Name }}"}\nspec: {type: NodePort, selector: {app: x}, ports: [{port: 80, nodePort: 80}]}\n' },
  ]);
  // Everything after appSupportMp1 is services and rules: none of them, and no Mp1 either.
  const appd = APPD_YAML.replace(/ {8}appSupportMp1: true[\s\S]*$/, '        appSupportMp1: false\n');
  return zipOf(withManifest({ ...validFiles(chart), 'APPD/Definition/MainServiceTemplate.yaml': appd, 'Image/SwImageDesc.json': '[]' }));
}
