/**
 * The snapshot folder of a database, `<db>/snapshots/<collection>/`: creating, listing,
 * deleting and recovering collection snapshots (`SnapshotDatabase`).
 *
 * Each snapshot is `<name>.snapshot` (format: storage/snapshot-file.ts) beside
 * `<name>.snapshot.checksum`, its SHA-256 in hex (as Qdrant keeps it), so listing does not
 * read whole files. A snapshot is written under a temporary name (`*.tmp`, removed at the
 * next open if the process dies), fsynced, renamed into place, then its checksum file is
 * written the same way; a snapshot whose checksum file is missing (a crash between the two)
 * has it computed and written when it is listed. Snapshots outlive their collection: they
 * stay listed after a drop, so the collection can be recovered from them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { InvalidArgumentError, SnapshotNotFoundError, StorageFullError } from '../errors.js';
import { isFull, removeTemporaryFiles } from '../storage/object-store.js';
import { SnapshotReader } from '../storage/snapshot-file.js';
import type { EmbeddedCollection } from './collection.js';
import { type SnapshotSource, writeSnapshot } from './snapshot-create.js';
import type { PinningObjectStore } from './snapshot-pins.js';
import { type RestoreTarget, restoreSnapshot } from './snapshot-restore.js';
import type { RecoverOptions, SnapshotInfo } from './types.js';
import { checkCollectionName, describe } from './validate.js';

/** A snapshot's file name: no path separator, no leading dot, ending in `.snapshot`. */
const SNAPSHOT_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}\.snapshot$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

export interface SnapshotHost extends SnapshotSource, RestoreTarget {
  store: PinningObjectStore;
  /** The live collection `name` (throws as `Database.collection` does). */
  collection(name: string): EmbeddedCollection;
}

/** Distinguishes the temporary files of concurrent writes in this process. */
let nextTmp = 0;

export class CollectionSnapshots {
  /** `<db>/snapshots` */
  readonly folder: string;

  constructor(
    dbPath: string,
    private readonly host: SnapshotHost,
  ) {
    this.folder = join(dbPath, 'snapshots');
  }

  /** Writes a snapshot of `collection` (see `SnapshotDatabase.createSnapshot`). */
  async create(collection: string): Promise<SnapshotInfo> {
    const source = this.host.collection(collection);
    const dir = this.folderOf(collection);
    await mkdir(dir, { recursive: true });
    const name = `${collection}-${fileStamp(new Date())}-${randomBytes(4).toString('hex')}.snapshot`;
    const path = join(dir, name);
    const tmp = `${path}.${process.pid}.${nextTmp++}.tmp`;
    try {
      const { size, checksum } = await writeSnapshot(this.host, source, tmp);
      await rename(tmp, path);
      await writeChecksum(path, checksum);
      await syncDirectory(dir);
      return { name, creationTime: qdrantTime((await stat(path)).mtime), size, checksum };
    } catch (err) {
      await rm(tmp, { force: true });
      if (isFull(err)) throw new StorageFullError(this.folder, 'writing a snapshot');
      throw err;
    }
  }

  /** The snapshots of `collection`, oldest first (ties by name). */
  async list(collection: string): Promise<SnapshotInfo[]> {
    const dir = this.folderOf(collection);
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => SNAPSHOT_NAME.test(n));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const found: (SnapshotInfo & { mtime: number })[] = [];
    for (const name of names) {
      const path = join(dir, name);
      let info: Awaited<ReturnType<typeof stat>>;
      try {
        info = await stat(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // deleted meanwhile
        throw err;
      }
      const checksum = await this.checksumOf(path);
      if (checksum === undefined) continue;
      found.push({
        name,
        creationTime: qdrantTime(info.mtime),
        size: info.size,
        checksum,
        mtime: info.mtimeMs,
      });
    }
    found.sort((a, b) => a.mtime - b.mtime || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return found.map(({ mtime: _mtime, ...info }) => info);
  }

  /** The path of a snapshot file; `SnapshotNotFoundError` if there is none. */
  async path(collection: string, name: string): Promise<string> {
    const path = join(this.folderOf(collection), checkSnapshotName(name));
    try {
      if ((await stat(path)).isFile()) return path;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    throw new SnapshotNotFoundError(collection, name);
  }

  /** Deletes a snapshot and its checksum file. */
  async delete(collection: string, name: string): Promise<void> {
    const path = await this.path(collection, name);
    await rm(path, { force: true });
    await rm(`${path}.checksum`, { force: true });
  }

  /**
   * Verifies the snapshot at `file` (a path, or a stream spooled to a temporary file first)
   * whole, then restores it as `collection` (see `SnapshotDatabase.recoverSnapshot`).
   */
  async recover(
    collection: string,
    file: string | AsyncIterable<Uint8Array>,
    options: RecoverOptions = {},
  ): Promise<EmbeddedCollection> {
    checkCollectionName(collection);
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError(`recover options: expected an object, got ${describe(options)}`);
    }
    const expected = options.checksum;
    if (expected !== undefined && (typeof expected !== 'string' || !SHA256_HEX.test(expected))) {
      throw new InvalidArgumentError(`checksum: expected 64 hex digits (SHA-256), got ${describe(expected)}`);
    }
    const accept = options.acceptConfig;
    if (typeof file === 'string')
      return this.recoverFile(collection, file, expected, options.label ?? file, accept);
    if (typeof file !== 'object' || file === null || !(Symbol.asyncIterator in file)) {
      throw new InvalidArgumentError(
        `snapshot: expected a file path or a byte stream, got ${describe(file)}`,
      );
    }
    const dir = this.folderOf(collection);
    await mkdir(dir, { recursive: true });
    const tmp = join(
      dir,
      `incoming-${randomBytes(4).toString('hex')}.snapshot.${process.pid}.${nextTmp++}.tmp`,
    );
    try {
      try {
        await pipeline(file, createWriteStream(tmp, { flags: 'wx' }));
      } catch (err) {
        if (isFull(err)) throw new StorageFullError(this.folder, 'receiving a snapshot');
        throw err;
      }
      return await this.recoverFile(collection, tmp, expected, options.label ?? 'uploaded snapshot', accept);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  private async recoverFile(
    collection: string,
    file: string,
    expected: string | undefined,
    label: string,
    accept: RecoverOptions['acceptConfig'],
  ): Promise<EmbeddedCollection> {
    const reader = await SnapshotReader.open(file, label, expected, this.host.keyring?.());
    try {
      return await restoreSnapshot(this.host, collection, reader, accept);
    } finally {
      await reader.close();
    }
  }

  /** Deletes temporary files that interrupted snapshot writes left (at open). */
  async removeTemporary(): Promise<void> {
    await removeTemporaryFiles(this.folder);
  }

  /** The snapshot folder of a collection (its name checked, so it is one path segment). */
  folderOf(collection: string): string {
    return join(this.folder, checkCollectionName(collection));
  }

  /** The checksum file's content, or the file's SHA-256 computed (and saved) when it is missing. */
  private async checksumOf(path: string): Promise<string | undefined> {
    try {
      const saved = (await readFile(`${path}.checksum`, 'utf8')).trim();
      if (SHA256_HEX.test(saved)) return saved.toLowerCase();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    let checksum: string;
    try {
      checksum = await sha256File(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    await writeChecksum(path, checksum);
    return checksum;
  }
}

/** Refuses a snapshot name that is not a plain `*.snapshot` file name. */
export function checkSnapshotName(name: unknown): string {
  if (typeof name !== 'string' || !SNAPSHOT_NAME.test(name)) {
    throw new InvalidArgumentError(
      `snapshot name: expected a file name ending in .snapshot (letters, digits, . _ -), got ${describe(name)}`,
    );
  }
  return name;
}

/** SHA-256 of a file, hex. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Writes `<snapshot>.checksum` durably (temporary file, fsync, rename). */
async function writeChecksum(snapshot: string, checksum: string): Promise<void> {
  const target = `${snapshot}.checksum`;
  const tmp = `${target}.${process.pid}.${nextTmp++}.tmp`;
  try {
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(`${checksum}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
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

/** `YYYY-MM-DD-HH-MM-SS`, UTC (Qdrant's snapshot names carry the time this way). */
function fileStamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace(/[T:]/g, '-');
}

/** `YYYY-MM-DDTHH:MM:SS`, UTC (Qdrant's `creation_time`). */
function qdrantTime(date: Date): string {
  return date.toISOString().slice(0, 19);
}
