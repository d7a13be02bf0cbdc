/**
 * Builders of CSAR packages for tests: a valid container package with correct SHA-256
 * manifest hashes, as a map of files that tests change to make it hostile.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { buildZip, type ZipEntrySpec } from './zip-builder.js';

/** Package files by archive path. */
export type Files = Record<string, string | Buffer>;

/** A tar member. */
export interface TarMember {
  name: string;
  data?: string | Buffer;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  linkname?: string;
}

/** Builds a tar archive (not gzipped) with tar-stream, names written as given. */
export async function buildTar(members: TarMember[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const member of members) {
    const type = member.type ?? 'file';
    const data = type === 'file' ? Buffer.from(member.data ?? '') : undefined;
    await new Promise<void>((resolve, reject) => {
      const header = { name: member.name, type, mode: type === 'directory' ? 0o755 : 0o644, ...(member.linkname ? { linkname: member.linkname } : {}) };
      const callback = (err?: Error | null) => (err ? reject(err) : resolve());
      if (data !== undefined) pack.entry({ ...header, size: data.length }, data, callback);
      else pack.entry(header, callback);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A gzipped tar. */
export async function buildTgz(members: TarMember[]): Promise<Buffer> {
  return gzipSync(await buildTar(members));
}

/** A minimal Helm chart tarball. */
export async function chartTgz(name = 'demo', version = '1.2.3'): Promise<Buffer> {
  return buildTgz([
    { name: `${name}/Chart.yaml`, data: `apiVersion: v2\nname: ${name}\nversion: ${version}\nappVersion: "1.0"\n` },
    { name: `${name}/values.yaml`, data: 'appconfig:\n  appnamespace: default\n' },
    { name: `${name}/templates/deployment.yaml`, data: 'kind: Deployment\n' },
  ]);
}

/** APPD of the test app: one traffic rule, one DNS rule, services, inputs, one VDU. */
export const APPD_YAML = `tosca_definitions_version: tosca_simple_profile_yaml_1_2
description: Demo app of the CSAR tests
metadata:
  vnfd_name: demo-appd
  template_author: Tests
topology_template:
  inputs:
    replicas:
      type: integer
      default: 2
      description: Number of pods
  node_templates:
    demo_vnf:
      type: tosca.nodes.nfv.VNF
      properties:
        provider: Tests
        product_name: demo
        software_version: 2.0.0
    vdu1:
      type: tosca.nodes.nfv.Vdu.Compute
      properties:
        name: vdu1
      capabilities:
        virtual_compute:
          properties:
            virtual_memory:
              virtual_mem_size: 2048
            virtual_cpu:
              num_virtual_cpu: 2
            virtual_local_storage:
              size_of_storage: 10
    app_configuration:
      type: tosca.nodes.nfv.app.configuration
      properties:
        appName: demo
        appSupportMp1: true
        appServiceRequired:
          - serName: location
            version: 1.0
            requestedPermissions: true
        appServiceProduced:
          - serName: demo-api
            version: 1.0
            trafficRuleIdList: [r1]
            dnsRuleIdList: [d1]
        appTrafficRule:
          - trafficRuleId: r1
            filterType: flow
            priority: 5
            trafficFilter:
              - dstAddress: [192.0.2.0/24]
                dstPort: [443]
                protocol: [TCP]
            action: FORWARD_AS_IS
            dstInterface:
              interfaceType: IP
              dstIpAddress: 192.0.2.10
        appDnsRule:
          - dnsRuleId: d1
            domainName: demo.mec.example
            ipAddressType: IP_V4
            ipAddress: 192.0.2.10
            ttl: 30
`;

/** SwImageDesc.json of the test app. */
export const SW_IMAGE_DESC = JSON.stringify([
  { id: 'img-1', name: 'demo', version: '1.0', swImage: 'registry.example/demo/demo:1.0', architecture: 'X86', size: 1234 },
]);

/** Files of a valid container package using the directory layout (no manifest yet). */
export function validFiles(chart: Buffer): Files {
  return {
    'TOSCA-Metadata/TOSCA.meta': 'TOSCA-Meta-File-Version: 1.0\nCSAR-Version: 1.1\nCreated-By: tests\nEntry-Definitions: APPD/Definition/MainServiceTemplate.yaml\n',
    'APPD/Definition/MainServiceTemplate.yaml': APPD_YAML,
    'Image/SwImageDesc.json': SW_IMAGE_DESC,
    'Artifacts/Deployment/Charts/demo.tgz': chart,
  };
}

/** Default manifest metadata of the test app. */
export const METADATA: Record<string, string> = {
  app_product_name: 'demo',
  app_provider_id: 'Tests',
  app_package_version: '2.0',
  app_release_data_time: '2024-05-01 10:00',
  app_type: 'container',
  app_class: 'container',
  app_package_description: 'A demo package',
};

/** Manifest text hashing `sources` of `files` with SHA-256 (a source not in `files` gets a zero hash). */
export function manifestText(files: Files, sources: string[], metadata: Record<string, string> = METADATA): string {
  const lines = ['metadata:', ...Object.entries(metadata).map(([key, value]) => `${key}: ${value}`), ''];
  for (const source of sources) {
    const content = files[source];
    const hash = content === undefined ? '0'.repeat(64) : createHash('sha256').update(content).digest('hex');
    lines.push(`Source: ${source}`, 'Algorithm: SHA-256', `Hash: ${hash}`, '');
  }
  return lines.join('\n');
}

/** `files` plus `demo.mf` hashing the APPD and chart sources (or `sources`). */
export function withManifest(files: Files, sources: string[] = Object.keys(files).filter((path) => path.startsWith('APPD/') || path.endsWith('.tgz'))): Files {
  return { ...files, 'demo.mf': manifestText(files, sources) };
}

/** The zip of `files`, deflated, in insertion order; `extra` entries appended as given. */
export function zipOf(files: Files, extra: ZipEntrySpec[] = []): Buffer {
  return buildZip([...Object.entries(files).map(([name, data]) => ({ name, data })), ...extra]);
}

/** A temp directory for tests (see sandbox). */
export type Sandbox = Awaited<ReturnType<typeof sandbox>>;

/**
 * Mocha hooks for the enclosing describe: a sandbox and the demo chart, made before its tests and
 * removed after them. Read the fields inside tests and hooks, not at describe time.
 */
export function sandboxWithChart(): { readonly box: Sandbox; readonly chart: Buffer } {
  const kit = {} as { box: Sandbox; chart: Buffer };
  before(async function () {
    kit.box = await sandbox();
    kit.chart = await chartTgz();
  });
  after(async () => kit.box.remove());
  return kit;
}

/** A temp directory for one test, with `input/` and `scratch/` paths, and a way to list and remove it. */
export async function sandbox(): Promise<{ root: string; input: (name: string, data: Buffer) => Promise<string>; scratch: string; list: () => Promise<string[]>; remove: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'csar-test-'));
  const scratch = join(root, 'scratch');
  return {
    root,
    scratch,
    async input(name, data) {
      await mkdir(join(root, 'input'), { recursive: true });
      const file = join(root, 'input', name);
      await writeFile(file, data);
      return file;
    },
    async list() {
      const entries = await readdir(root, { recursive: true, withFileTypes: true });
      return entries.map((entry) => relative(root, join(entry.parentPath, entry.name))).sort();
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
