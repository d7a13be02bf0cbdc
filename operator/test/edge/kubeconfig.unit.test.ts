/**
 * The edge kubeconfig allowlist: every field that could run code, read the operator's files or
 * route traffic elsewhere is refused by name; what is accepted is rebuilt from the allowlist
 * only, so nothing else reaches our client or helm.
 */
import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import { KubeconfigError } from '../../src/edge/clients.js';
import { parseEdgeKubeconfig, renderKubeconfig, strictKubeconfigPolicy, toKubeConfig } from '../../src/edge/kubeconfig.js';

const ca = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');

function kubeconfig(cluster: Record<string, unknown>, user: Record<string, unknown>, context: Record<string, unknown> = {}): string {
  return yaml.dump({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'edge',
    clusters: [{ name: 'c', cluster: { server: 'https://10.0.0.1:6443', 'certificate-authority-data': ca, ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'edge', context: { cluster: 'c', user: 'u', ...context } }],
  });
}

function refusal(text: string, policy = strictKubeconfigPolicy): KubeconfigError {
  try {
    parseEdgeKubeconfig(text, policy);
  } catch (error) {
    assert.ok(error instanceof KubeconfigError, String(error));
    return error;
  }
  assert.fail('accepted');
}

describe('Edge kubeconfig allowlist', () => {
  it('accepts a token or a client certificate and rebuilds only those fields', () => {
    const edge = parseEdgeKubeconfig(kubeconfig({ 'tls-server-name': 'edge.example' }, { token: 'abc' }, { namespace: 'apps' }), strictKubeconfigPolicy);
    assert.deepEqual(edge, { server: 'https://10.0.0.1:6443', certificateAuthorityData: ca, tlsServerName: 'edge.example', token: 'abc' });
    const rebuilt = yaml.load(renderKubeconfig(edge)) as { users: Array<{ user: Record<string, unknown> }>; clusters: Array<{ cluster: Record<string, unknown> }> };
    assert.deepEqual(rebuilt.users[0]?.user, { token: 'abc' });
    assert.deepEqual(rebuilt.clusters[0]?.cluster, { server: 'https://10.0.0.1:6443', 'certificate-authority-data': ca, 'tls-server-name': 'edge.example' });
    const cert = parseEdgeKubeconfig(kubeconfig({}, { 'client-certificate-data': ca, 'client-key-data': ca }), strictKubeconfigPolicy);
    assert.equal(toKubeConfig(cert).getCurrentUser()?.certData, ca);
  });

  const refused: Array<[string, Record<string, unknown>, Record<string, unknown>, RegExp]> = [
    ['exec credential plugins', {}, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: '/bin/sh', args: ['-c', 'id'] } }, /users\[u\]\.user\.exec .*run programs inside the operator/],
    ['auth-provider', {}, { 'auth-provider': { name: 'oidc', config: {} } }, /users\[u\]\.user\.auth-provider .*run code/],
    ['tokenFile', {}, { tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' }, /users\[u\]\.user\.tokenFile .*file paths/],
    ['client-certificate (a file)', {}, { 'client-certificate': '/etc/passwd', 'client-key-data': ca }, /users\[u\]\.user\.client-certificate .*file paths/],
    ['client-key (a file)', {}, { 'client-certificate-data': ca, 'client-key': '/etc/shadow' }, /users\[u\]\.user\.client-key .*file paths/],
    ['certificate-authority (a file)', { 'certificate-authority': '/etc/ssl/certs/ca-certificates.crt' }, { token: 't' }, /clusters\[c\]\.cluster\.certificate-authority .*file paths/],
    ['proxy-url', { 'proxy-url': 'http://attacker.example:3128' }, { token: 't' }, /clusters\[c\]\.cluster\.proxy-url .*proxies/],
    ['basic auth', {}, { username: 'admin', password: 'x' }, /users\[u\]\.user\.username .*only the server/],
    ['impersonation', {}, { token: 't', as: 'system:admin' }, /users\[u\]\.user\.as .*only the server/],
    ['insecure-skip-tls-verify', { 'insecure-skip-tls-verify': true }, { token: 't' }, /clusters\[c\]\.cluster\.insecure-skip-tls-verify .*--insecure-kubeconfig-tls/],
    ['credentials in the server URL', { server: 'https://admin:pw@10.0.0.1:6443' }, { token: 't' }, /clusters\[c\]\.cluster\.server .*credentials in the URL/],
    ['a server that is not http(s)', { server: 'file:///etc/passwd' }, { token: 't' }, /clusters\[c\]\.cluster\.server .*only https/],
    ['a plain-http server', { server: 'http://10.0.0.1:8080' }, { token: 't' }, /clusters\[c\]\.cluster\.server .*plain http sends the credentials in the clear/],
    ['an unknown field', { extensions: [] }, { token: 't' }, /clusters\[c\]\.cluster\.extensions is not accepted/],
  ];
  for (const [what, cluster, user, message] of refused) {
    it(`refuses ${what} as KubeconfigRejected, naming the field`, () => {
      const error = refusal(kubeconfig(cluster, user));
      assert.equal(error.reason, 'KubeconfigRejected');
      assert.match(error.message, message);
      assert.ok(!error.message.includes('/var/run/secrets') && !error.message.includes('attacker'), 'the message does not echo values');
    });
  }

  it('refuses unknown context fields too', () => {
    assert.match(refusal(kubeconfig({}, { token: 't' }, { extensions: [] })).message, /contexts\[edge\]\.context\.extensions/);
  });

  it('allows exec and insecure-skip-tls-verify only with their flags, and never file paths', () => {
    const exec = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'edge-login', args: ['--cluster', 'e1'], env: [{ name: 'A', value: 'b' }] } };
    const edge = parseEdgeKubeconfig(kubeconfig({ 'insecure-skip-tls-verify': true }, exec), { allowExec: true, allowInsecureTls: true });
    assert.equal(edge.exec?.command, 'edge-login');
    assert.equal(edge.insecureSkipTlsVerify, true);
    assert.match(renderKubeconfig(edge), /interactiveMode: Never/);
    assert.equal(refusal(kubeconfig({}, { tokenFile: '/t' }), { allowExec: true, allowInsecureTls: true }).reason, 'KubeconfigRejected');
  });

  it('reports unreadable kubeconfigs as KubeconfigInvalid', () => {
    assert.equal(refusal('clusters: [ {{{ not yaml').reason, 'KubeconfigInvalid');
    assert.match(refusal('apiVersion: v1\nkind: Config\nclusters: []\n').message, /no current context/);
    assert.equal(refusal(kubeconfig({}, { token: 't' }).replace('cluster: c', 'cluster: missing')).reason, 'KubeconfigInvalid');
    const bomb = `a: &a ["x","x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ncurrent-context: x\n`;
    assert.equal(refusal(bomb).reason, 'KubeconfigInvalid');
  });
});
