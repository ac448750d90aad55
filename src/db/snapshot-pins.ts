/**
 * An `ObjectStore` whose objects can be pinned: while a snapshot copies the files of one
 * manifest version, a seal or compaction that commits a newer manifest may supersede them,
 * and its deletion of a pinned object is deferred until the last pin on it is released.
 *
 * Why this is safe: objects are immutable, so a deferred deletion changes nothing a reader
 * sees; the newer manifest no longer names the object, so the only reader is the snapshot.
 * If the process dies while an object is pinned, the object is an orphan (no manifest names
 * it) and `CollectionStorage.load` removes it at the next open. `deletePrefix` (dropping a
 * collection) is not deferred: a snapshot of a collection dropped meanwhile fails.
 */
import type { DiskRows } from '../index/disk-rows.js';
import type { ObjectReader, ObjectStore } from '../storage/object-store.js';

export class PinningObjectStore implements ObjectStore {
  /** Pin counts of pinned keys. */
  private readonly pins = new Map<string, number>();
  /** Pinned keys whose deletion was asked for. */
  private readonly deferred = new Set<string>();

  /** The inner store's `openReader`, when it has one (absent otherwise, as the interface says). */
  readonly openReader?: (key: string) => Promise<ObjectReader>;
  /** The inner store's `readAhead`, when it has one. */
  readonly readAhead?: (keys: readonly string[], signal: AbortSignal) => Promise<void>;

  constructor(private readonly inner: ObjectStore) {
    if (inner.openReader) this.openReader = (key) => inner.openReader!(key);
    if (inner.readAhead) this.readAhead = (keys, signal) => inner.readAhead!(keys, signal);
  }

  /**
   * Pins `keys` (synchronously: call it in the same commit-queue task that read the manifest
   * naming them); the returned function releases them, deleting those whose deletion was
   * deferred and that no other pin holds.
   */
  pin(keys: readonly string[]): () => Promise<void> {
    for (const key of keys) this.pins.set(key, (this.pins.get(key) ?? 0) + 1);
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      const due: string[] = [];
      for (const key of keys) {
        const left = (this.pins.get(key) ?? 1) - 1;
        if (left > 0) {
          this.pins.set(key, left);
          continue;
        }
        this.pins.delete(key);
        if (this.deferred.delete(key)) due.push(key);
      }
      for (const key of due) await this.inner.delete(key);
    };
  }

  put(key: string, data: Uint8Array): Promise<void> {
    // A new object under a key whose deletion is deferred must outlive the pin.
    this.deferred.delete(key);
    return this.inner.put(key, data);
  }

  get(key: string): Promise<Uint8Array> {
    return this.inner.get(key);
  }

  size(key: string): Promise<number> {
    if (!this.inner.size) throw new Error('the object store does not report sizes');
    return this.inner.size(key);
  }

  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }

  async delete(key: string): Promise<void> {
    if (this.pins.has(key)) {
      this.deferred.add(key);
      return;
    }
    await this.inner.delete(key);
  }

  deletePrefix(prefix: string): Promise<void> {
    for (const key of this.deferred) if (key.startsWith(prefix)) this.deferred.delete(key);
    return this.inner.deletePrefix(prefix);
  }

  folders(prefix: string): Promise<string[]> {
    return this.inner.folders(prefix);
  }

  removeTemporary(): Promise<void> {
    return this.inner.removeTemporary();
  }

  localPath(key: string): string | undefined {
    return this.inner.localPath?.(key);
  }

  openRows(key: string, position: number, count: number, dimension: number): DiskRows | undefined {
    return this.inner.openRows?.(key, position, count, dimension);
  }
}
