/**
 * A node's share of the checkpoint jobs (`checkpoint.ts`): it queues a checkpoint of a shard
 * it holds once the shard's log has `checkpointRows` rows past the current checkpoint, claims
 * and runs the queued ones of shards it holds (a claim lasts six lease lengths; a run that
 * fails is queued again after 5 s, at most 20 times), and deletes the garbage older than the
 * grace period every 10 s. Without object storage it does nothing (the log keeps every write).
 */
import type { Quiver } from '../db/database.js';
import { InvalidArgumentError, UnavailableError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { PgCatalog } from '../storage/pg-catalog.js';
import { type CheckpointContext, writeCheckpoint } from './checkpoint.js';
import { collectGarbage } from './garbage.js';
import type { ShardReplica } from './replica.js';

export interface CheckpointJobOptions {
  catalog: PgCatalog;
  local: Quiver;
  objects: ObjectStore | undefined;
  nodeId: string;
  leaseSeconds: number;
  checkpointRows: number;
  garbageGraceSeconds: number;
  /** The replicas this node holds now, by `collectionId:shard`. */
  replicas(): ReadonlyMap<string, ShardReplica>;
}

export class CheckpointJobs {
  private working: Promise<void> | undefined;
  private lastGarbage = 0;
  private closed = false;

  constructor(private readonly o: CheckpointJobOptions) {}

  /** What checkpoints use; without object storage, restoring a snapshot fails (and none is written). */
  context(): CheckpointContext {
    const missing = (what: string) => () =>
      Promise.reject(new InvalidArgumentError(`this node has no object storage to ${what} checkpoints`));
    return {
      catalog: this.o.catalog,
      local: this.o.local,
      objects: this.o.objects ?? ({ get: missing('read'), put: missing('write') } as unknown as ObjectStore),
    };
  }

  /** Queues checkpoints of held shards whose log grew past `checkpointRows`; starts running the claimable ones. */
  async schedule(): Promise<void> {
    const { catalog, objects } = this.o;
    const replicas = this.o.replicas();
    if (!objects || replicas.size === 0 || this.closed) return;
    const byCollection = new Map<number, ShardReplica[]>();
    for (const r of replicas.values()) {
      const list = byCollection.get(r.collectionId);
      if (list) list.push(r);
      else byCollection.set(r.collectionId, [r]);
    }
    for (const [collectionId, held] of byCollection) {
      const heads = await catalog.heads(collectionId).catch(() => undefined);
      if (!heads) continue;
      for (const r of held) {
        if (r.applied - heads[r.shard].walCheckpoint >= this.o.checkpointRows) {
          await catalog.jobs.enqueue('checkpoint', collectionId, r.shard);
        }
      }
    }
    // In the background: a failure (the catalog out of reach) ends this round; the next
    // heartbeat starts another.
    this.working ??= this.run()
      .catch(() => undefined)
      .finally(() => {
        this.working = undefined;
      });
    if (Date.now() - this.lastGarbage > 10_000) {
      this.lastGarbage = Date.now();
      await collectGarbage(catalog, objects, this.o.garbageGraceSeconds);
    }
  }

  /** Claims and runs checkpoint jobs of shards this node holds, until none is left. */
  private async run(): Promise<void> {
    const { catalog, nodeId } = this.o;
    while (!this.closed) {
      const replicas = this.o.replicas();
      const held = [...replicas.values()].map((r) => ({ collectionId: r.collectionId, shard: r.shard }));
      if (held.length === 0) return;
      const job = await catalog.jobs.claim(nodeId, ['checkpoint'], this.o.leaseSeconds * 6, held);
      if (!job) return;
      const replica = replicas.get(`${job.collectionId}:${job.shard}`);
      try {
        if (!replica) throw new UnavailableError('shard replica', `shard ${job.shard} moved away`);
        await writeCheckpoint(this.context(), replica, { id: job.id, nodeId });
      } catch (err) {
        await catalog.jobs
          .fail(job.id, nodeId, String((err as Error)?.message ?? err), 5, 20)
          .catch(() => undefined);
      }
    }
  }

  /** Stops claiming; resolves once the job in progress (if any) has ended. */
  async close(): Promise<void> {
    this.closed = true;
    await this.working?.catch(() => undefined);
  }
}
