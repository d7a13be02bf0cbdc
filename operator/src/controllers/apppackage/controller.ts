/**
 * AppPackage controller (EdgeGallery's APM, made truthful per host):
 *
 *   download (cache by digest, resume) ─► parse CSAR ─► verify (policy) ─► distribute
 *        │ transient: retry with backoff      │ bad package: Stalled      │ per target host:
 *        ▼                                    ▼                           │ push charts + images
 *   Downloaded=False                    Parsed/Verified=False             ▼
 *                                                               hosts[].state, Distributed n/m
 *
 * Hosts that leave the targets have the package's charts removed; on deletion a finalizer
 * removes them from every host first (best effort for hosts that are gone, with an event).
 * Status is written once per reconcile, and only when it changed.
 */
import type { AppPackage, AppPackageStatus } from '../../api/apppackage.js';
import type { EdgeHost } from '../../api/edgehost.js';
import { mecmTypes } from '../../api/resources.js';
import { download, DownloadError } from '../../packages/download.js';
import { PackageStore } from '../../packages/store.js';
import { CsarError, verifyPackage, type CsarPackage } from '../../csar/index.js';
import { ConditionSet, rfc3339, type Condition } from '../../runtime/conditions.js';
import { Controller, defaultResyncMs, specOrLabelsChanged } from '../../runtime/controller.js';
import type { EventRecorder } from '../../runtime/events.js';
import type { Informer } from '../../runtime/informer.js';
import { isNotFound } from '../../runtime/kube/errors.js';
import { coreTypes, objectKey } from '../../runtime/kube/resource.js';
import { ResourceClient } from '../../runtime/kube/resource-client.js';
import { errorMessage } from '../../runtime/logger.js';
import type { Manager } from '../../runtime/manager.js';
import { addFinalizer, isDeleting, removeFinalizer, writeStatus } from '../../runtime/objects.js';
import { done, ReconcileError, requeueAfter, type ReconcileContext, type Reconciler, type ReconcileResult } from '../../runtime/reconcile.js';
import type { SecretObject } from '../secrets.js';
import { DistributionError, pushToHost, removeFromHost, type Credentials, type PackageContent } from './distribute.js';
import { ConditionType, Reason } from './reasons.js';
import { repositoryLocation } from '../../oci/layout.js';
import { targetHosts } from './targets.js';
import { forEachLimited } from '../../util/concurrency.js';

export const finalizer = 'mecm.io/apppackage-cleanup';

export interface AppPackageControllerOptions {
  readonly workers: number;
  readonly dataDir: string;
  readonly maxPackageBytes: number;
  readonly timeoutMs: number;
  /** How long deletion waits for unreachable hosts before it gives up on them. */
  readonly deletionTimeoutMs: number;
  readonly retryErroredHostsMs: number;
  readonly events: EventRecorder;
}

type HostEntry = NonNullable<AppPackageStatus['hosts']>[number];

export class AppPackageReconciler implements Reconciler {
  constructor(
    private readonly packages: Informer<AppPackage>,
    private readonly hosts: Informer<EdgeHost>,
    private readonly resources: ResourceClient<AppPackage>,
    private readonly secrets: ResourceClient<SecretObject>,
    private readonly store: PackageStore,
    private readonly options: AppPackageControllerOptions,
  ) {}

  async reconcile(key: string, context: ReconcileContext): Promise<ReconcileResult> {
    const cached = this.packages.get(key);
    if (!cached || cached.spec.suspend) return done;
    if (isDeleting(cached)) return this.finalize(cached, context);
    const pkg = await addFinalizer(this.resources, cached, finalizer);
    const now = new Date();
    const status = new StatusBuilder(pkg, now);

    let file: { file: string; sha256: string; size: number };
    try {
      file = await this.download(pkg, context);
      status.set(ConditionType.Downloaded, true, Reason.DownloadSucceeded, `Downloaded ${file.size} bytes, sha256 ${file.sha256}.`);
      status.value.digest = `sha256:${file.sha256}`;
      status.value.sizeBytes = file.size;
    } catch (error) {
      if (!(error instanceof DownloadError)) throw error;
      status.set(ConditionType.Downloaded, false, error.reason, error.message);
      return this.stop(pkg, status, error.transient, error.reason, error.message);
    }

    let csar: CsarPackage;
    try {
      csar = await this.parse(file.sha256, file.file);
      status.set(ConditionType.Parsed, true, Reason.ParseSucceeded, `APPD, manifest, ${csar.charts.length} chart(s) and ${csar.images.length} image(s) read.`);
    } catch (error) {
      if (!(error instanceof CsarError)) throw error;
      status.set(ConditionType.Parsed, false, error.reason, error.message);
      return this.stop(pkg, status, false, error.reason, error.message);
    }
    describe(status.value, csar);

    const verification = pkg.spec.verification ?? {};
    const trustedCaPem = verification.trustedCASecretRef
      ? await this.readSecret(pkg.metadata.namespace ?? '', verification.trustedCASecretRef.name, verification.trustedCASecretRef.key ?? 'ca.crt') : undefined;
    const verified = await verifyPackage(csar, {
      manifestHashes: verification.manifestHashes ?? 'Warn', signature: verification.signature ?? 'Skip', trustedCaPem,
    });
    status.set(ConditionType.Verified, verified.verified, verified.reason, verified.message);
    if (!verified.verified && verified.fatal) return this.stop(pkg, status, false, verified.reason, verified.message);

    const outcome = await this.distribute(pkg, csar, status, context);
    return this.finish(pkg, status, outcome, context);
  }

  private async download(pkg: AppPackage, context: ReconcileContext) {
    const { source } = pkg.spec;
    const namespace = pkg.metadata.namespace ?? '';
    const url = source.appstore
      ? `${source.appstore.url.replace(/\/+$/, '')}/mec/appstore/v1/apps/${source.appstore.appId}/packages/${source.appstore.packageId}/action/download?isDownloadImage=false`
      : source.http!.url;
    const secretRef = source.appstore?.credentialsSecretRef ?? source.http?.credentialsSecretRef;
    const headers = secretRef ? await this.sourceHeaders(namespace, secretRef.name, Boolean(source.appstore)) : {};
    return download({
      url, headers, expectedSha256: pkg.spec.sha256, knownSha256: pkg.status?.digest?.replace('sha256:', ''), maxBytes: pkg.spec.maxSizeBytes ?? this.options.maxPackageBytes,
      cacheDir: this.store.cacheDir, timeoutMs: this.options.timeoutMs, signal: context.signal,
    });
  }

  private parse(sha256: string, file: string): Promise<CsarPackage> {
    return this.store.open(sha256, file);
  }

  private async distribute(pkg: AppPackage, csar: CsarPackage, status: StatusBuilder, context: ReconcileContext): Promise<{ pending: boolean; errors: boolean }> {
    const targets = targetHosts(pkg, this.hosts.list());
    const digest = status.value.digest ?? '';
    const previous = new Map((pkg.status?.hosts ?? []).map((h) => [h.name, h]));
    const content = await this.contentOf(pkg, csar);
    const entries: HostEntry[] = [];
    let pending = false;
    let errors = false;

    await forEachLimited(targets, 8, async (name) => {
      const old = previous.get(name);
      const host = this.hosts.get(name);
      if (!host) {
        entries.push(entry(old, name, 'Error', `EdgeHost ${name} does not exist.`, status.now, digest));
        errors = true;
        return;
      }
      if (old?.state === 'Distributed' && old.digest === digest) {
        entries.push(old);
        return;
      }
      if (host.spec.paused) {
        entries.push(entry(old, name, 'Distributing', `EdgeHost ${name} is paused; distribution waits.`, status.now, digest));
        pending = true;
        return;
      }
      try {
        const credentials = await this.registryCredentials(host);
        const pushed = await pushToHost(repositoryLocation(host.spec.repository), credentials, content, this.options.timeoutMs);
        const note = pushed.imageProblems.length ? ` ${pushed.imageProblems.length} image(s) not mirrored: ${pushed.imageProblems.join('; ')}` : '';
        entries.push({ ...entry(old, name, 'Distributed', `Charts pushed, ${pushed.imagesMirrored} image(s) mirrored.${note}`, status.now, digest),
          chartReference: pushed.chartReference, imagesMirrored: pushed.imagesMirrored });
        await this.options.events.record(pkg, 'Normal', 'Distributed', `Pushed to ${name}: ${pushed.chartReference}`);
      } catch (error) {
        const transient = !(error instanceof DistributionError) || error.transient;
        entries.push(entry(old, name, transient ? 'Distributing' : 'Error', errorMessage(error), status.now, digest));
        if (transient) pending = true;
        else errors = true;
        context.log.warn('Distribution failed', { host: name, error: errorMessage(error) });
        await this.options.events.record(pkg, 'Warning', 'DistributionFailed', `${name}: ${errorMessage(error)}`);
      }
    });

    for (const [name, old] of previous) {
      if (targets.includes(name)) continue;
      const removed = await this.removeFrom(pkg, csar, name, context);
      if (!removed) entries.push({ ...old, state: 'Deleting', message: `Removing the package from ${name}.`, lastTransitionTime: old.state === 'Deleting' ? old.lastTransitionTime : rfc3339(status.now) });
      pending ||= !removed;
    }

    entries.sort((a, b) => a.name.localeCompare(b.name));
    status.value.hosts = entries;
    const distributed = entries.filter((e) => e.state === 'Distributed' && targets.includes(e.name)).length;
    status.value.distributed = `${distributed}/${targets.length}`;
    if (targets.length === 0) status.set(ConditionType.Distributed, true, Reason.NoTargetHosts, 'No EdgeHost is targeted; set spec.distribution to distribute the package.');
    else if (distributed === targets.length && !pending) status.set(ConditionType.Distributed, true, Reason.DistributionSucceeded, `Distributed to ${distributed} of ${targets.length} host(s).`);
    else if (errors) status.set(ConditionType.Distributed, false, Reason.DistributionFailed, `Distributed to ${distributed} of ${targets.length} host(s); see status.hosts for the errors.`);
    else status.set(ConditionType.Distributed, false, Reason.DistributionInProgress, `Distributed to ${distributed} of ${targets.length} host(s); the others are retried.`);
    return { pending, errors };
  }

  /** Removes the charts from one host; true when done (or impossible for good). */
  private async removeFrom(pkg: AppPackage, csar: { charts: PackageContent['charts'] }, name: string, context: ReconcileContext): Promise<boolean> {
    const host = this.hosts.get(name);
    if (!host) {
      await this.options.events.record(pkg, 'Warning', 'HostGone', `EdgeHost ${name} no longer exists; the package may remain in its repository.`);
      return true;
    }
    try {
      await removeFromHost(repositoryLocation(host.spec.repository), await this.registryCredentials(host),
        { namespace: pkg.metadata.namespace ?? '', name: pkg.metadata.name ?? '', charts: chartsOf(csar) }, this.options.timeoutMs);
      await this.options.events.record(pkg, 'Normal', 'Removed', `Removed from ${name}.`);
      return true;
    } catch (error) {
      context.log.warn('Removal failed', { host: name, error: errorMessage(error) });
      return false;
    }
  }

  private async finalize(pkg: AppPackage, context: ReconcileContext): Promise<ReconcileResult> {
    const hosts = pkg.status?.hosts ?? [];
    const csar = pkg.status?.digest ? await this.store.peek(pkg.status.digest.replace('sha256:', '')) : undefined;
    const charts = csar ? { charts: csar.charts } : { charts: (pkg.status?.charts ?? []).map((c) => ({ name: c.name, version: c.version ?? '', path: '' })) };
    const left: string[] = [];
    for (const host of hosts) if (!(await this.removeFrom(pkg, charts, host.name, context))) left.push(host.name);
    const waited = Date.now() - Date.parse(pkg.metadata.deletionTimestamp ?? new Date().toISOString());
    if (left.length && waited < this.options.deletionTimeoutMs) {
      throw new ReconcileError('RemovalPending', `Could not remove the package from ${left.join(', ')} yet; retrying.`);
    }
    if (left.length) {
      await this.options.events.record(pkg, 'Warning', 'RemovalAbandoned', `Gave up removing the package from ${left.join(', ')}; it may remain in their repositories.`);
    }
    await removeFinalizer(this.resources, pkg, finalizer);
    return done;
  }

  private async finish(pkg: AppPackage, status: StatusBuilder, outcome: { pending: boolean; errors: boolean }, context: ReconcileContext): Promise<ReconcileResult> {
    const ready = status.isTrue(ConditionType.Distributed) && status.isTrue(ConditionType.Parsed);
    status.set(ConditionType.Ready, ready, ready ? Reason.PackageReady : status.firstFalseReason(), ready ? 'The package is verified as configured and distributed to every target host.' : status.firstFalseMessage());
    status.remove(ConditionType.Stalled);
    if (outcome.pending) status.set(ConditionType.Reconciling, true, Reason.Progressing, 'Distribution is still in progress.');
    else status.remove(ConditionType.Reconciling);
    status.value.observedGeneration = pkg.metadata.generation ?? 0;
    if (await writeStatus(this.resources, pkg, status.value)) context.log.info('Updated AppPackage status', { distributed: status.value.distributed });
    if (outcome.pending) throw new ReconcileError(Reason.DistributionInProgress, 'Some hosts are still being distributed to.');
    return outcome.errors ? requeueAfter(this.options.retryErroredHostsMs) : done;
  }

  /** Writes a failure status; transient failures are retried with backoff, others wait for a change. */
  private async stop(pkg: AppPackage, status: StatusBuilder, transient: boolean, reason: string, message: string): Promise<ReconcileResult> {
    status.set(ConditionType.Ready, false, reason, message);
    if (transient) {
      status.set(ConditionType.Reconciling, true, reason, message);
      status.remove(ConditionType.Stalled);
    } else {
      status.set(ConditionType.Stalled, true, reason, message);
      status.remove(ConditionType.Reconciling);
      status.value.observedGeneration = pkg.metadata.generation ?? 0;
    }
    await writeStatus(this.resources, pkg, status.value);
    await this.options.events.record(pkg, 'Warning', reason, message);
    if (transient) throw new ReconcileError(reason, message);
    return done;
  }

  private async contentOf(pkg: AppPackage, csar: CsarPackage): Promise<PackageContent> {
    const images = pkg.spec.images ?? {};
    const namespace = pkg.metadata.namespace ?? '';
    const sourceCredentials = images.credentialsSecretRef ? await this.userPassword(namespace, images.credentialsSecretRef.name) : undefined;
    return {
      namespace, name: pkg.metadata.name ?? '', charts: chartsOf(csar),
      images: csar.images.filter((i) => i.swImage).map((i) => ({ swImage: i.swImage })),
      mirror: images.mirror ?? 'IfReachable', insecureSources: images.insecureRegistries ?? [], sourceCredentials,
    };
  }

  private async registryCredentials(host: EdgeHost): Promise<Credentials | undefined> {
    const ref = host.spec.repository.credentialsSecretRef;
    return ref ? this.userPassword(ref.namespace, ref.name) : undefined;
  }

  private async userPassword(namespace: string, name: string): Promise<Credentials> {
    const [username, password] = await Promise.all([this.readSecret(namespace, name, 'username'), this.readSecret(namespace, name, 'password')]);
    return { username, password };
  }

  private async sourceHeaders(namespace: string, name: string, appstore: boolean): Promise<Record<string, string>> {
    const secret = await this.getSecret(namespace, name);
    const value = (key: string) => (secret.data?.[key] ? Buffer.from(secret.data[key]!, 'base64').toString('utf8').trim() : undefined);
    const token = value('token');
    if (token) return appstore ? { access_token: token } : { Authorization: `Bearer ${token}` };
    const [username, password] = [value('username'), value('password')];
    if (username !== undefined && password !== undefined) return { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
    throw new DownloadError('SourceRefused', `Secret ${namespace}/${name} has neither a token key nor username and password keys.`, false);
  }

  private async readSecret(namespace: string, name: string, key: string): Promise<string> {
    const secret = await this.getSecret(namespace, name);
    const data = secret.data?.[key];
    if (data === undefined) throw new ReconcileError(Reason.CredentialsSecretInvalid, `Secret ${namespace}/${name} has no key "${key}".`);
    return Buffer.from(data, 'base64').toString('utf8');
  }

  private async getSecret(namespace: string, name: string): Promise<SecretObject> {
    try {
      return await this.secrets.get(name, namespace);
    } catch (error) {
      if (isNotFound(error)) throw new ReconcileError(Reason.CredentialsSecretInvalid, `Secret ${namespace}/${name} does not exist.`);
      throw error;
    }
  }
}

function chartsOf(csar: { charts: PackageContent['charts'] }): PackageContent['charts'] {
  return csar.charts.map((c) => ({ path: c.path, name: c.name, version: c.version }));
}

function describe(status: AppPackageStatus, csar: CsarPackage): void {
  status.app = JSON.parse(JSON.stringify(csar.app)) as AppPackageStatus['app'];
  status.charts = csar.charts.map((c) => ({ name: c.name, version: c.version, digest: `sha256:${c.sha256}` }));
  status.images = csar.images.map((i) => JSON.parse(JSON.stringify({ name: i.name, version: i.version, source: i.swImage, architecture: i.architecture })) as NonNullable<AppPackageStatus['images']>[number]);
  status.rules = { trafficRules: csar.appd.trafficRules.length, dnsRules: csar.appd.dnsRules.length, appSupportMp1: csar.appd.appSupportMp1 ?? false };
}

function entry(old: HostEntry | undefined, name: string, state: HostEntry['state'], message: string, now: Date, digest: string): HostEntry {
  const keep = old && old.state === state ? old.lastTransitionTime : undefined;
  return { name, state, message: message.slice(0, 4000), lastTransitionTime: keep ?? rfc3339(now), digest };
}

/** Conditions and status fields of one reconcile, built up and written once. */
class StatusBuilder {
  readonly value: AppPackageStatus;
  private readonly conditions: ConditionSet;

  constructor(pkg: AppPackage, readonly now: Date) {
    this.value = JSON.parse(JSON.stringify(pkg.status ?? {})) as AppPackageStatus;
    this.conditions = new ConditionSet(pkg.status?.conditions as Condition[] | undefined, pkg.metadata.generation ?? 0, now);
  }

  set(type: string, ok: boolean, reason: string, message: string): void {
    this.conditions.set(type, ok, reason, message);
    this.value.conditions = this.conditions.list as AppPackageStatus['conditions'];
  }

  remove(type: string): void {
    this.conditions.remove(type);
    this.value.conditions = this.conditions.list as AppPackageStatus['conditions'];
  }

  isTrue(type: string): boolean {
    return this.conditions.isTrue(type);
  }

  private firstFalse(): Condition | undefined {
    return [ConditionType.Downloaded, ConditionType.Parsed, ConditionType.Verified, ConditionType.Distributed]
      .map((t) => this.conditions.get(t)).find((c) => c?.status === 'False');
  }

  firstFalseReason(): string {
    return this.firstFalse()?.reason ?? Reason.Progressing;
  }

  firstFalseMessage(): string {
    return this.firstFalse()?.message ?? 'Working on it.';
  }
}


/** Wires the AppPackage controller: packages, the EdgeHosts they target, and re-distribution when hosts change. */
export function registerAppPackageController(manager: Manager, options: AppPackageControllerOptions, store = new PackageStore(options.dataDir)): Controller {
  const packages = manager.informer<AppPackage>(mecmTypes.appPackage);
  const hosts = manager.informer<EdgeHost>(mecmTypes.edgeHost);
  const reconciler = new AppPackageReconciler(packages, hosts,
    new ResourceClient<AppPackage>(manager.hub, mecmTypes.appPackage), new ResourceClient<SecretObject>(manager.hub, coreTypes.secret), store, options);
  const controller = new Controller({ name: 'apppackage', reconciler, workers: options.workers, metrics: manager.metrics, log: manager.log });
  controller.watch(packages, { resyncMs: defaultResyncMs });
  // A host whose labels change may enter or leave a selector, one whose repository moved is
  // pushed to again; its probe status changes nothing here.
  controller.watch(hosts, { map: () => packages.list().map(objectKey), updateMatters: specOrLabelsChanged });
  manager.addController(controller);
  return controller;
}
