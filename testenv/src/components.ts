/**
 * Command lines of the control-plane components, as pure functions of a cluster's files and
 * ports. Flags follow what controller-runtime's envtest and kubeadm pass, trimmed to loopback.
 */
import { join } from 'node:path';
import type { Binaries } from './binaries.js';
import type { ProcessRecord } from './process.js';

export interface ClusterFiles {
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly servingCert: string;
  readonly servingKey: string;
  readonly saPrivateKey: string;
  readonly saPublicKey: string;
  readonly adminKubeconfig: string;
}

export function etcdProcess(bin: Binaries, dataDir: string, clientPort: number, peerPort: number, logFile: string): ProcessRecord {
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return {
    name: 'etcd', command: bin.etcd, logFile,
    args: [
      '--name=testenv', `--data-dir=${dataDir}`,
      `--listen-client-urls=${client}`, `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`, `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=testenv=${peer}`,
      // Test data need not survive a power cut; fsync would dominate on a shared disk.
      '--unsafe-no-fsync', '--quota-backend-bytes=4294967296', '--log-level=warn',
    ],
  };
}

export function apiserverProcess(
  bin: Binaries, files: ClusterFiles, name: string, port: number, etcdUrl: string,
): ProcessRecord {
  return {
    name: 'kube-apiserver', command: bin.kubeApiserver, logFile: join(files.dir, 'kube-apiserver.log'),
    args: [
      `--etcd-servers=${etcdUrl}`, `--etcd-prefix=/registry-${name}`,
      '--bind-address=127.0.0.1', `--secure-port=${port}`, '--advertise-address=127.0.0.1',
      `--cert-dir=${files.dir}`, `--tls-cert-file=${files.servingCert}`, `--tls-private-key-file=${files.servingKey}`,
      `--client-ca-file=${files.caCert}`,
      '--authorization-mode=RBAC', '--allow-privileged=true',
      '--service-cluster-ip-range=10.96.0.0/16',
      `--service-account-issuer=https://127.0.0.1:${port}`,
      `--service-account-key-file=${files.saPublicKey}`,
      `--service-account-signing-key-file=${files.saPrivateKey}`,
      '--profiling=false', '--v=0',
    ],
  };
}

export function controllerManagerProcess(bin: Binaries, files: ClusterFiles): ProcessRecord {
  return {
    name: 'kube-controller-manager', command: bin.kubeControllerManager,
    logFile: join(files.dir, 'kube-controller-manager.log'),
    args: [
      `--kubeconfig=${files.adminKubeconfig}`, '--leader-elect=false', '--secure-port=0',
      `--service-account-private-key-file=${files.saPrivateKey}`, `--root-ca-file=${files.caCert}`,
      `--cluster-signing-cert-file=${files.caCert}`, `--cluster-signing-key-file=${files.caKey}`,
      '--use-service-account-credentials=false', '--profiling=false', '--v=0',
    ],
  };
}

export function schedulerProcess(bin: Binaries, files: ClusterFiles): ProcessRecord {
  return {
    name: 'kube-scheduler', command: bin.kubeScheduler, logFile: join(files.dir, 'kube-scheduler.log'),
    args: [`--kubeconfig=${files.adminKubeconfig}`, '--leader-elect=false', '--secure-port=0', '--profiling=false', '--v=0'],
  };
}

/** The label and annotation that mark a Node as one kwok plays the kubelet for. */
export const fakeNodeMarker = { key: 'kwok.x-k8s.io/node', value: 'fake' } as const;

export function kwokProcess(bin: Binaries, files: ClusterFiles, serverPort: number): ProcessRecord {
  return {
    name: 'kwok', command: bin.kwok, logFile: join(files.dir, 'kwok.log'),
    args: [
      `--kubeconfig=${files.adminKubeconfig}`, `--config=${bin.kwokStages}`,
      '--manage-all-nodes=false',
      `--manage-nodes-with-annotation-selector=${fakeNodeMarker.key}=${fakeNodeMarker.value}`,
      '--manage-nodes-with-label-selector=', '--manage-single-node=',
      '--cidr=10.244.0.0/16', '--node-ip=127.0.0.1', '--node-lease-duration-seconds=40',
      `--server-address=127.0.0.1:${serverPort}`,
    ],
  };
}

export function registryProcess(bin: Binaries, configFile: string, logFile: string): ProcessRecord {
  return { name: 'registry', command: bin.registry, args: ['serve', configFile], logFile };
}

export function registryConfig(storageDir: string, port: number): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storageDir}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: testenv-${port}`,
    '',
  ].join('\n');
}
