/** Operator flags from argv and environment: the operator's namespace, boolean flags, --enforce-tenancy. */
import assert from 'node:assert/strict';
import { parseConfig, usage, type OperatorConfig } from '../src/config.js';

function parse(argv: string[], env: NodeJS.ProcessEnv = {}): OperatorConfig {
  const config = parseConfig(argv, env);
  assert.notEqual(config, 'help');
  return config as OperatorConfig;
}

describe('operator config: --namespace', () => {
  const cases: Array<[string, string[], NodeJS.ProcessEnv, { namespace: string; leaderElectionNamespace: string }]> = [
    ['defaults to mecm-system', [], {}, { namespace: 'mecm-system', leaderElectionNamespace: 'mecm-system' }],
    ['is the Pod\'s namespace in a Pod (downward API)', [], { POD_NAMESPACE: 'edge-ops' }, { namespace: 'edge-ops', leaderElectionNamespace: 'edge-ops' }],
    ['takes MECM_NAMESPACE over the Pod\'s', [], { POD_NAMESPACE: 'edge-ops', MECM_NAMESPACE: 'mecm' }, { namespace: 'mecm', leaderElectionNamespace: 'mecm' }],
    ['takes the flag over the environment', ['--namespace', 'flagged'], { MECM_NAMESPACE: 'mecm' }, { namespace: 'flagged', leaderElectionNamespace: 'flagged' }],
    ['keeps an explicit leader election namespace', ['--namespace', 'a', '--leader-election-namespace', 'b'], {}, { namespace: 'a', leaderElectionNamespace: 'b' }],
  ];
  for (const [name, argv, env, expected] of cases) {
    it(name, () => {
      const config = parse(argv, env);
      assert.deepEqual({ namespace: config.namespace, leaderElectionNamespace: config.leaderElectionNamespace }, expected);
    });
  }

  it('refuses a name that is not a namespace', () => {
    assert.throws(() => parse(['--namespace', 'Not_A_Namespace']), /--namespace must be a namespace name, got "Not_A_Namespace"/);
  });
});

describe('operator config: boolean flags', () => {
  it('takes --flag=true and --flag=false, as the chart writes them', () => {
    assert.equal(parse(['--leader-elect=true']).leaderElect, true);
    assert.equal(parse(['--leader-elect=false']).leaderElect, false);
    assert.equal(parse(['--leader-elect']).leaderElect, true);
    assert.equal(parse([]).leaderElect, false);
    assert.equal(parse(['--insecure-metrics=true']).insecureMetrics, true);
  });

  it('still refuses a value on a boolean flag that is not true or false, naming it', () => {
    assert.throws(() => parse(['--leader-elect=yes']), /--leader-elect/);
  });
});

describe('operator config: --enforce-tenancy', () => {
  const cases: Array<[string, string[], NodeJS.ProcessEnv, boolean]> = [
    ['is on by default', [], {}, true],
    ['is turned off by --enforce-tenancy=false, as the chart writes it', ['--enforce-tenancy=false'], {}, false],
    ['stays on with --enforce-tenancy=true', ['--enforce-tenancy=true'], {}, true],
    ['stays on with a bare --enforce-tenancy', ['--enforce-tenancy'], {}, true],
    ['is turned off by MECM_ENFORCE_TENANCY=false', [], { MECM_ENFORCE_TENANCY: 'false' }, false],
    ['takes the flag over the environment', ['--enforce-tenancy=true'], { MECM_ENFORCE_TENANCY: 'false' }, true],
    ['takes the last of two assignments', ['--enforce-tenancy=false', '--enforce-tenancy=true'], {}, true],
  ];
  for (const [name, argv, env, expected] of cases) {
    it(name, () => assert.equal(parse(argv, env).enforceTenancy, expected));
  }

  it('is listed in --help with its default and environment variable', () => {
    assert.match(usage(), /--enforce-tenancy\s+.*\(default true; env MECM_ENFORCE_TENANCY\)/);
  });
});
