/**
 * A node's share of the checkpoint jobs (`checkpoint.ts`): it queues a checkpoint of a shard
 * it holds once the shard's log has `checkpointRows` rows past the current checkpoint, claims
 * and runs the queued ones of shards it holds (a claim lasts `claimSeconds`; a run that fails
 * is queued again after 5 s, at most 20 times), and deletes the garbage older than the grace
 * period every 10 s. Without object storage it does nothing (the log keeps every write).
 *
 * A worker (`cluster-worker.ts`, `copies` given) holds no replica: it queues and claims the
 * jobs of every shard, and runs each on a copy of the shard opened for it and closed after.
 */
import type { Quiver } from '../db/database.js';
import { InvalidArgumentError, UnavailableError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { PgCatalog, ShardHead } from '../storage/pg-catalog.js';
import { type CheckpointContext, writeCheckpoint } from './checkpoint.js';
import { collectGarbage } from './garbage.js';
import type { ShardReplica } from './replica.js';

export interface CheckpointJobOptions {
  catalog: PgCatalog;
  local: Quiver;
  objects: ObjectStore | undefined;
  nodeId: string;
  /** How long a claim on a job lasts before another node may take it over. */
  claimSeconds: number;
  checkpointRows: number;
  garbageGraceSeconds: number;
  /** The replicas this node holds now, by `collectionId:shard`. */
  replicas(): ReadonlyMap<string, ShardReplica>;
  /** A worker's: a copy of any shard, opened and caught up for a job, and closed after it. */
  copies?: {
    open(collectionId: number, shard: number): Promise<ShardReplica | undefined>;
    close(copy: ShardReplica): Promise<void>;
  };
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
    if (!objects || (replicas.size === 0 && !this.o.copies) || this.closed) return;
    if (this.o.copies) {
      // A worker: every shard, by its log's end.
      for (const c of await catalog.listCollections()) await this.queueDue(c.id, (h) => h.lastSeq);
    }
    const held = new Map<number, Map<number, ShardReplica>>();
    for (const r of replicas.values()) {
      const shards = held.get(r.collectionId) ?? new Map<number, ShardReplica>();
      held.set(r.collectionId, shards.set(r.shard, r));
    }
    // A node: the shards it holds, by what its replica has applied.
    for (const [collectionId, shards] of held)
      await this.queueDue(collectionId, (h) => shards.get(h.shard)?.applied);
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

  /**
   * Queues a checkpoint of each shard of the collection whose position (`at`: undefined to
   * skip the shard) is `checkpointRows` past its current checkpoint.
   */
  private async queueDue(collectionId: number, at: (head: ShardHead) => number | undefined): Promise<void> {
    const heads = await this.o.catalog.heads(collectionId).catch(() => undefined);
    for (const h of heads ?? []) {
      const position = at(h);
      if (position !== undefined && position - h.walCheckpoint >= this.o.checkpointRows) {
        await this.o.catalog.jobs.enqueue('checkpoint', collectionId, h.shard);
      }
    }
  }

  /** Resolves once the jobs started by the last `schedule` have run (or failed). */
  async idle(): Promise<void> {
    await this.working;
  }

  /** Claims and runs checkpoint jobs (of shards this node holds, or any for a worker), until none is left. */
  private async run(): Promise<void> {
    const { catalog, nodeId, copies } = this.o;
    while (!this.closed) {
      const replicas = this.o.replicas();
      const held = [...replicas.values()].map((r) => ({ collectionId: r.collectionId, shard: r.shard }));
      if (held.length === 0 && !copies) return;
      const job = await catalog.jobs.claim(
        nodeId,
        ['checkpoint'],
        this.o.claimSeconds,
        copies ? undefined : held,
      );
      if (!job) return;
      let replica = replicas.get(`${job.collectionId}:${job.shard}`);
      let copy: ShardReplica | undefined;
      try {
        if (!replica && copies) {
          copy = await copies.open(job.collectionId, job.shard);
          await copy?.catchUp();
          replica = copy;
        }
        if (!replica) throw new UnavailableError('shard replica', `shard ${job.shard} moved away`);
        await writeCheckpoint(this.context(), replica, { id: job.id, nodeId });
      } catch (err) {
        await catalog.jobs
          .fail(job.id, nodeId, String((err as Error)?.message ?? err), 5, 20)
          .catch(() => undefined);
      } finally {
        if (copy) await copies?.close(copy).catch(() => undefined);
      }
    }
  }

  /** Stops claiming; resolves once the job in progress (if any) has ended. */
  async close(): Promise<void> {
    this.closed = true;
    await this.working?.catch(() => undefined);
  }
}
