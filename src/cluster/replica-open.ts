/**
 * Opening a node's copy of a shard (`ShardReplica`): the cached local collection and its
 * saved position when the cache holds a copy that verifies, else the shard's checkpoint
 * restored from object storage (or an empty collection when it has none). The replica then
 * applies the log from that position (`catchUp`). Serving nodes open the replicas they hold
 * leases on; workers (`cluster-worker.ts`) open one for a checkpoint job and close it after.
 *
 * The local collection is named `c<collection id>s<shard>` and its position file is
 * `<data>/positions/c<collection id>s<shard>` (docs/format.md, "A node's cache").
 */
import { join } from 'node:path';
import type { EmbeddedCollection } from '../db/collection.js';
import { CorruptDataError } from '../errors.js';
import { type CheckpointContext, restoreCheckpoint, shardHead } from './checkpoint.js';
import { ShardReplica } from './replica.js';

export interface ReplicaOpenContext extends CheckpointContext {
  /** The node's folder (its cache's `positions/` is below it). */
  data: string;
}

export interface ReplicaToOpen {
  collectionId: number;
  shard: number;
  /** Which of the shard's replicas (the lease's index; -1 for a worker's copy). */
  replicaIndex: number;
  /** The collection's stored configuration (its catalog row's `config`, parsed). */
  config: unknown;
}

/** Opens the replica, or resolves undefined when `closed()` became true meanwhile. */
export async function openShardReplica(
  ctx: ReplicaOpenContext,
  what: ReplicaToOpen,
  closed: () => boolean,
): Promise<ShardReplica | undefined> {
  const { collectionId, shard } = what;
  const name = `c${collectionId}s${shard}`;
  const positionFile = join(ctx.data, 'positions', name);
  const rebuild = async () => {
    const head = await shardHead(ctx.catalog, collectionId, shard);
    const applied = await restoreCheckpoint(ctx, name, head.manifest, what.config);
    return { collection: ctx.local.collection(name), applied };
  };
  if (closed()) return undefined;
  let start: { collection: EmbeddedCollection; applied: number } | undefined;
  if ((await ctx.local.listCollections()).includes(name)) {
    try {
      start = { collection: ctx.local.collection(name), applied: ShardReplica.savedPosition(positionFile) };
    } catch (err) {
      // The cache is disposable: a local copy that fails verification is rebuilt.
      if (!(err instanceof CorruptDataError)) throw err;
    }
  }
  start ??= await rebuild();
  if (closed()) return undefined;
  return new ShardReplica({
    collectionId,
    shard,
    replicaIndex: what.replicaIndex,
    ...start,
    wal: ctx.catalog.wal,
    positionFile,
    rebuild,
  });
}
