/**
 * An object store that fails on command, for testing that a failed write of a segment or
 * tombstone file loses nothing and leaves the database consistent.
 */
import type { ObjectStore } from '../../src/storage/object-store.js';

export class InjectedFault extends Error {}

export class FaultyObjectStore implements ObjectStore {
  /** When true, every `put` fails (after writing nothing). */
  failPuts = false;
  puts = 0;

  constructor(private readonly inner: ObjectStore) {}

  async put(key: string, data: Uint8Array): Promise<void> {
    if (this.failPuts) throw new InjectedFault(`injected failure writing ${key}`);
    this.puts++;
    await this.inner.put(key, data);
  }

  get(key: string): Promise<Uint8Array> {
    return this.inner.get(key);
  }

  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  deletePrefix(prefix: string): Promise<void> {
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
}
