/**
 * Checkpoints of a shard: what bounds its log in PostgreSQL and lets a new replica start
 * without replaying the whole history.
 *
 * Writing one (a `checkpoint` job, run by a node holding a replica of the shard):
 * 1. pause the replica's log applying, so its collection is exactly the log up to `P`;
 * 2. snapshot it (the embedded snapshot format), and resume applying;
 * 3. record the upload in the catalog, then upload the snapshot to object storage under a
 *    unique key;
 * 4. commit the shard head by compare-and-set: the new manifest names the snapshot and `P`,
 *    the log rows up to `P` are deleted, the previous snapshot becomes garbage, the upload's
 *    record goes and the job is finished, in one transaction. A commit that loses a race
 *    (another checkpoint came first), or an upload that fails, leaves the uploaded snapshot as
 *    garbage; if the node dies between 3 and 4, the garbage collector's sweep of old uploads
 *    does (`PgCatalog.sweepUploads`).
 *
 * Restoring one: download the manifest's snapshot and recover it as the replica's local
 * collection; the replica then applies the log from `P + 1`.
 *
 * Each replica seals its growing segment and builds its indexes itself (as Qdrant's replicas
 * do): a checkpoint ships a replica's state, not the work of building it again.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { EmbeddedCollection } from '../db/collection.js';
import type { StoredCollectionConfig } from '../db/collection-config.js';
import type { Quiver } from '../db/database.js';
import { ManifestConflictError } from '../storage/catalog.js';
import type { ObjectStore } from '../storage/object-store.js';
import { collectionPrefix, type PgCatalog } from '../storage/pg-catalog.js';
import type { ReplicaSource } from './replica.js';
import { parseShardManifest, SHARD_MANIFEST_VERSION, type ShardManifest } from './shard-manifest.js';

export interface CheckpointContext {
  catalog: PgCatalog;
  objects: ObjectStore;
  local: Quiver;
}

/** The shard's current manifest and head version. */
export async function shardHead(catalog: PgCatalog, collectionId: number, shard: number) {
  const head = (await catalog.heads(collectionId))[shard];
  const manifest = parseShardManifest(head.manifest, `shard ${shard} of collection #${collectionId}`);
  return { version: head.version, manifest };
}

/**
 * Writes a checkpoint of `replica` (see the module comment); resolves with its log position,
 * or undefined when there was nothing new since the current one or another commit won.
 */
export async function writeCheckpoint(
  ctx: CheckpointContext,
  replica: ReplicaSource,
  job: { id: number; nodeId: string },
): Promise<number | undefined> {
  const { catalog, objects, local } = ctx;
  const { collectionId, shard } = replica;
  const head = await shardHead(catalog, collectionId, shard);
  let position = 0;
  let points = 0;
  let bytes: Uint8Array | undefined;
  await replica.paused(async (collection: EmbeddedCollection, applied: number) => {
    position = applied;
    if (applied <= head.manifest.walCheckpoint) return;
    const info = await local.createSnapshot(collection.name);
    try {
      points = await collection.count();
      bytes = await readFile(await local.snapshotPath(collection.name, info.name));
    } finally {
      await local.deleteSnapshot(collection.name, info.name);
    }
  });
  if (!bytes) {
    await catalog.jobs.finish(job.id, job.nodeId);
    return undefined;
  }
  const key = `${collectionPrefix(collectionId)}shard-${shard}/checkpoint-${position}-${randomUUID()}.snapshot`;
  await catalog.beginUpload(key, job.nodeId);
  try {
    await objects.put(key, bytes);
  } catch (err) {
    await catalog.abandonUploads([key]).catch(() => undefined);
    throw err;
  }
  const manifest: ShardManifest = {
    formatVersion: SHARD_MANIFEST_VERSION,
    walCheckpoint: position,
    snapshot: key,
    points,
  };
  try {
    await catalog.commitHead({
      collectionId,
      shard,
      expectedVersion: head.version,
      manifest: JSON.stringify(manifest),
      walCheckpoint: position,
      garbage: head.manifest.snapshot ? [head.manifest.snapshot] : [],
      job,
      uploads: [key],
    });
  } catch (err) {
    if (err instanceof ManifestConflictError) {
      await catalog.abandonUploads([key]);
      return undefined;
    }
    throw err;
  }
  return position;
}

/**
 * Makes the local collection `name` the shard as its manifest says (its snapshot, or empty
 * when it has none), replacing what was there; resolves with the log position it covers.
 */
export async function restoreCheckpoint(
  ctx: CheckpointContext,
  name: string,
  manifest: ShardManifest,
  config: unknown,
): Promise<number> {
  const { local, objects } = ctx;
  if ((await local.listCollections()).includes(name)) await local.dropCollection(name);
  if (!manifest.snapshot) {
    await local.createStored(name, config as StoredCollectionConfig);
    return manifest.walCheckpoint;
  }
  const bytes = await objects.get(manifest.snapshot);
  await local.recoverSnapshot(
    name,
    (async function* () {
      yield bytes;
    })(),
  );
  return manifest.walCheckpoint;
}
