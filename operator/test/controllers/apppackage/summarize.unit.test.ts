import assert from 'node:assert/strict';
import type { AppPackageConditionType } from '../../../src/api/apppackage-conditions.js';
import { draftOf, markProgress } from '../../../src/controllers/apppackage/draft.js';
import { deletingEntry, hostEntry, refusedEntry, summarizeHosts, type HostEntry, type Refusal } from '../../../src/controllers/apppackage/hosts.js';
import { summarize } from '../../../src/controllers/apppackage/summarize.js';
import type { Condition } from '../../../src/runtime/conditions.js';
import type { CommonConditionType, ConditionReader } from '../../../src/runtime/status.js';
import { appPackage, condition, conditionOf, entry, t0 } from './fixtures.js';

describe('AppPackage summarize (Ready)', () => {
  type Row = Partial<Record<AppPackageConditionType | CommonConditionType, [Condition['status'], string]>>;
  const reader = (row: Row): ConditionReader<AppPackageConditionType> => {
    const get = (type: AppPackageConditionType | CommonConditionType): Condition | undefined => {
      const value = row[type];
      return value && { type, status: value[0], reason: value[1], message: `${type} says ${value[1]}`, lastTransitionTime: '2026-11-27T10:00:00Z' };
    };
    return { get, isTrue: (type) => get(type)?.status === 'True' };
  };
  const done: Row = { Downloaded: ['True', 'DownloadSucceeded'], Parsed: ['True', 'ParseSucceeded'], Verified: ['True', 'Verified'], Distributed: ['True', 'DistributionSucceeded'] };
  const cases: Array<[string, Row, boolean, string]> = [
    ['nothing yet: working on it', {}, false, 'Progressing'],
    ['downloaded, parsed and distributed is Ready', done, true, 'PackageReady'],
    ['a failed hash check that Warn accepts does not hold Ready back', { ...done, Verified: ['False', 'ManifestHashMismatch'] }, true, 'PackageReady'],
    ['a stall says why, whatever the rest says', { ...done, Verified: ['False', 'SignatureInvalid'], Stalled: ['True', 'SignatureInvalid'] }, false, 'SignatureInvalid'],
    ['a failing download', { ...done, Downloaded: ['False', 'SourceUnreachable'], Reconciling: ['True', 'SourceUnreachable'] }, false, 'SourceUnreachable'],
    ['distribution under way', { ...done, Distributed: ['False', 'DistributionInProgress'] }, false, 'DistributionInProgress'],
    ['the first condition that is not True, in order', { ...done, Verified: ['False', 'ManifestHashMismatch'], Distributed: ['False', 'DistributionFailed'] }, false, 'ManifestHashMismatch'],
    ['downloaded but not parsed yet', { Downloaded: ['True', 'DownloadSucceeded'] }, false, 'Progressing'],
  ];
  for (const [name, row, ready, reason] of cases) {
    it(name, () => {
      const summary = summarize(reader(row));
      assert.deepEqual([summary.ready, summary.reason], [ready, reason]);
    });
  }
});

describe('AppPackage summarizeHosts (Distributed)', () => {
  const cases: Array<[string, string[], HostEntry[], string, boolean, string, boolean, boolean]> = [
    // name, targets, entries → distributed, condition status, reason, pending, errors
    ['no targets', [], [], '0/0', true, 'NoTargetHosts', false, false],
    ['every target has it', ['a', 'b'], [entry('a', 'Distributed'), entry('b', 'Distributed')], '2/2', true, 'DistributionSucceeded', false, false],
    ['one still distributing', ['a', 'b'], [entry('a', 'Distributed'), entry('b', 'Distributing')], '1/2', false, 'DistributionInProgress', true, false],
    ['one in error', ['a', 'b'], [entry('a', 'Distributed'), entry('b', 'Error')], '1/2', false, 'DistributionFailed', false, true],
    ['an error wins over pending in the reason', ['a', 'b'], [entry('a', 'Error'), entry('b', 'Distributing')], '0/2', false, 'DistributionFailed', true, true],
    ['a host being removed is work left', ['a'], [entry('a', 'Distributed'), entry('b', 'Deleting')], '1/1', false, 'DistributionInProgress', true, false],
    ['a host not targeted any more is work left', ['a'], [entry('a', 'Distributed'), entry('b', 'Distributed')], '1/1', false, 'DistributionInProgress', true, false],
    // 'r' is a target the Tenant does not grant (its entry is an Error saying so).
    ['a target the Tenant does not grant is neither work left nor an error', ['a', 'r'], [entry('a', 'Distributed'), entry('r', 'Error')], '1/2', false, 'NotPermitted', false, false],
    ['a host still distributing comes before the refusal', ['a', 'r'], [entry('a', 'Distributing'), entry('r', 'Error')], '0/2', false, 'DistributionInProgress', true, false],
    ['an error of a granted host comes before the refusal', ['a', 'c', 'r'], [entry('a', 'Error'), entry('c', 'Distributed'), entry('r', 'Error')], '1/3', false, 'DistributionFailed', false, true],
  ];
  const refusals: Refusal[] = [{ name: 'r', message: 'Tenant t does not grant EdgeHost r' }];
  for (const [name, targets, entries, distributed, status, reason, pending, errors] of cases) {
    it(name, () => {
      const summary = summarizeHosts(targets, entries, targets.includes('r') ? refusals : []);
      assert.deepEqual([summary.distributed, summary.condition.status, summary.condition.reason, summary.pending, summary.errors],
        [distributed, status, reason, pending, errors]);
    });
  }

  it('says which targets are not permitted, naming three and counting the rest', () => {
    const names = ['b', 'c', 'd', 'e', 'f'];
    const refused = names.map((name) => ({ name, message: `Tenant t does not grant EdgeHost ${name}` }));
    const summary = summarizeHosts(['a', ...names], [entry('a', 'Distributed'), ...names.map((n) => entry(n, 'Error'))], refused);
    assert.equal(summary.condition.message, 'Distributed to 1 of 6 host(s); not permitted: Tenant t does not grant EdgeHost b; Tenant t does not grant EdgeHost c; '
      + 'Tenant t does not grant EdgeHost d; and 2 more (see status.hosts).');
    assert.equal(summary.refused, summary.condition.message.replace('Distributed to 1 of 6 host(s); ', ''));
  });

  it('keeps on a refused host\'s entry the chart it was pushed while granted, so deletion takes it out', () => {
    const refusal = { name: 'a', message: 'Tenant t does not grant EdgeHost a' };
    const held = refusedEntry({ ...entry('a', 'Distributed'), chartReference: 'oci://r/c:1' }, refusal, t0, 'sha256:new');
    assert.deepEqual([held.state, held.message, held.chartReference, held.digest], ['Error', 'Not permitted: Tenant t does not grant EdgeHost a', 'oci://r/c:1', entry('a', 'Distributed').digest]);
    const never = refusedEntry(undefined, refusal, t0, 'sha256:new');
    assert.deepEqual([never.chartReference, never.digest], [undefined, 'sha256:new']);
  });

  it('moves lastTransitionTime only when the state changes, and bounds messages', () => {
    const old = entry('a', 'Distributing');
    assert.equal(hostEntry(old, 'a', 'Distributing', 'again', t0, 'sha256:x').lastTransitionTime, old.lastTransitionTime);
    assert.equal(hostEntry(old, 'a', 'Distributed', 'done', t0, 'sha256:x').lastTransitionTime, '2026-11-27T10:00:00Z');
    assert.equal(hostEntry(undefined, 'a', 'Error', 'x'.repeat(5000), t0, 'sha256:x').message?.length, 4000);
    const deleting = deletingEntry({ ...entry('a', 'Distributed'), chartReference: 'oci://r/a:1' }, t0);
    assert.deepEqual([deleting.state, deleting.chartReference, deleting.lastTransitionTime], ['Deleting', 'oci://r/a:1', '2026-11-27T10:00:00Z']);
    assert.equal(deletingEntry(deleting, new Date(t0.getTime() + 60_000)).lastTransitionTime, '2026-11-27T10:00:00Z');
  });
});

describe('AppPackage markProgress (Reconciling between steps)', () => {
  const done = [condition('Downloaded', 'True', 2), condition('Parsed', 'True', 2)];
  const cases: Array<[string, Parameters<typeof appPackage>[0], string | undefined, string | undefined]> = [
    // name, package → Reconciling reason, Stalled reason afterwards
    ['a new package is reconciling', { status: {} }, 'Progressing', undefined],
    ['a new generation is reconciling', { status: { observedGeneration: 1, conditions: done } }, 'Progressing', undefined],
    ['a restart refilling the caches changes nothing', { status: { observedGeneration: 2, conditions: done } }, undefined, undefined],
    ['a step that succeeds ends a stall', { status: { observedGeneration: 2, conditions: [...done, condition('Stalled', 'True', 2, 'SourceRefused')] } }, 'Progressing', undefined],
  ];
  for (const [name, overrides, reconciling, stalled] of cases) {
    it(name, () => {
      const pkg = appPackage(overrides);
      const draft = draftOf(pkg, t0);
      markProgress(draft, pkg, 'Next step.');
      const status = draft.result();
      assert.equal(conditionOf(status, 'Reconciling')?.reason, reconciling);
      assert.equal(conditionOf(status, 'Stalled')?.reason, stalled);
    });
  }
});
