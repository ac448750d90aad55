/**
 * Immutable objects addressed by key (`collections/7/seg-000001.qseg`). Sealed segments and
 * tombstone files live here; the catalog decides which objects are current.
 *
 * Contract: `put` is atomic and durable when it resolves (readers see the whole object or
 * none, and it survives power loss); objects are never modified in place; `delete` of a
 * missing key is not an error. A `put` that fails because the storage is full throws
 * `StorageFullError` and leaves nothing behind. The filesystem implementation is the embedded default; an
 * S3-compatible one will implement the same interface for cluster mode.
 */
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { StorageFullError } from '../errors.js';
import type { DiskRows } from '../index/disk-rows.js';
import {
  directReadsOn,
  type ObjectReader,
  openFileReader,
  readThrough,
  readWholeFile,
} from './whole-file-read.js';

export type { ObjectReader } from './whole-file-read.js';

export interface ObjectStore {
  put(key: string, data: Uint8Array): Promise<void>;
  get(key: string): Promise<Uint8Array>;
  /**
   * Bytes of the object `key` without reading it (optional: progress reports of background
   * loading use it; a store without it reports bytes only as they are read).
   */
  size?(key: string): Promise<number>;
  /**
   * Opens the object `key` for positioned reads into memory the caller gives (`ObjectReader`).
   * Optional: a store that cannot read an object's bytes in place (an encrypting one: the
   * stored bytes are not the object's) leaves it absent, and readers use `get`. Loading uses
   * it to read vectors and graphs straight into their arena. Rejects with the store's error
   * (ENOENT for a missing object on a filesystem) when `key` cannot be opened.
   */
  openReader?(key: string): Promise<ObjectReader>;
  /**
   * Reads the objects `keys` through, in order, so that reading them soon after is fast (the
   * page cache of a filesystem; a remote store could fill a local cache); stops once `signal`
   * aborts. Optional, and only ever a hint: it never fails (a missing object is reported by
   * the read that needs it).
   */
  readAhead?(keys: readonly string[], signal: AbortSignal): Promise<void>;
  /**
   * Whether `openReader`'s readers read large objects direct (`O_DIRECT`, past the page
   * cache) where the memory allows: then reading such an object ahead only costs a second
   * read from the device, and loading leaves segment files out of `readAhead`.
   */
  readonly readsDirect?: boolean;
  /** Keys that start with `prefix`, in no particular order. */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
  /** Deletes every key under `prefix` (a folder-like prefix ending in `/`). */
  deletePrefix(prefix: string): Promise<void>;
  /**
   * The folder-like prefixes directly below `prefix` (which ends in `/`), each ending in
   * `/`: S3's common prefixes; on a filesystem also folders left empty, so that they can be
   * removed with `deletePrefix`.
   */
  folders(prefix: string): Promise<string[]>;
  /**
   * Removes what interrupted `put`s left behind (partial temporary objects). Called once at
   * open by the process holding the catalog's lock, so no `put` is in flight.
   */
  removeTemporary(): Promise<void>;
  /**
   * The local file that holds `key`, when objects are local files (for positioned reads of
   * an immutable object); undefined or absent otherwise.
   */
  localPath?(key: string): string | undefined;
  /**
   * Positioned reads of `count` rows of `dimension` f32 at byte `position` of the immutable
   * object `key`, for stores whose local files do not hold the object's bytes as they are
   * (encrypted ones, encrypt-object-store.ts); undefined when the object is not a local file.
   * A store that offers `localPath` leaves this absent.
   */
  openRows?(key: string, position: number, count: number, dimension: number): DiskRows | undefined;
}

/**
 * Objects as files below `root`. `put` writes a temporary file, fsyncs it, renames it over
 * the key and fsyncs the directory, so a crash leaves either the old state or the new
 * object, plus at worst a `*.tmp` file that `list` ignores and `removeTemporary` deletes (a
 * `put` that fails deletes its own). `ENOSPC`/`EDQUOT` become `StorageFullError`.
 */
/** Distinguishes the temporary files of concurrent puts in this process. */
let nextTmp = 0;

export class FsObjectStore implements ObjectStore {
  constructor(readonly root: string) {}

  path(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  localPath(key: string): string {
    return this.path(key);
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const target = this.path(key);
    const dir = dirname(target);
    const tmp = `${target}.${process.pid}.${nextTmp++}.tmp`;
    try {
      await mkdir(dir, { recursive: true });
      const file = await open(tmp, 'w');
      try {
        await file.writeFile(data);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, target);
      await syncDirectory(dir);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      if (isFull(err)) throw new StorageFullError(this.root, `writing ${key}`);
      throw err;
    }
  }

  async get(key: string): Promise<Uint8Array> {
    const buf = await readWholeFile(this.path(key));
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  async size(key: string): Promise<number> {
    return (await stat(this.path(key))).size;
  }

  openReader(key: string): Promise<ObjectReader> {
    return openFileReader(this.path(key));
  }

  get readsDirect(): boolean {
    return directReadsOn();
  }

  async readAhead(keys: readonly string[], signal: AbortSignal): Promise<void> {
    for (const key of keys) {
      if (signal.aborted) return;
      await readThrough(this.path(key), signal).catch(() => undefined);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const base = this.path(prefix.endsWith('/') ? prefix.slice(0, -1) : dirname(prefix));
    const out: string[] = [];
    let entries: string[];
    try {
      entries = (await readdir(base, { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath, e.name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
      throw err;
    }
    for (const full of entries) {
      if (full.endsWith('.tmp')) continue;
      const key = relative(this.root, full).split(sep).join('/');
      if (key.startsWith(prefix)) out.push(key);
    }
    return out;
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<void> {
    await rm(this.path(prefix), { recursive: true, force: true });
  }

  async folders(prefix: string): Promise<string[]> {
    try {
      const entries = await readdir(this.path(prefix.slice(0, -1)), { withFileTypes: true });
      return entries.filter((e) => e.isDirectory()).map((e) => `${prefix}${e.name}/`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  async removeTemporary(): Promise<void> {
    await removeTemporaryFiles(this.root);
  }
}

/** Whether `err` says the filesystem (or the user's quota) is full. */
export function isFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Deletes every `*.tmp` file under `folder` (what interrupted write-then-rename writes leave);
 * a missing folder holds none.
 */
export async function removeTemporaryFiles(folder: string): Promise<void> {
  let entries: { name: string; parentPath: string; isFile(): boolean }[];
  try {
    entries = await readdir(folder, { recursive: true, withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const e of entries) {
    if (e.isFile() && e.name.endsWith('.tmp')) await rm(join(e.parentPath, e.name), { force: true });
  }
}
