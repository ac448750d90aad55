/**
 * Immutable objects addressed by key (`collections/7/seg-000001.qseg`). Sealed segments and
 * tombstone files live here; the catalog decides which objects are current.
 *
 * Contract: `put` is atomic and durable when it resolves (readers see the whole object or
 * none, and it survives power loss); objects are never modified in place; `delete` of a
 * missing key is not an error. The filesystem implementation is the embedded default; an
 * S3-compatible one will implement the same interface for cluster mode.
 */
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

export interface ObjectStore {
  put(key: string, data: Uint8Array): Promise<void>;
  get(key: string): Promise<Uint8Array>;
  /** Keys that start with `prefix`, in no particular order. */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
  /** Deletes every key under `prefix` (a folder-like prefix ending in `/`). */
  deletePrefix(prefix: string): Promise<void>;
}

/**
 * Objects as files below `root`. `put` writes a temporary file, fsyncs it, renames it over
 * the key and fsyncs the directory, so a crash leaves either the old state or the new
 * object, plus at worst a `*.tmp` file that `list` ignores.
 */
/** Distinguishes the temporary files of concurrent puts in this process. */
let nextTmp = 0;

export class FsObjectStore implements ObjectStore {
  constructor(readonly root: string) {}

  path(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const target = this.path(key);
    const dir = dirname(target);
    await mkdir(dir, { recursive: true });
    const tmp = `${target}.${process.pid}.${nextTmp++}.tmp`;
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, target);
    await syncDirectory(dir);
  }

  async get(key: string): Promise<Uint8Array> {
    const buf = await readFile(this.path(key));
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
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
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
