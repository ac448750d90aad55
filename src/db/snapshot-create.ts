/**
 * Taking a snapshot of a collection: what it holds and why it is consistent.
 *
 * A snapshot is the collection's state at one point of its commit order: the head manifest
 * (segment, tombstone and index files) plus the WAL rows after its checkpoint (the growing
 * segment and the deletions not yet sealed), with the stored configuration and the points'
 * thumbnails (snapshot-thumbnails.ts). All of it is
 * read inside one commit-queue task, where memory, the head manifest and the WAL agree (every
 * change runs in that queue), and the manifest's files are pinned in the same task so that
 * a seal or compaction committed while they are copied defers deleting them. Writes go on
 * during the copy and are not in the snapshot. The files are copied byte for byte, so built
 * indexes (HNSW graphs, IVF lists, …) come back identical and searches return the same hits.
 */
import { CollectionNotFoundError, CorruptDataError } from '../errors.js';
import type { SqliteCatalog } from '../storage/catalog.js';
import type { EncryptionKeyring } from '../storage/encrypt-keys.js';
import { parseManifest } from '../storage/manifest.js';
import { type SnapshotDirectory, SnapshotWriter } from '../storage/snapshot-file.js';
import type { EmbeddedCollection } from './collection.js';
import type { CommitQueue } from './commit-queue.js';
import type { PinningObjectStore } from './snapshot-pins.js';
import { captureThumbnails, thumbnailPackOf } from './snapshot-thumbnails.js';

/** What `captureState` read in one queue task. */
interface CapturedState {
  config: Record<string, unknown>;
  manifest: Record<string, unknown>;
  /** Object keys the manifest names (full keys). */
  keys: string[];
  wal: { kind: number; body: Uint8Array }[];
  /** The thumbnail pack, when the collection has thumbnails. */
  thumbnails: Uint8Array | undefined;
  points: number;
  release: () => Promise<void>;
}

export interface SnapshotSource {
  /** Throws `ClosedError` once the database is closing. */
  check(): void;
  queue: CommitQueue;
  catalog: SqliteCatalog;
  store: PinningObjectStore;
  /** The keys of an encrypted database (a restore opens the snapshot's blobs with them). */
  keyring?(): EncryptionKeyring | undefined;
  /**
   * In an encrypted database, runs `work` with the keys (its snapshot's blobs are sealed under
   * the current one), tracked so that a key rotation waits for it (db/encryption.ts).
   */
  sealing?<T>(work: (keyring: EncryptionKeyring) => Promise<T>): Promise<T>;
}

/**
 * Writes a snapshot of `collection` to `path` (a new file); returns its size and SHA-256.
 * The caller renames it into place.
 */
export async function writeSnapshot(
  source: SnapshotSource,
  collection: EmbeddedCollection,
  path: string,
): Promise<{ size: number; checksum: string }> {
  if (source.sealing) return source.sealing((keyring) => writeSealed(source, collection, path, keyring));
  return writeSealed(source, collection, path, undefined);
}

/** `writeSnapshot` with the blobs sealed under `keyring` when given. */
async function writeSealed(
  source: SnapshotSource,
  collection: EmbeddedCollection,
  path: string,
  keyring: EncryptionKeyring | undefined,
): Promise<{ size: number; checksum: string }> {
  const state = await source.queue.exclusive(() => captureState(source, collection));
  try {
    const writer = await SnapshotWriter.create(path, keyring);
    try {
      const prefix = collection.storage.prefix;
      const directory: SnapshotDirectory = {
        collection: collection.name,
        createdAt: new Date().toISOString(),
        points: state.points,
        config: state.config,
        manifest: relativeKeys(state.manifest, prefix) as Record<string, unknown>,
        files: [],
        wal: [],
      };
      for (const key of state.keys) {
        const blob = await writer.addBlob(await readObject(source.store, key, collection));
        directory.files.push({ key: key.slice(prefix.length), ...blob });
      }
      for (const row of state.wal)
        directory.wal.push({ kind: row.kind, ...(await writer.addBlob(row.body)) });
      if (state.thumbnails) directory.thumbnails = await writer.addBlob(state.thumbnails);
      return await writer.finish(directory);
    } catch (err) {
      await writer.abort();
      throw err;
    }
  } finally {
    await state.release();
  }
}

/** Reads the collection's durable state; runs inside the commit queue. */
function captureState(source: SnapshotSource, collection: EmbeddedCollection): CapturedState {
  source.check();
  if (collection.dropped) throw new CollectionNotFoundError(collection.name);
  const id = collection.storage.collectionId;
  const where = `${source.catalog.file} (collection ${id})`;
  const row = source.catalog.listCollections().find((r) => r.id === id);
  if (!row) throw new CollectionNotFoundError(collection.name);
  if (!row.intact) throw new CorruptDataError(where, 'configuration checksum mismatch');
  const head = source.catalog.headManifest(id);
  if (!head) throw new CorruptDataError(where, 'no manifest');
  const manifest = parseManifest(head.body, where);
  const keys = [...objectKeys(manifest, collection.storage.prefix)];
  const wal = source.catalog.walAfter(id, manifest.walCheckpoint).map((r) => ({
    kind: r.kind,
    body: new Uint8Array(r.body.buffer, r.body.byteOffset, r.body.byteLength),
  }));
  return {
    config: JSON.parse(row.config),
    manifest: JSON.parse(head.body),
    keys,
    wal,
    thumbnails: thumbnailPackOf(captureThumbnails(source.catalog, id, collection.thumbnails)),
    points: collection.storage.set.count,
    release: source.store.pin(keys),
  };
}

async function readObject(
  store: PinningObjectStore,
  key: string,
  collection: EmbeddedCollection,
): Promise<Uint8Array> {
  try {
    return await store.get(key);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    if (collection.dropped) throw new CollectionNotFoundError(collection.name);
    throw new CorruptDataError(key, 'file is missing');
  }
}

/** Every string in a manifest (at any depth) that is an object key under `prefix`. */
function objectKeys(value: unknown, prefix: string, out = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    if (value.startsWith(prefix)) out.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) objectKeys(v, prefix, out);
  } else if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) objectKeys(v, prefix, out);
  }
  return out;
}

/** `value` with every object key under `prefix` made relative to it. */
function relativeKeys(value: unknown, prefix: string): unknown {
  if (typeof value === 'string') return value.startsWith(prefix) ? value.slice(prefix.length) : value;
  if (Array.isArray(value)) return value.map((v) => relativeKeys(v, prefix));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, relativeKeys(v, prefix)]));
  }
  return value;
}
