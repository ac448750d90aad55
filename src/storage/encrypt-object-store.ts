/**
 * `EncryptedObjectStore`: an `ObjectStore` that seals every object it writes in an encrypted
 * container (encrypt-container.ts) and opens every object it reads, over an inner store that
 * sees only ciphertext. Each object is sealed for its own key (`info` = the object key), so
 * an object copied or renamed to another key fails to open.
 *
 * Positioned reads. `localPath` is not offered (the file's bytes are not the object's);
 * `openRows` instead reads rows of an immutable object in place, decrypting only the chunks
 * a read touches (encrypt-rows.ts), so `onDisk` vector fields keep working.
 *
 * Key rotation. `reencrypt(key)` rewrites one object under the current key (a `put` of its
 * plaintext: write, fsync, atomic rename). `put`, `delete` and `reencrypt` of the same key
 * are serialized here, so a rotation never brings back an object deleted meanwhile (it
 * finds it missing and skips it) and a delete never races a rewrite; `deletePrefix` (a
 * dropped collection) waits for the rewrites under it in flight, and none starts meanwhile. Readers see the old or
 * the new file, and both open: the previous keys stay in the keyring until every object and
 * catalog row is sealed under the current one.
 */

import { CorruptDataError } from '../errors.js';
import type { DiskRows } from '../index/disk-rows.js';
import { isContainer } from './encrypt-container.js';
import type { EncryptionKeyring } from './encrypt-keys.js';
import { EncryptedFileRows } from './encrypt-rows.js';
import type { ObjectStore } from './object-store.js';

export class EncryptedObjectStore implements ObjectStore {
  /** The last operation on each key in flight (put, delete, reencrypt run one at a time per key). */
  private readonly busy = new Map<string, Promise<unknown>>();
  /** Puts in flight (a put seals under the keyring current when it starts). */
  private readonly puts = new Set<Promise<unknown>>();
  /** Prefixes being deleted: a re-encryption does not write under them. */
  private readonly deleting = new Set<string>();

  constructor(
    readonly inner: ObjectStore,
    /** The keys; replaced when a rotation starts or ends (`useKeyring`). */
    private keyring: EncryptionKeyring,
  ) {}

  /** Seals what is written from now on under `keyring`'s current key. */
  useKeyring(keyring: EncryptionKeyring): void {
    this.keyring = keyring;
  }

  put(key: string, data: Uint8Array): Promise<void> {
    const put = this.serial(key, () => this.inner.put(key, this.keyring.seal(key, data)));
    const settled = put.catch(() => undefined);
    this.puts.add(settled);
    void settled.then(() => this.puts.delete(settled));
    return put;
  }

  /**
   * Resolves once every put in flight now has settled: after `useKeyring`, from then on no
   * object can appear sealed under the keyring it replaced.
   */
  async settled(): Promise<void> {
    await Promise.all([...this.puts]);
  }

  async get(key: string): Promise<Uint8Array> {
    return this.decrypt(key, await this.inner.get(key));
  }

  size(key: string): Promise<number> {
    return this.inner.size ? this.inner.size(key) : this.get(key).then((b) => b.byteLength);
  }

  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }

  delete(key: string): Promise<void> {
    return this.serial(key, () => this.inner.delete(key));
  }

  /** Deletes `prefix` once the re-encryptions under it in flight are done (none starts meanwhile). */
  async deletePrefix(prefix: string): Promise<void> {
    this.deleting.add(prefix);
    try {
      const inFlight = [...this.busy].filter(([key]) => key.startsWith(prefix)).map(([, run]) => run);
      await Promise.all(inFlight);
      await this.inner.deletePrefix(prefix);
    } finally {
      this.deleting.delete(prefix);
    }
  }

  folders(prefix: string): Promise<string[]> {
    return this.inner.folders(prefix);
  }

  removeTemporary(): Promise<void> {
    return this.inner.removeTemporary();
  }

  /**
   * Readers of rows `count` × `dimension` f32 at plaintext byte `position` of the immutable
   * object `key`, when the inner store keeps objects in local files; undefined otherwise.
   */
  openRows(key: string, position: number, count: number, dimension: number): DiskRows | undefined {
    const path = this.inner.localPath?.(key);
    if (path === undefined) return undefined;
    const keyring = this.keyring;
    return new EncryptedFileRows(
      path,
      key,
      (header) => keyring.fileKeyOf(header, key, key),
      position,
      count,
      dimension,
    );
  }

  /**
   * Rewrites `key` sealed under the current key, unless it already is or no longer exists.
   * Returns whether it rewrote it.
   */
  reencrypt(key: string): Promise<boolean> {
    return this.serial(key, async () => {
      let sealed: Uint8Array;
      try {
        sealed = await this.inner.get(key);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw err;
      }
      if (this.keyring.isCurrent(sealed) || this.isDeleting(key)) return false;
      const plain = this.decrypt(key, sealed);
      await this.inner.put(key, this.keyring.seal(key, plain));
      return true;
    });
  }

  /** Whether `key` exists and is sealed under a key other than the current one. */
  async isStale(key: string): Promise<boolean> {
    try {
      return !this.keyring.isCurrent(await this.inner.get(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  private isDeleting(key: string): boolean {
    for (const prefix of this.deleting) if (key.startsWith(prefix)) return true;
    return false;
  }

  private decrypt(key: string, sealed: Uint8Array): Uint8Array {
    if (!isContainer(sealed)) throw new CorruptDataError(key, 'is not encrypted in an encrypted database');
    const plain = this.keyring.open(key, sealed, key);
    return new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength);
  }

  private serial<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.busy.get(key) ?? Promise.resolve();
    const run = before.then(work, work);
    const settled = run.catch(() => undefined);
    this.busy.set(key, settled);
    void settled.then(() => {
      if (this.busy.get(key) === settled) this.busy.delete(key);
    });
    return run;
  }
}
