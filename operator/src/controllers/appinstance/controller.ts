/**
 * AppInstance controller (EdgeGallery's APPO + LCM Controller + K8s plugin): each reconcile
 * observes the package, the host, the Helm release on the edge, the owned AppRule and the
 * workloads; `decide` picks one step; the step runs; the status is written once. Every step is
 * idempotent and the state lives in the world and in `.status`, so a killed operator resumes
 * with the release it left, never a second one.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { load } from 'js-yaml';
import type { AppInstance, AppInstanceStatus } from '../../api/appinstance.js';
import type { AppPackage } from '../../api/apppackage.js';
import type { AppRule } from '../../api/apprule.js';
import type { EdgeHost } from '../../api/edgehost.js';
import { mecmTypes } from '../../api/resources.js';
import type { PackageStore } from '../../packages/store.js';
import type { CsarPackage } from '../../csar/index.js';
import { LcmError, type LcmPlugin, type ReleaseTarget } from '../../lcm/plugin.js';
import type { LcmPluginRegistry } from '../../lcm/registry.js';
import { ConditionSet, rfc3339, type Condition } from '../../runtime/conditions.js';
import { Controller, defaultResyncMs } from '../../runtime/controller.js';
import type { EventRecorder } from '../../runtime/events.js';
import type { Informer } from '../../runtime/informer.js';
import { isNotFound } from '../../runtime/kube/errors.js';
import { coreTypes, objectKey, splitKey, type KubeObject } from '../../runtime/kube/resource.js';
import { ResourceClient } from '../../runtime/kube/resource-client.js';
import type { Manager } from '../../runtime/manager.js';
import { addFinalizer, isDeleting, removeFinalizer, writeStatus } from '../../runtime/objects.js';
import { done, ReconcileError, requeueAfter, type ReconcileContext, type Reconciler, type ReconcileResult } from '../../runtime/reconcile.js';
import { parseReference } from '../../oci/reference.js';
import { repositoryLocation } from '../../oci/layout.js';
import { readSecretKey } from '../secrets.js';
import { decide, type AppInstanceAction, type AppInstanceObservation } from './decide.js';
import { createNamespace, deleteNamespace, namespaceOwner } from './edge.js';
import { desiredRuleSpec, observeRules, ruleSpecDigest, specDigestAnnotation } from './rules.js';
import { atPath, buildValues, releaseDigest, type Values } from './values.js';

export const finalizer = 'mecm.io/appinstance-cleanup';

export interface AppInstanceControllerOptions {
  readonly workers: number;
  readonly steadyCheckMs: number;
  readonly waitMs: number;
  readonly deletionTimeoutMs: number;
  readonly events: EventRecorder;
}

interface SecretLike extends KubeObject {
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  type?: string;
}

/** What observe() found besides the decision inputs: what the actions need. */
interface Context {
  readonly csar?: CsarPackage;
  readonly plugin?: LcmPlugin;
  readonly target?: ReleaseTarget;
  readonly chartRef?: string;
  readonly plainHttp: boolean;
  readonly values?: Values;
  readonly digest?: string;
  readonly ruleSpec?: AppRule['spec'];
  readonly hostProblem?: string;
}

export class AppInstanceReconciler implements Reconciler {
  constructor(
    private readonly instances: Informer<AppInstance>,
    private readonly packages: Informer<AppPackage>,
    private readonly hosts: Informer<EdgeHost>,
    private readonly rules: Informer<AppRule>,
    private readonly clients: {
      readonly instances: ResourceClient<AppInstance>;
      readonly rules: ResourceClient<AppRule>;
      readonly secrets: ResourceClient<SecretLike>;
      readonly configMaps: ResourceClient<SecretLike>;
    },
    private readonly store: PackageStore,
    private readonly plugins: LcmPluginRegistry,
    private readonly options: AppInstanceControllerOptions,
  ) {}

  async reconcile(key: string, context: ReconcileContext): Promise<ReconcileResult> {
    if (!this.instances.get(key)) return done;
    // Read through to the API: the cache may not have our last status write yet, and acting on
    // a stale release digest would upgrade twice.
    const { namespace, name } = splitKey(key);
    const cached = await this.clients.instances.get(name, namespace).catch((e: unknown) => { if (isNotFound(e)) return undefined; throw e; });
    if (!cached) return done;
    const deleting = isDeleting(cached);
    const instance = deleting ? cached : await addFinalizer(this.clients.instances, cached, finalizer);
    const status: AppInstanceStatus = JSON.parse(JSON.stringify(instance.status ?? {})) as AppInstanceStatus;
    if (!status.appInstanceId) {
      // The id the MEP and the chart know the app by: fixed once, before anything uses it.
      status.appInstanceId = randomUUID();
      status.operationalState = 'NOT_INSTANTIATED';
      await writeStatus(this.clients.instances, instance, status);
      return requeueAfter(0);
    }
    const conditions = new ConditionSet(status.conditions as Condition[] | undefined, instance.metadata.generation ?? 0, new Date());
    const { observation, ctx } = await this.observe(instance, status, deleting);
    const action = decide(observation);
    context.log.debug('Decided', { action: action.kind });
    let result: ReconcileResult;
    try {
      result = await this.act(action, instance, status, conditions, ctx);
    } catch (error) {
      if (!(error instanceof LcmError)) throw error;
      result = await this.failed(action, instance, status, conditions, error);
    }
    status.conditions = conditions.list as AppInstanceStatus['conditions'];
    status.observedGeneration = instance.metadata.generation ?? 0;
    if (action.kind !== 'ReleaseFinalizer') await writeStatus(this.clients.instances, instance, status);
    return result;
  }

  private async observe(instance: AppInstance, status: AppInstanceStatus, deleting: boolean): Promise<{ observation: AppInstanceObservation; ctx: Context }> {
    const namespace = instance.metadata.namespace ?? '';
    const spec = instance.spec;
    const pkg = this.packages.get(`${namespace}/${spec.packageRef.name}`);
    const host = this.hosts.get(spec.hostRef.name);
    const sha = pkg?.status?.digest?.replace('sha256:', '');
    const entry = pkg?.status?.hosts?.find((h) => h.name === spec.hostRef.name);
    const distributed = Boolean(entry && entry.state === 'Distributed' && entry.digest === pkg?.status?.digest && entry.chartReference);
    const csar = sha ? await this.store.open(sha).catch(() => undefined) : undefined;
    const resolved = host ? this.plugins.resolve(host.spec.infrastructure.type) : undefined;
    const plugin = resolved?.ok ? resolved.plugin : undefined;
    const kubeconfig = host ? await this.kubeconfigOf(host) : undefined;
    const releaseName = spec.releaseName ?? (instance.metadata.name ?? '').slice(0, 53);
    const target: ReleaseTarget | undefined = kubeconfig ? { kubeconfig, releaseName, namespace: spec.namespace, createNamespace: false } : undefined;

    let edgeReachable = Boolean(plugin && target);
    let release: AppInstanceObservation['release'] = { kind: 'Absent' };
    let drifted: string[] = [];
    let workloadsReady = false;
    if (plugin && target) {
      try {
        const current = await plugin.status(target);
        if (current.exists) {
          const ctxDigest = status.release?.appliedDigest;
          release = { kind: 'Present', status: current.status, revision: current.revision, upToDate: false };
          status.release = { ...status.release, name: current.name, namespace: current.namespace, revision: current.revision, chartName: current.chart, chartVersion: current.chartVersion, status: current.status, ...(ctxDigest ? { appliedDigest: ctxDigest } : {}) };
          const summary = await plugin.workloads(target);
          status.workloads = { ready: summary.ready, desired: summary.desired };
          status.readyWorkloads = `${summary.ready}/${summary.desired}`;
          workloadsReady = summary.allReady;
          if (current.status === 'deployed' && !deleting) drifted = (await plugin.drift(target)).missing.map((o) => `${o.kind}/${o.name}`);
        } else if (status.release) {
          status.release = { ...status.release, status: 'uninstalled' };
        }
      } catch (error) {
        if (!(error instanceof LcmError) || error.kind !== 'ClusterUnreachable') throw error;
        edgeReachable = false;
      }
    }

    let ctx: Context = { csar, plugin, target, plainHttp: host ? repositoryLocation(host.spec.repository).baseUrl.startsWith('http:') : false };
    if (distributed && csar && host && entry?.chartReference && !deleting) {
      const values = await this.valuesFor(instance, status, csar, host);
      const digest = releaseDigest(entry.chartReference, values);
      if (release.kind === 'Present') release = { ...release, upToDate: status.release?.appliedDigest === digest };
      const appName = `${(csar.appd.appName ?? csar.app.name ?? instance.metadata.name ?? 'app').replace(/[^A-Za-z0-9-]/g, '-').slice(0, 40)}-${status.appInstanceId!.slice(0, 8)}`;
      ctx = { ...ctx, chartRef: entry.chartReference, values, digest, ruleSpec: desiredRuleSpec(instance, csar, status.appInstanceId!, appName) };
    }
    const ruleObject = this.rules.get(objectKey(instance));
    const rules = deleting ? (ruleObject ? 'Ready' : 'NotNeeded') : (ctx.chartRef ? observeRules(ctx.ruleSpec, ruleObject) : 'NotNeeded');
    const deletedFor = Date.now() - Date.parse(instance.metadata.deletionTimestamp ?? new Date().toISOString());

    const observation: AppInstanceObservation = {
      deleting, suspended: spec.suspend ?? false, packageDistributed: distributed && Boolean(csar),
      infrastructureSupported: !host || resolved?.ok !== false,
      missingDependencies: csar && !deleting ? this.missingDependencies(instance, csar) : [],
      dependents: deleting && csar ? this.dependents(instance, csar) : [],
      edgeReachable, release, desiredState: spec.desiredState ?? 'Started', stopped: status.operationalState === 'STOPPED',
      driftedObjects: drifted, rules, failures: status.failures ?? 0, maxRetries: spec.remediation?.retries ?? 3,
      remediation: spec.remediation?.strategy ?? 'Rollback',
      ownNamespaceExists: deleting && Boolean(status.release?.createdNamespace) && target !== undefined && edgeReachable
        && (await namespaceOwner(target.kubeconfig, spec.namespace).catch(() => 'Absent' as const)) === 'Ours',
      workloadsReady, deletionTimedOut: deletedFor > this.options.deletionTimeoutMs,
    };
    return { observation, ctx: host ? ctx : { ...ctx, hostProblem: `EdgeHost ${spec.hostRef.name} does not exist.` } };
  }

  private async act(action: AppInstanceAction, instance: AppInstance, status: AppInstanceStatus, conditions: ConditionSet, ctx: Context): Promise<ReconcileResult> {
    const wait = requeueAfter(this.options.waitMs);
    const progressing = (phase: NonNullable<AppInstanceStatus['phase']>, reason: string, message: string) => {
      status.phase = phase;
      conditions.set('Reconciling', true, reason, message);
      conditions.remove('Stalled');
      conditions.set('Ready', false, reason, message);
    };
    switch (action.kind) {
      case 'Nothing':
        return done;
      case 'Unsupported': {
        const message = `EdgeHost ${instance.spec.hostRef.name} has infrastructure type ${this.hosts.get(instance.spec.hostRef.name)?.spec.infrastructure.type}; supported: ${this.plugins.supported().join(', ')}.`;
        this.stall(status, conditions, 'UnsupportedInfrastructure', message);
        return done;
      }
      case 'WaitForPackage': {
        const message = ctx.hostProblem ?? `AppPackage ${instance.spec.packageRef.name} is not distributed to ${instance.spec.hostRef.name} yet.`;
        conditions.set('PackageReady', false, 'PackageNotDistributed', message);
        progressing('WaitingForPackage', 'PackageNotDistributed', message);
        return wait;
      }
      case 'WaitForDependencies':
        conditions.set('PackageReady', true, 'PackageDistributed', 'The package is in the host\'s repository.');
        conditions.set('DependenciesReady', false, 'DependencyMissing', `Waiting for services on ${instance.spec.hostRef.name}: ${action.missing.join(', ')}.`);
        progressing('CheckingDependencies', 'DependencyMissing', `Waiting for services: ${action.missing.join(', ')}.`);
        return wait;
      case 'WaitForEdge':
        progressing(status.phase ?? 'Installing', 'EdgeUnreachable', `The edge cluster of ${instance.spec.hostRef.name} does not answer; waiting for it.`);
        return requeueAfter(Math.max(this.options.waitMs, 1000));
      case 'Unlock':
        await ctx.plugin!.unlock(ctx.target!);
        await this.options.events.record(instance, 'Warning', 'ReleaseUnlocked', `Release ${ctx.target!.releaseName} was stuck in ${status.release?.status}; recovered it.`);
        return requeueAfter(0);
      case 'Install':
      case 'Upgrade': {
        conditions.set('PackageReady', true, 'PackageDistributed', 'The package is in the host\'s repository.');
        conditions.set('DependenciesReady', true, 'DependenciesReady', 'Every required service runs on the host.');
        progressing(action.kind === 'Install' ? 'Installing' : 'Upgrading', action.kind === 'Install' ? 'Installing' : 'Upgrading', `${action.kind === 'Install' ? 'Installing' : 'Upgrading'} ${ctx.chartRef}.`);
        status.lastOperation = operation('INSTANTIATE', 'PROCESSING', status);
        if (action.kind === 'Install') await this.ensureNamespace(instance, status, ctx);
        const request = { ...ctx.target!, chartRef: ctx.chartRef!, plainHttp: ctx.plainHttp, values: ctx.values!, timeoutMs: (instance.spec.timeoutSeconds ?? 300) * 1000 };
        const release = action.kind === 'Install' ? await ctx.plugin!.install(request) : await ctx.plugin!.upgrade(request);
        status.release = { ...status.release, name: release.name, namespace: release.namespace, revision: release.revision, chartName: release.chart, chartVersion: release.chartVersion, status: release.status, appliedDigest: ctx.digest! };
        status.failures = 0;
        conditions.set('Instantiated', true, action.kind === 'Install' ? 'InstallSucceeded' : 'UpgradeSucceeded', `Release ${release.name} revision ${release.revision} deployed from ${ctx.chartRef}.`);
        if (status.operationalState === 'NOT_INSTANTIATED' || !status.operationalState) status.operationalState = 'STARTED';
        const why = action.kind === 'Upgrade' && action.why === 'Drift' ? ' to repair objects deleted on the edge' : '';
        await this.options.events.record(instance, action.kind === 'Upgrade' && action.why === 'Drift' ? 'Warning' : 'Normal',
          action.kind === 'Install' ? 'Installed' : action.why === 'Drift' ? 'DriftRepaired' : 'Upgraded', `Release ${release.name} revision ${release.revision}${why}.`);
        return requeueAfter(0);
      }
      case 'Remediate': {
        progressing('Remediating', 'Remediating', `The release failed; ${action.how === 'Rollback' ? 'rolling back' : 'uninstalling'} before retrying.`);
        status.lastOperation = operation('INSTANTIATE', 'ROLLING_BACK', status);
        if (action.how === 'Rollback') await ctx.plugin!.rollback(ctx.target!);
        else await ctx.plugin!.uninstall(ctx.target!);
        if (action.how === 'Rollback') status.release = { ...status.release, appliedDigest: undefined };
        status.lastOperation = operation('INSTANTIATE', 'ROLLED_BACK', status);
        await this.options.events.record(instance, 'Warning', action.how === 'Rollback' ? 'RolledBack' : 'Uninstalled', `Remediated a failed release by ${action.how.toLowerCase()}.`);
        return requeueAfter(0);
      }
      case 'GiveUp':
        status.lastOperation = operation('INSTANTIATE', 'FAILED', status);
        this.stall(status, conditions, 'RetriesExhausted', `Gave up after ${status.failures} failed attempts; change the spec to try again. Last: ${conditions.get('Instantiated')?.message ?? ''}`);
        return done;
      case 'Scale':
        await ctx.plugin!.scale(ctx.target!, action.to);
        status.operationalState = action.to === 'Stopped' ? 'STOPPED' : 'STARTED';
        status.lastOperation = operation('OPERATE', 'COMPLETED', status);
        await this.options.events.record(instance, 'Normal', action.to, `Workloads ${action.to === 'Stopped' ? 'scaled to zero' : 'restored'}.`);
        return requeueAfter(0);
      case 'ApplyRules':
        await this.clients.rules.patch(instance.metadata.name ?? '', instance.metadata.namespace, 'apply', {
          metadata: {
            name: instance.metadata.name, namespace: instance.metadata.namespace, ownerReferences: [owner(instance)],
            annotations: { [specDigestAnnotation]: ruleSpecDigest(ctx.ruleSpec!) },
          },
          spec: ctx.ruleSpec,
        });
        conditions.set('RulesConfigured', false, 'RulesApplying', 'The AppRule was written; waiting for the MEP to hold it.');
        progressing('ConfiguringRules', 'RulesApplying', 'Waiting for the MEP to hold the rules.');
        return wait;
      case 'DeleteRules':
        await this.clients.rules.delete(instance.metadata.name ?? '', instance.metadata.namespace).catch((e: unknown) => { if (!isNotFound(e)) throw e; });
        if (isDeleting(instance)) progressing('Terminating', 'RulesDeleting', 'Waiting for the MEP to drop the rules.');
        return wait;
      case 'WaitForRules': {
        const rule = this.rules.get(objectKey(instance));
        const ready = rule?.status?.conditions?.find((c) => c.type === 'Ready');
        conditions.set('RulesConfigured', false, ready?.reason ?? 'RulesApplying', ready?.message ?? 'Waiting for the MEP.');
        progressing('ConfiguringRules', 'RulesApplying', `Waiting for the MEP: ${ready?.message ?? 'not yet applied'}`);
        return wait;
      }
      case 'WaitForWorkloads':
        this.markInstalled(conditions, ctx);
        progressing('Installing', 'WorkloadsNotReady', `Workloads ready: ${status.readyWorkloads ?? '0/0'}.`);
        return wait;
      case 'Ready':
        this.markInstalled(conditions, ctx);
        status.phase = 'Ready';
        status.lastOperation = status.lastOperation?.operationState === 'COMPLETED' ? status.lastOperation : operation(status.lastOperation?.operationType ?? 'INSTANTIATE', 'COMPLETED', status);
        conditions.set('Ready', true, 'Ready', status.operationalState === 'STOPPED' ? 'The app is installed and stopped.' : `The app runs: ${status.readyWorkloads ?? '0/0'} workloads ready.`);
        conditions.remove('Reconciling');
        conditions.remove('Stalled');
        return requeueAfter(this.options.steadyCheckMs);
      case 'BlockTermination':
        progressing('Terminating', 'DependentsExist', `Cannot terminate while ${action.dependents.join(', ')} depend on this app's services; delete them first.`);
        return wait;
      case 'Uninstall':
        progressing('Terminating', 'Uninstalling', 'Uninstalling the release.');
        status.lastOperation = operation('TERMINATE', 'PROCESSING', status);
        await ctx.plugin!.uninstall(ctx.target!);
        await this.options.events.record(instance, 'Normal', 'Uninstalled', `Release ${ctx.target!.releaseName} uninstalled.`);
        return requeueAfter(0);
      case 'DeleteNamespace':
        await deleteNamespace(ctx.target!.kubeconfig, instance.spec.namespace);
        return wait;
      case 'ReleaseFinalizer':
        if (action.abandoned) {
          await this.options.events.record(instance, 'Warning', 'TerminationAbandoned',
            `The edge of ${instance.spec.hostRef.name} did not answer for ${Math.round(this.options.deletionTimeoutMs / 60000)} min; release ${status.release?.name ?? ''} in namespace ${instance.spec.namespace} may be left behind there.`);
        }
        await removeFinalizer(this.clients.instances, instance, finalizer);
        return done;
    }
  }

  private markInstalled(conditions: ConditionSet, ctx: Context): void {
    conditions.set('PackageReady', true, 'PackageDistributed', 'The package is in the host\'s repository.');
    conditions.set('DependenciesReady', true, 'DependenciesReady', 'Every required service runs on the host.');
    conditions.set('RulesConfigured', true, ctx.ruleSpec ? 'RulesApplied' : 'NoRules', ctx.ruleSpec ? 'The MEP holds the app\'s rules.' : 'The app needs no MEP rules.');
  }

  private stall(status: AppInstanceStatus, conditions: ConditionSet, reason: string, message: string): void {
    status.phase = 'Failed';
    conditions.set('Stalled', true, reason, message);
    conditions.remove('Reconciling');
    conditions.set('Ready', false, reason, message);
  }

  private async failed(action: AppInstanceAction, instance: AppInstance, status: AppInstanceStatus, conditions: ConditionSet, error: LcmError): Promise<ReconcileResult> {
    const counts = action.kind === 'Install' || action.kind === 'Upgrade';
    if (counts) {
      status.failures = (status.failures ?? 0) + 1;
      status.lastOperation = operation('INSTANTIATE', 'FAILED', status);
      conditions.set('Instantiated', false, `${action.kind}Failed`, `${error.kind}: ${error.message}`);
    }
    conditions.set('Ready', false, error.kind, error.message);
    await this.options.events.record(instance, 'Warning', `${action.kind}Failed`, `${error.kind}: ${error.message}`);
    if (!error.transient && !counts) {
      this.stall(status, conditions, error.kind, error.message);
      return requeueAfter(this.options.steadyCheckMs);
    }
    await writeStatus(this.clients.instances, instance, { ...status, conditions: conditions.list as AppInstanceStatus['conditions'] });
    throw new ReconcileError(error.kind, error.message);
  }

  private async ensureNamespace(instance: AppInstance, status: AppInstanceStatus, ctx: Context): Promise<void> {
    if (!(instance.spec.createNamespace ?? true)) return;
    const owner = await namespaceOwner(ctx.target!.kubeconfig, instance.spec.namespace);
    if (owner === 'Absent') {
      await createNamespace(ctx.target!.kubeconfig, instance.spec.namespace);
      status.release = { ...status.release, createdNamespace: true };
    } else if (owner === 'Ours' && status.release?.createdNamespace === undefined) {
      status.release = { ...status.release, createdNamespace: true };
    }
  }

  private async valuesFor(instance: AppInstance, status: AppInstanceStatus, csar: CsarPackage, host: EdgeHost): Promise<Values> {
    const namespace = instance.metadata.namespace ?? '';
    const aksk = await this.aksk(instance, status.appInstanceId!);
    const fromReferences: Values[] = [];
    for (const ref of instance.spec.valuesFrom ?? []) {
      const client = ref.kind === 'Secret' ? this.clients.secrets : this.clients.configMaps;
      const object = await client.get(ref.name, namespace).catch((e: unknown) => { if (isNotFound(e) && ref.optional) return undefined; throw e; });
      const key = ref.valuesKey ?? 'values.yaml';
      const raw = object?.data?.[key];
      if (raw === undefined) {
        if (ref.optional) continue;
        throw new ReconcileError('ValuesNotFound', `${ref.kind} ${namespace}/${ref.name} has no key ${key}.`);
      }
      const text = ref.kind === 'Secret' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
      fromReferences.push(ref.targetPath ? atPath(ref.targetPath, text) : (load(text) as Values | null) ?? {});
    }
    const location = repositoryLocation(host.spec.repository);
    const firstImage = csar.images.find((i) => i.swImage);
    const project = firstImage ? safeProject(firstImage.swImage) : undefined;
    return buildValues({
      namespace: instance.spec.namespace, appInstanceId: status.appInstanceId!, aksk, fromReferences,
      specValues: instance.spec.values as Values | undefined,
      imageLocation: project ? { domainName: [location.host, location.prefix].filter(Boolean).join('/'), project } : undefined,
    });
  }

  /** The app's access key pair, generated once and kept in a hub Secret owned by the instance. */
  private async aksk(instance: AppInstance, appInstanceId: string): Promise<{ accessKey: string; secretKey: string; secretName: string }> {
    const name = `${instance.metadata.name}-aksk`.slice(0, 253);
    const namespace = instance.metadata.namespace ?? '';
    const secretName = `mecm-aksk-${appInstanceId.slice(0, 8)}`;
    let secret = await this.clients.secrets.get(name, namespace).catch((e: unknown) => { if (isNotFound(e)) return undefined; throw e; });
    if (!secret) {
      secret = await this.clients.secrets.create({
        metadata: { name, namespace, ownerReferences: [owner(instance)], labels: { 'app.kubernetes.io/managed-by': 'mecm-operator' } },
        type: 'Opaque', stringData: { accesskey: randomBytes(10).toString('hex').toUpperCase(), secretkey: randomBytes(30).toString('base64url') },
      });
    }
    const read = (key: string) => Buffer.from(secret!.data?.[key] ?? '', 'base64').toString('utf8');
    return { accessKey: read('accesskey'), secretKey: read('secretkey'), secretName };
  }

  private async kubeconfigOf(host: EdgeHost): Promise<string | undefined> {
    const ref = host.spec.infrastructure.kubeconfigSecretRef;
    if (!ref) return undefined;
    const read = await readSecretKey(this.clients.secrets, ref, 'kubeconfig');
    return read.ok ? read.value : undefined;
  }

  /** Required services that no Ready instance on the same host produces. */
  private missingDependencies(instance: AppInstance, csar: CsarPackage): string[] {
    const required = csar.appd.servicesRequired.map((s) => s.serName);
    if (!required.length) return [];
    const produced = new Set(this.instances.byIndex('host', instance.spec.hostRef.name)
      .filter((other) => other.metadata.uid !== instance.metadata.uid && other.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      .flatMap((other) => this.producedBy(other)));
    return required.filter((s) => !produced.has(s));
  }

  /** Other live instances on the host that require a service this one produces. */
  private dependents(instance: AppInstance, csar: CsarPackage): string[] {
    const mine = new Set(csar.appd.servicesProduced.map((s) => s.serName));
    if (!mine.size) return [];
    return this.instances.byIndex('host', instance.spec.hostRef.name)
      .filter((other) => other.metadata.uid !== instance.metadata.uid && !isDeleting(other))
      .filter((other) => this.requiredBy(other).some((s) => mine.has(s)))
      .map((other) => objectKey(other));
  }

  private producedBy(instance: AppInstance): string[] {
    return this.parsedOf(instance)?.appd.servicesProduced.map((s) => s.serName) ?? [];
  }

  private requiredBy(instance: AppInstance): string[] {
    return this.parsedOf(instance)?.appd.servicesRequired.map((s) => s.serName) ?? [];
  }

  private parsedOf(instance: AppInstance): CsarPackage | undefined {
    const digest = this.packages.get(`${instance.metadata.namespace}/${instance.spec.packageRef.name}`)?.status?.digest;
    return digest ? this.store.parsedNow(digest.replace('sha256:', '')) : undefined;
  }
}

function operation(type: 'INSTANTIATE' | 'OPERATE' | 'TERMINATE', state: NonNullable<AppInstanceStatus['lastOperation']>['operationState'], status: AppInstanceStatus): NonNullable<AppInstanceStatus['lastOperation']> {
  const now = rfc3339(new Date());
  const same = status.lastOperation?.operationType === type;
  const startTime = same && state !== 'STARTING' ? status.lastOperation?.startTime ?? now : now;
  const unchanged = same && status.lastOperation?.operationState === state;
  return { operationType: type, operationState: state, startTime, stateEnteredTime: unchanged ? status.lastOperation!.stateEnteredTime ?? now : now };
}

function owner(instance: AppInstance) {
  return { apiVersion: 'mecm.io/v1alpha1', kind: 'AppInstance', name: instance.metadata.name ?? '', uid: instance.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

function safeProject(swImage: string): string | undefined {
  try {
    return parseReference(swImage).repository.split('/')[0];
  } catch {
    return undefined;
  }
}

/** Wires the AppInstance controller: instances, their packages, hosts and owned AppRules. */
export function registerAppInstanceController(manager: Manager, plugins: LcmPluginRegistry, store: PackageStore, options: AppInstanceControllerOptions): Controller {
  const instances = manager.informer<AppInstance>(mecmTypes.appInstance);
  const packages = manager.informer<AppPackage>(mecmTypes.appPackage);
  const hosts = manager.informer<EdgeHost>(mecmTypes.edgeHost);
  const rules = manager.informer<AppRule>(mecmTypes.appRule);
  instances.addIndexer('host', (i) => [i.spec.hostRef.name]);
  instances.addIndexer('package', (i) => [`${i.metadata.namespace}/${i.spec.packageRef.name}`]);
  const reconciler = new AppInstanceReconciler(instances, packages, hosts, rules, {
    instances: new ResourceClient<AppInstance>(manager.hub, mecmTypes.appInstance),
    rules: new ResourceClient<AppRule>(manager.hub, mecmTypes.appRule),
    secrets: new ResourceClient<SecretLike>(manager.hub, coreTypes.secret),
    configMaps: new ResourceClient<SecretLike>(manager.hub, coreTypes.configMap),
  }, store, plugins, options);
  const controller = new Controller({ name: 'appinstance', reconciler, workers: options.workers, metrics: manager.metrics, log: manager.log });
  controller.watch(instances, { resyncMs: defaultResyncMs });
  controller.watch(packages, { map: (p) => instances.byIndex('package', objectKey(p)).map(objectKey) });
  controller.watch(hosts, { map: (h) => instances.byIndex('host', h.metadata.name ?? '').map(objectKey) });
  controller.watch(rules, { map: (r) => (r.metadata.ownerReferences ?? []).filter((o) => o.kind === 'AppInstance').map((o) => `${r.metadata.namespace}/${o.name}`) });
  manager.addController(controller);
  return controller;
}
