/**
 * Values computed from the informer caches, kept until the caches they read change: each is
 * stored with the revision it was computed at (NorthView.inventoryRevision) and computed again
 * once the revision moved on. At most `maxEntries` keys (then all are forgotten at once, as
 * runtime/kube-auth.ts's TtlCache does), so callers cannot grow it without bound.
 */
export class RevisionCache<V> {
  private readonly entries = new Map<string, { readonly revision: string; readonly value: V }>();

  constructor(private readonly maxEntries = 256) {}

  get(key: string, revision: string, compute: () => V): V {
    const entry = this.entries.get(key);
    if (entry?.revision === revision) return entry.value;
    const value = compute();
    if (!entry && this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { revision, value });
    return value;
  }
}
