/**
 * The LCM plugin registry: EdgeGallery's LCM Controller, reduced to a keyed dispatcher. The
 * operator registers one plugin per infrastructure type at start; the AppInstance controller
 * asks for the plugin of a host's `spec.infrastructure.type` and gets it, or a typed
 * UnsupportedInfrastructure that names the type and what is supported.
 */
import type { LcmPlugin } from './plugin.js';

/** No plugin serves this infrastructure type. Not transient: the EdgeHost must change. */
export class UnsupportedInfrastructure extends Error {
  constructor(readonly type: string, readonly supported: readonly string[]) {
    super(`Infrastructure type ${JSON.stringify(type)} has no LCM plugin in this operator; supported: ` +
      `${supported.length ? supported.join(', ') : 'none'}. Deploy the app to an edge host of a supported type.`);
    this.name = 'UnsupportedInfrastructure';
  }
}

export class LcmPluginRegistry {
  private readonly plugins = new Map<string, LcmPlugin>();

  constructor(plugins: Iterable<LcmPlugin> = []) {
    for (const plugin of plugins) this.register(plugin);
  }

  /** Adds a plugin under its `type`; a second plugin for the same type is a programming error. */
  register(plugin: LcmPlugin): this {
    if (this.plugins.has(plugin.type)) throw new Error(`an LCM plugin for ${plugin.type} is already registered`);
    this.plugins.set(plugin.type, plugin);
    return this;
  }

  /** The plugin for `type`, or the UnsupportedInfrastructure error as data for the caller to report. */
  resolve(type: string): { readonly ok: true; readonly plugin: LcmPlugin } | { readonly ok: false; readonly error: UnsupportedInfrastructure } {
    const plugin = this.plugins.get(type);
    return plugin ? { ok: true, plugin } : { ok: false, error: new UnsupportedInfrastructure(type, this.supported()) };
  }

  /** The plugin for `type`; throws UnsupportedInfrastructure when there is none. */
  get(type: string): LcmPlugin {
    const found = this.resolve(type);
    if (!found.ok) throw found.error;
    return found.plugin;
  }

  /** Every registered plugin. */
  all(): LcmPlugin[] {
    return [...this.plugins.values()];
  }

  /** Registered types, sorted. */
  supported(): string[] {
    return [...this.plugins.keys()].sort();
  }
}
