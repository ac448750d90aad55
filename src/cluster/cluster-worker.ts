/**
 * A cluster worker (`quiver worker`): a process that serves no reads and holds no replica,
 * and does the cluster's background work instead of (or besides) the serving nodes. Every
 * `intervalMs` it queues a checkpoint of each shard whose log has grown `checkpointRows` rows
 * past its checkpoint, claims the queued checkpoint jobs of any shard (`FOR UPDATE SKIP
 * LOCKED`, so workers and nodes never run one twice), and deletes the garbage older than the
 * grace period.
 *
 * For each job it opens a copy of the shard in its cache folder — the current checkpoint
 * restored, then the log applied up to its end — writes the checkpoint from it exactly as a
 * node would (`checkpoint.ts`), and drops the copy: a worker keeps nothing between jobs, so
 * its memory holds one shard at a time.
 */
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Quiver } from '../db/database.js';
import type { OpenOptions } from '../db/database-options.js';
import type { ObjectStore } from '../storage/object-store.js';
import { PgCatalog } from '../storage/pg-catalog.js';
import { CheckpointJobs } from './checkpoint-jobs.js';
import { collectGarbage } from './garbage.js';
import { nodeIdOf } from './node-id.js';
import type { ShardReplica } from './replica.js';
import { openShardReplica } from './replica-open.js';

export interface ClusterWorkerOptions {
  /** The PostgreSQL catalog: `postgres://user@host:port/database`. */
  catalog: string;
  /** The PostgreSQL schema of the catalog's tables. Default `quiver`. */
  schema?: string;
  /** The worker's folder: its id and the cache its shard copies are opened in. */
  data: string;
  /** Object storage of the shards' checkpoints. */
  objects: ObjectStore;
  /** Log rows of a shard past its checkpoint that queue a new one. Default 10,000. */
  checkpointRows?: number;
  /** Seconds an unreferenced object stays before it is deleted. Default 600. */
  garbageGraceSeconds?: number;
  /** How often it looks for work. Default 2,000 ms. */
  intervalMs?: number;
  /** How long a claim on a job lasts before another process may take it over. Default 120 s. */
  claimSeconds?: number;
  /** Options of the local embedded database the copies are opened in. */
  local?: Omit<OpenOptions, 'objectStore' | 'encryptionKey'>;
}

export class ClusterWorker {
  private readonly jobs: CheckpointJobs;
  private timer: NodeJS.Timeout | undefined;
  private rounds: Promise<void> | undefined;
  private closed = false;

  private constructor(
    readonly catalog: PgCatalog,
    private readonly local: Quiver,
    readonly nodeId: string,
    private readonly options: ClusterWorkerOptions,
  ) {
    this.jobs = new CheckpointJobs({
      catalog,
      local,
      objects: options.objects,
      nodeId,
      claimSeconds: options.claimSeconds ?? 120,
      checkpointRows: options.checkpointRows ?? 10_000,
      garbageGraceSeconds: options.garbageGraceSeconds ?? 600,
      replicas: () => new Map(),
      copies: { open: (id, shard) => this.openCopy(id, shard), close: (copy) => this.closeCopy(copy) },
    });
  }

  /** Connects to the catalog, opens the cache, and starts working every `intervalMs`. */
  static async open(options: ClusterWorkerOptions): Promise<ClusterWorker> {
    mkdirSync(join(options.data, 'positions'), { recursive: true });
    const nodeId = nodeIdOf(options.data);
    const catalog = await PgCatalog.open(options.catalog, { schema: options.schema });
    let local: Quiver | undefined;
    try {
      local = await Quiver.open(join(options.data, 'replicas'), options.local ?? {});
      // Copies left by a worker that died mid-job are stale: each job starts from the checkpoint.
      for (const name of await local.listCollections()) await local.dropCollection(name);
    } catch (err) {
      await local?.close();
      await catalog.close();
      throw err;
    }
    const worker = new ClusterWorker(catalog, local, nodeId, options);
    worker.timer = setInterval(() => {
      worker.round().catch(() => undefined);
    }, options.intervalMs ?? 2000);
    worker.timer.unref();
    return worker;
  }

  /**
   * One round of work: queues the checkpoints due, runs every claimable job, collects the
   * garbage due (at most every 10 s). Resolves when the jobs it started have ended; a round
   * already under way is joined, not doubled.
   */
  round(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.rounds ??= (async () => {
      try {
        await this.jobs.schedule();
        await this.jobs.idle();
      } finally {
        this.rounds = undefined;
      }
    })();
    return this.rounds;
  }

  /** Deletes the garbage due now (rounds do it at most every 10 s); resolves with how many keys. */
  collectGarbage(): Promise<number> {
    return collectGarbage(this.catalog, this.options.objects, this.options.garbageGraceSeconds ?? 600);
  }

  private async openCopy(collectionId: number, shard: number): Promise<ShardReplica | undefined> {
    const row = (await this.catalog.listCollections()).find((c) => c.id === collectionId);
    if (!row) return undefined;
    return openShardReplica(
      { ...this.jobs.context(), data: this.options.data },
      { collectionId, shard, replicaIndex: -1, config: JSON.parse(row.config) },
      () => this.closed,
    );
  }

  private async closeCopy(copy: ShardReplica): Promise<void> {
    await copy.close();
    const name = copy.collection.name;
    await this.local.dropCollection(name).catch(() => undefined);
    await rm(join(this.options.data, 'positions', name), { force: true });
  }

  /** Stops looking for work; resolves once the job under way (if any) has ended. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.jobs.close();
    await this.rounds?.catch(() => undefined);
    await this.local.close();
    await this.catalog.close();
  }
}
