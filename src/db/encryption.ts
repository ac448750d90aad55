/**
 * Encryption at rest of one database: choosing it at open, checking the key, and rotating it.
 *
 * Opt-in per database, fixed at creation. A database first opened with `encryptionKey` (and
 * holding no collection yet) records the key's check value in the catalog
 * (storage/catalog-encryption.ts); from then on every object it writes is sealed
 * (storage/encrypt-object-store.ts), as are its WAL and thumbnail rows and its snapshots.
 * Opening it without a key, or with another key, fails with `EncryptionKeyError` before
 * anything is read; so does opening a database that holds data in clear with a key.
 *
 * Key rotation protocol (`rotate`). 1. The record becomes `{ kcv: new, previous: [old…] }`
 * in one transaction, and from then on everything written is sealed under the new key while
 * the old keys still open. 2. Every object under `collections/`, every snapshot file and
 * every WAL and thumbnail row sealed under another key is re-sealed: an object by writing its
 * plaintext sealed anew to a temporary file and renaming it over the old one; a row by one
 * `UPDATE` per batch. Each object and row names its key (key id in its header), so which ones
 * remain is read from the files themselves: the passes repeat until one finds nothing to do.
 * 3. The record's `previous` is emptied. Reads and writes go on throughout (only one object
 * at a time is held against its own put and delete). A crash anywhere leaves every file and
 * row sealed under a key the record lists, the record listing the new key as current: the
 * next open needs `encryptionKey: new, previousEncryptionKeys: [old]` and resumes at step 2
 * in the background. Opening with those keys also starts a rotation when the record still
 * names the old key as current (a crash before step 1, or a rotation asked for at open, as
 * `quiver serve` does). No plaintext is ever written: files are re-sealed in memory.
 */
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EncryptionKeyError, InvalidArgumentError } from '../errors.js';
import type { SqliteCatalog } from '../storage/catalog.js';
import type { EncryptionRecord } from '../storage/catalog-encryption.js';
import {
  type EncryptionKeyInput,
  EncryptionKeyring,
  keyCheckValue,
  parseEncryptionKey,
} from '../storage/encrypt-keys.js';
import { EncryptedObjectStore } from '../storage/encrypt-object-store.js';
import type { ObjectStore } from '../storage/object-store.js';
import { SnapshotReader, SnapshotWriter } from '../storage/snapshot-file.js';

/** What `Quiver.open` takes about encryption (see `OpenOptions`). */
export interface EncryptionOptions {
  encryptionKey?: EncryptionKeyInput;
  previousEncryptionKeys?: EncryptionKeyInput[];
}

/** Progress of a key rotation: files and rows re-sealed so far. */
export interface RotationProgress {
  files: number;
  rows: number;
}

export class DatabaseEncryption {
  /** The rotation in progress (its promise settles when it is done or stopped). */
  private running: Promise<RotationProgress> | undefined;
  private stopped = false;
  /** Snapshot writes in flight (`sealing`). */
  private readonly writers = new Set<Promise<unknown>>();

  private constructor(
    private readonly catalog: SqliteCatalog,
    readonly store: EncryptedObjectStore,
    private keyringNow: EncryptionKeyring,
    /** `<db>/snapshots` */
    private readonly snapshotFolder: string,
  ) {}

  /**
   * Checks `options` against the catalog's record (writing it for a new encrypted database)
   * and returns the database's encryption, or undefined for a database in clear.
   * @throws EncryptionKeyError for a missing, wrong or superfluous key; InvalidArgumentError
   *   for a malformed one.
   */
  static open(
    catalog: SqliteCatalog,
    inner: ObjectStore,
    dbPath: string,
    options: EncryptionOptions,
  ): DatabaseEncryption | undefined {
    const record = catalog.encryption.record();
    const given = options.encryptionKey;
    const previousGiven = options.previousEncryptionKeys ?? [];
    if (!Array.isArray(previousGiven)) {
      throw new InvalidArgumentError('previousEncryptionKeys: expected an array of keys');
    }
    if (given === undefined) {
      if (record) {
        throw new EncryptionKeyError(
          `${catalog.file}: the database is encrypted; open it with its encryptionKey (--encryption-key-file)`,
        );
      }
      if (previousGiven.length > 0) {
        throw new InvalidArgumentError('previousEncryptionKeys: given without an encryptionKey');
      }
      return undefined;
    }
    const key = parseEncryptionKey(given);
    const previous = previousGiven.map((k, i) => parseEncryptionKey(k, `previousEncryptionKeys[${i}]`));
    const kcv = keyCheckValue(key);
    if (!record) {
      if (catalog.listCollections().length > 0) {
        throw new EncryptionKeyError(
          `${catalog.file}: the database was created without encryption and holds collections in clear; ` +
            'encryption is chosen when a database is created (restore snapshots into a new encrypted database)',
        );
      }
      catalog.encryption.setRecord({ version: 1, cipher: 'AES-256-GCM', kcv, previous: [] });
    } else {
      const have = new Set(previous.map(keyCheckValue));
      if (record.kcv !== kcv && !have.has(record.kcv)) {
        throw new EncryptionKeyError(
          record.previous.includes(kcv)
            ? `${catalog.file}: a key rotation to another key is in progress; open with the new key as encryptionKey and this one in previousEncryptionKeys`
            : `${catalog.file}: the encryption key does not match the database's (key check value differs)`,
        );
      }
      const missing = record.previous.filter((p) => p !== kcv && !have.has(p));
      if (missing.length > 0) {
        throw new EncryptionKeyError(
          `${catalog.file}: a key rotation is in progress; previousEncryptionKeys must also hold the key(s) with check value ${missing.join(', ')}`,
        );
      }
      // A new key with the current one among the previous: the rotation to it starts now.
      if (record.kcv !== kcv) catalog.encryption.setRecord(rotatedRecord(record, kcv));
    }
    const current = catalog.encryption.record() as EncryptionRecord;
    const keep = previous.filter((k) => current.previous.includes(keyCheckValue(k)));
    const keyring = new EncryptionKeyring(key, keep);
    catalog.encryption.keyring = keyring;
    return new DatabaseEncryption(
      catalog,
      new EncryptedObjectStore(inner, keyring),
      keyring,
      join(dbPath, 'snapshots'),
    );
  }

  /** The current keys. */
  get keyring(): EncryptionKeyring {
    return this.keyringNow;
  }

  /** Whether a rotation is recorded as unfinished (it resumes with `resume`). */
  get rotationPending(): boolean {
    return (this.catalog.encryption.record()?.previous.length ?? 0) > 0;
  }

  /**
   * Runs `work` (writing a snapshot) with the current keys, tracked so that a rotation
   * starting meanwhile waits for it before its passes (its blobs may be sealed under the old key).
   */
  sealing<T>(work: (keyring: EncryptionKeyring) => Promise<T>): Promise<T> {
    const run = work(this.keyringNow);
    const settled = run.catch(() => undefined);
    this.writers.add(settled);
    void settled.then(() => this.writers.delete(settled));
    return run;
  }

  /** The running rotation, if any (resolves with what it re-sealed). */
  get rotation(): Promise<RotationProgress> | undefined {
    return this.running;
  }

  /**
   * Starts re-sealing everything under `next` (see the module comment); resolves when done.
   * @throws EncryptionKeyError if `next` is the current key.
   */
  rotate(next: EncryptionKeyInput, onError: (err: Error) => void): Promise<RotationProgress> {
    const key = parseEncryptionKey(next, 'newKey');
    const kcv = keyCheckValue(key);
    if (kcv === this.keyringNow.kcv) throw new EncryptionKeyError('newKey: is the current encryption key');
    if (this.running) {
      throw new EncryptionKeyError(
        'a key rotation is already in progress; wait for it (db.encryptionRotation)',
      );
    }
    const record = this.catalog.encryption.record() as EncryptionRecord;
    const keyring = this.keyringNow.rotatedTo(key);
    this.catalog.encryption.setRecord(rotatedRecord(record, kcv));
    this.use(keyring);
    return this.resume(onError) as Promise<RotationProgress>;
  }

  /** Resumes a rotation the record says is unfinished (in the background); returns it, if any. */
  resume(onError: (err: Error) => void): Promise<RotationProgress> | undefined {
    if (!this.rotationPending || this.running) return this.running;
    const run = this.reseal().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    run.catch(onError);
    this.running = run;
    return run;
  }

  /** Stops a rotation after the object or batch in progress (it resumes at the next open). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running?.catch(() => undefined);
  }

  private use(keyring: EncryptionKeyring): void {
    this.keyringNow = keyring;
    this.store.useKeyring(keyring);
    this.catalog.encryption.keyring = keyring;
  }

  /** Step 2 and 3 of the protocol. */
  private async reseal(): Promise<RotationProgress> {
    const done: RotationProgress = { files: 0, rows: 0 };
    // Writes that began under the old keys finish first; every later one seals under the new key.
    await this.store.settled();
    await Promise.all([...this.writers]);
    for (;;) {
      let found = 0;
      for (const key of await this.store.list('collections/')) {
        if (this.stopped) return done;
        if (await this.store.reencrypt(key)) found++;
      }
      for (const path of await this.snapshotFiles()) {
        if (this.stopped) return done;
        if (await this.resealSnapshot(path)) found++;
      }
      let cursor: { wal: number; thumbnail: number } | undefined = { wal: 0, thumbnail: 0 };
      while (cursor) {
        if (this.stopped) return done;
        const batch = this.catalog.encryption.resealBatch(cursor);
        done.rows += batch.resealed;
        cursor = batch.next;
        await new Promise((resolve) => setImmediate(resolve));
      }
      done.files += found;
      if (found === 0) break;
    }
    const record = this.catalog.encryption.record() as EncryptionRecord;
    this.catalog.encryption.setRecord({ ...record, previous: [] });
    this.use(this.keyringNow.withoutPrevious());
    return done;
  }

  /** Paths of every snapshot file of the database. */
  private async snapshotFiles(): Promise<string[]> {
    try {
      return (await readdir(this.snapshotFolder, { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile() && e.name.endsWith('.snapshot'))
        .map((e) => join(e.parentPath, e.name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  /**
   * Rewrites the snapshot at `path` with its blobs sealed under the current key (temporary
   * file, fsync, rename, then its checksum file); false when it already is, or is gone.
   */
  private async resealSnapshot(path: string): Promise<boolean> {
    let reader: SnapshotReader;
    try {
      reader = await SnapshotReader.open(path, path, undefined, this.keyringNow);
    } catch (err) {
      if ((err as { code?: string }).code === 'INVALID_SNAPSHOT' && !(await exists(path))) return false;
      throw err;
    }
    const tmp = `${path}.${process.pid}.reseal.tmp`;
    try {
      if (reader.directory.encryption?.keyId === this.keyringNow.keyId) return false;
      const writer = await SnapshotWriter.create(tmp, this.keyringNow);
      try {
        const dir = reader.directory;
        const files = [];
        for (const f of dir.files)
          files.push({ key: f.key, ...(await writer.addBlob(await reader.read(f))) });
        const wal = [];
        for (const w of dir.wal) wal.push({ kind: w.kind, ...(await writer.addBlob(await reader.read(w))) });
        const thumbnails = dir.thumbnails
          ? await writer.addBlob(await reader.read(dir.thumbnails))
          : undefined;
        const { encryption: _old, ...rest } = dir;
        const { checksum } = await writer.finish({
          ...rest,
          files,
          wal,
          ...(thumbnails ? { thumbnails } : {}),
        });
        // A snapshot deleted meanwhile (by a user or a purge) must not come back.
        if (!(await exists(path))) return false;
        await rename(tmp, path);
        await writeText(`${path}.checksum`, `${checksum}\n`);
        return true;
      } catch (err) {
        await writer.abort();
        throw err;
      }
    } finally {
      await reader.close();
      await rm(tmp, { force: true });
    }
  }
}

/** `record` with the key of check value `kcv` current and every other key it names previous. */
function rotatedRecord(record: EncryptionRecord, kcv: string): EncryptionRecord {
  return {
    ...record,
    kcv,
    previous: [...new Set([...record.previous, record.kcv])].filter((p) => p !== kcv),
  };
}

/** Whether a file exists at `path`. */
async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Writes a small file durably (temporary file, fsync, rename). */
async function writeText(target: string, text: string): Promise<void> {
  const tmp = `${target}.${process.pid}.reseal.tmp`;
  const file = await open(tmp, 'w');
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, target);
}
