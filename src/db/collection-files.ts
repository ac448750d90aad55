/**
 * The files of one collection in its object store, as the collection's storage reads and
 * writes them: every read and write goes through here so that the bytes of each file are
 * known (`diskBytes`, the collection's disk usage in `info()`), and reads started ahead of
 * need (`prefetch`) are handed to the read that needs them.
 *
 * Invariants: `sizes` holds the bytes of every file written or read since open (and of files
 * only sized, `note`), and forgets a file when it is deleted; a prefetched read is used at
 * most once (the read that takes it removes it).
 */
import { CorruptDataError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';

export class CollectionFiles {
  /** Bytes of each file the collection wrote or read. */
  private readonly sizes = new Map<string, number>();
  /** Reads started ahead of need (`prefetch`), by key. */
  private readonly prefetched = new Map<string, Promise<Uint8Array>>();

  constructor(readonly store: ObjectStore) {}

  /** Bytes of the collection's files (segments, tombstones, indexes) on disk. */
  get diskBytes(): number {
    let bytes = 0;
    for (const size of this.sizes.values()) bytes += size;
    return bytes;
  }

  /** Bytes on disk of the file `key` (0 when unknown or undefined). */
  bytesOf(key: string | undefined): number {
    return key === undefined ? 0 : (this.sizes.get(key) ?? 0);
  }

  /** Records the size of a file not read yet (so that disk usage is right before loading ends). */
  note(key: string, bytes: number): void {
    if (!this.sizes.has(key)) this.sizes.set(key, bytes);
  }

  /** Records the size of a file just read by other means (into place). */
  record(key: string, bytes: number): void {
    this.sizes.set(key, bytes);
  }

  /**
   * Starts reading `key` now, so that a later `read` of it (the next segment while loading)
   * finds it read or in flight: the disk reads while the current segment is decoded.
   */
  prefetch(key: string): void {
    if (this.prefetched.has(key)) return;
    const pending = this.store.get(key);
    pending.catch(() => undefined); // reported by the `read` that takes it
    this.prefetched.set(key, pending);
  }

  /** Reads a file of the collection (counted in its disk usage); `CorruptDataError` when missing. */
  async read(key: string): Promise<Uint8Array> {
    try {
      const pending = this.prefetched.get(key);
      this.prefetched.delete(key);
      const data = await (pending ?? this.store.get(key));
      this.sizes.set(key, data.byteLength);
      return data;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new CorruptDataError(key, 'file is missing');
      throw err;
    }
  }

  /** Reads a file that may not exist (derived files: partitions); undefined when it does not. */
  async readIfExists(key: string): Promise<Uint8Array | undefined> {
    try {
      return await this.read(key);
    } catch (err) {
      if (err instanceof CorruptDataError) return undefined;
      throw err;
    }
  }

  /** Writes a file durably (`ObjectStore.put`). */
  async put(key: string, data: Uint8Array): Promise<void> {
    await this.store.put(key, data);
    this.sizes.set(key, data.byteLength);
  }

  async delete(key: string): Promise<void> {
    await this.store.delete(key);
    this.sizes.delete(key);
  }

  async deleteAll(keys: readonly string[]): Promise<void> {
    for (const key of keys) await this.delete(key);
  }
}
