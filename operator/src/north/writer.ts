/**
 * North's writes, all CR writes on the hub with the operator's identity, after the caller was
 * authorized with a SubjectAccessReview (auth/access.ts). A set of objects is created whole or
 * not at all: when one create fails, those already made are deleted again, so a refused request
 * never leaves half an order behind.
 */
import type { AppInstance } from '../api/appinstance.js';
import type { AppPackage } from '../api/apppackage.js';
import { mecmTypes } from '../api/resources.js';
import type { KubeClient } from '../runtime/kube/client.js';
import { ApiError, isAlreadyExists, isNotFound } from '../runtime/kube/errors.js';
import { coreTypes, type KubeObject } from '../runtime/kube/resource.js';
import { ResourceClient } from '../runtime/kube/resource-client.js';
import { conflict, NorthError, unavailable } from './errors.js';

export type NorthObject = AppPackage | AppInstance;
export type SecretObject = KubeObject & { type?: string; data?: Record<string, string> };

export interface NorthWriter {
  /** Creates all, in order, or none (409 when one exists already). */
  createAll(objects: readonly NorthObject[]): Promise<void>;
  /** Deletes an object; false when it was not there. */
  remove(kind: NorthObject['kind'], namespace: string, name: string): Promise<boolean>;
  /** Sets an AppPackage's spec.distribution.hostNames. */
  setPackageHosts(namespace: string, name: string, hostNames: readonly string[]): Promise<void>;
  removeEdgeHost(name: string): Promise<boolean>;
  /** Creates a Secret; 'Exists' with its current data when one is there already. */
  createSecret(secret: SecretObject): Promise<{ readonly kind: 'Created' } | { readonly kind: 'Exists'; readonly data: Readonly<Record<string, string>> }>;
}

export class HubWriter implements NorthWriter {
  private readonly packages: ResourceClient<AppPackage>;
  private readonly instances: ResourceClient<AppInstance>;
  private readonly hosts: ResourceClient<KubeObject>;
  private readonly secrets: ResourceClient<SecretObject>;

  constructor(hub: KubeClient) {
    this.packages = new ResourceClient(hub, mecmTypes.appPackage, 'mecm-north');
    this.instances = new ResourceClient(hub, mecmTypes.appInstance, 'mecm-north');
    this.hosts = new ResourceClient(hub, mecmTypes.edgeHost, 'mecm-north');
    this.secrets = new ResourceClient(hub, coreTypes.secret, 'mecm-north');
  }

  async createAll(objects: readonly NorthObject[]): Promise<void> {
    const made: NorthObject[] = [];
    try {
      for (const object of objects) {
        await this.clientOf(object.kind).create(object as never);
        made.push(object);
      }
    } catch (error) {
      for (const object of made.reverse()) await this.remove(object.kind, object.metadata.namespace ?? '', object.metadata.name ?? '').catch(() => false);
      if (isAlreadyExists(error)) throw conflict(`${objects[made.length]?.kind ?? 'an object'} ${objects[made.length]?.metadata.name ?? ''} exists already`);
      throw asNorthError(error);
    }
  }

  async remove(kind: NorthObject['kind'], namespace: string, name: string): Promise<boolean> {
    try {
      await this.clientOf(kind).delete(name, namespace);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw asNorthError(error);
    }
  }

  async setPackageHosts(namespace: string, name: string, hostNames: readonly string[]): Promise<void> {
    try {
      await this.packages.patch(name, namespace, 'merge', { spec: { distribution: { hostNames: [...hostNames] } } });
    } catch (error) {
      throw asNorthError(error);
    }
  }

  async removeEdgeHost(name: string): Promise<boolean> {
    try {
      await this.hosts.delete(name);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw asNorthError(error);
    }
  }

  async createSecret(secret: SecretObject): ReturnType<NorthWriter['createSecret']> {
    try {
      await this.secrets.create(secret);
      return { kind: 'Created' };
    } catch (error) {
      if (!isAlreadyExists(error)) throw asNorthError(error);
    }
    try {
      const existing = await this.secrets.get(secret.metadata.name ?? '', secret.metadata.namespace);
      return { kind: 'Exists', data: existing.data ?? {} };
    } catch (error) {
      throw asNorthError(error);
    }
  }

  private clientOf(kind: NorthObject['kind']): ResourceClient<NorthObject> {
    return (kind === 'AppPackage' ? this.packages : this.instances) as ResourceClient<NorthObject>;
  }
}

/** The API server refused (422 Invalid: a value our schema let through) or could not be reached. */
function asNorthError(error: unknown): NorthError {
  if (error instanceof NorthError) return error;
  if (error instanceof ApiError && error.code === 422) return new NorthError(422, `the hub refused the object: ${error.message.slice(0, 500)}`);
  if (error instanceof ApiError && error.code === 409) return conflict(error.message.slice(0, 500));
  return unavailable('the hub API could not be reached or refused the operator; try again');
}
