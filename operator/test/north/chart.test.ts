/**
 * The chart with North on: a real API server accepts what it renders (server-side dry run), the
 * Service is a NodePort in the appstore's 30000-32000, the flags, TLS and key volumes follow the
 * values, and it refuses to render North without a registry or without TLS (unless a proxy
 * terminates TLS).
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { envStartTimeoutMs, sharedEnv, type SharedEnv } from '../support/env.js';
import { runCommand } from '../support/kubectl.js';

const chart = fileURLToPath(new URL('../../../charts/mecm-operator', import.meta.url));
const on = ['--set', 'north.enabled=true', '--set', 'north.registry=http://north-registry:5000', '--set', 'north.tlsSecret=north-tls',
  '--set', 'north.jwt.publicKeySecret=appstore-jwt', '--set', 'north.jwt.roleGroups=ROLE_APPSTORE_CLIENT=mecm-north:readers'];

interface Doc { kind?: string; metadata?: { name?: string }; spec?: Record<string, unknown> }

describe('charts/mecm-operator with North', function () {
  let shared: SharedEnv;
  const helm = async (args: string[]) => runCommand((await shared.hub.binaries).helm, args);

  before(async function () {
    this.timeout(envStartTimeoutMs);
    shared = await sharedEnv();
  });

  it('installs on a real cluster (server-side dry run) with the Service, roles and flags', async function () {
    this.timeout(60_000);
    const result = await helm(['install', 'mecm', chart, '--namespace', 'mecm-system', '--create-namespace', '--dry-run=server', '--kubeconfig', shared.edges[0]!.kubeconfigFile, ...on]);
    assert.equal(result.code, 0, result.stderr);
    const docs = yaml.loadAll(result.stdout.slice(result.stdout.indexOf('---'))) as Doc[];
    const service = docs.find((d) => d?.kind === 'Service' && d.metadata?.name === 'mecm-north');
    const port = (service?.spec?.ports as Array<{ nodePort: number }> | undefined)?.[0]?.nodePort ?? 0;
    assert.equal(service?.spec?.type, 'NodePort');
    assert.ok(port >= 30000 && port <= 32000, `nodePort ${port} in the appstore's range`);
    for (const role of ['mecm-north-tenant', 'mecm-north-reader', 'mecm-north']) assert.ok(docs.some((d) => d?.kind === 'ClusterRole' && d.metadata?.name === role), role);
    const deployment = docs.find((d) => d?.kind === 'Deployment') as { spec?: { template?: { spec?: { containers?: Array<{ args?: unknown[] }> } } } } | undefined;
    const args = deployment?.spec?.template?.spec?.containers?.[0]?.args ?? [];
    for (const flag of ['--north-bind-address=:8103', '--north-registry=http://north-registry:5000', '--north-tls-cert-file=/etc/mecm/north-tls/tls.crt',
      '--north-jwt-public-key-file=/etc/mecm/north-jwt/public.pem', '--north-tenant-role=mecm-north-tenant', '--north-jwt-role-groups=ROLE_APPSTORE_CLIENT=mecm-north:readers']) {
      assert.ok(args.includes(flag), flag);
    }
    assert.ok(args.includes('--north-jwt-user-prefix=appstore:'), 'a value ending in a colon stays one argument');
    // Appstore users manage their subscriptions; the operator binds that role, so it must hold each of its permissions itself.
    type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
    const rulesOf = (name: string) => ((docs.find((d) => d?.kind === 'ClusterRole' && d.metadata?.name === name) as { rules?: Rule[] } | undefined)?.rules ?? []);
    const grants = (rules: Rule[], resource: string, verb: string) => rules.some((r) => r.apiGroups.includes('mecm.io') && r.resources.includes(resource) && r.verbs.includes(verb));
    for (const verb of ['create', 'list', 'get', 'delete']) assert.ok(grants(rulesOf('mecm-north-tenant'), 'notificationsubscriptions', verb), `tenant ${verb}s notificationsubscriptions`);
    assert.ok(!grants(rulesOf('mecm-north-tenant'), 'notificationsubscriptions/status', 'update'), 'never their status');
    const operatorRules = [...rulesOf('mecm-north'), ...rulesOf('mecm')];
    for (const rule of rulesOf('mecm-north-tenant')) {
      for (const resource of rule.resources) for (const verb of rule.verbs) assert.ok(grants(operatorRules, resource, verb), `the operator holds ${verb} ${resource}`);
    }
    assert.match(result.stdout, /secretName: north-tls/);
  });

  it('renders nothing of North when it is off (the subscriptions controller\'s callback flags aside: it runs either way)', async () => {
    const result = await helm(['template', 'mecm', chart]);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout.replace(/^.*--north-callback-.*$/gm, ''), /north/i);
  });

  /** The operator container's args as rendered with `set` (helm --set-json pairs). */
  async function renderedArgs(set: string[]): Promise<string[]> {
    const result = await helm(['template', 'mecm', chart, ...set.flatMap((s) => ['--set-json', s])]);
    assert.equal(result.code, 0, result.stderr);
    const deployment = (yaml.loadAll(result.stdout) as Doc[]).find((d) => d?.kind === 'Deployment') as { spec?: { template?: { spec?: { containers?: Array<{ args?: string[] }> } } } } | undefined;
    return deployment?.spec?.template?.spec?.containers?.[0]?.args ?? [];
  }

  it('passes the subscriptions values as the callback flags: none allowed, https only, an hour by default', async () => {
    const defaults = await renderedArgs([]);
    for (const flag of ['--north-callback-allowlist=', '--north-callback-allow-http=false', '--north-callback-suspend-after=3600']) assert.ok(defaults.includes(flag), flag);
    const set = await renderedArgs(['subscriptions.callbackAllowlist=["hooks.example.com","*.example.org","10.0.0.0/8","fd00::/8"]',
      'subscriptions.allowHttp=true', 'subscriptions.suspendAfterSeconds=1000000']);
    for (const flag of ['--north-callback-allowlist=hooks.example.com,*.example.org,10.0.0.0/8,fd00::/8', '--north-callback-allow-http=true',
      '--north-callback-suspend-after=1000000']) assert.ok(set.includes(flag), `${flag} in ${JSON.stringify(set)}`);
    const comma = await helm(['template', 'mecm', chart, '--set-json', 'subscriptions.callbackAllowlist=["a.example.com,b.example.com"]']);
    assert.notEqual(comma.code, 0, 'one entry per item: a comma would split it');
    assert.match(comma.stderr, /callbackAllowlist/);
  });

  it('refuses North without a registry, or without TLS unless a proxy terminates it', async () => {
    const noRegistry = await helm(['template', 'mecm', chart, '--set', 'north.enabled=true', '--set', 'north.tlsSecret=t']);
    assert.notEqual(noRegistry.code, 0);
    assert.match(noRegistry.stderr, /north.registry is required/);
    const noTls = await helm(['template', 'mecm', chart, '--set', 'north.enabled=true', '--set', 'north.registry=http://r:5000']);
    assert.match(noTls.stderr, /north.tlsSecret is required/);
    const proxied = await helm(['template', 'mecm', chart, '--set', 'north.enabled=true', '--set', 'north.registry=http://r:5000', '--set', 'north.insecureHttp=true']);
    assert.equal(proxied.code, 0, proxied.stderr);
    assert.match(proxied.stdout, /--north-insecure-http=true/);
  });
});
