/**
 * A cluster node's view of the database (`Database`, so the REST server and the TypeScript
 * API work on it unchanged): collections live in the PostgreSQL catalog, writes go to the
 * shards' logs there, and this node serves the shard replicas it holds a lease on, each an
 * embedded collection in its cache folder (`replica.ts`).
 *
 * What the node does in the background:
 * - every `leaseSeconds / 3`: a heartbeat that renews its leases (replicas whose lease
 *   expired are closed: another node may hold them now), then takes vacant replicas until it
 *   holds its share (all replicas of all collections divided by the live nodes, rounded up);
 * - listens for log appends (LISTEN/NOTIFY) and applies them to its replicas at once, and
 *   polls every `pollMs` in case a notification was lost;
 * - keeps its list of collections current (creations and drops are announced the same way).
 *
 * Leases pass by expiry only: a node that dies keeps its leases until they expire
 * (`leaseSeconds`), then others take them and catch up from the log; meanwhile the router
 * sends reads to the shard's other replicas.
 */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkConfig, type StoredCollectionConfig } from '../db/collection-config.js';
import { Quiver } from '../db/database.js';
import type { OpenOptions } from '../db/database-options.js';
import { resolveProviders } from '../db/field-embedders.js';
import type { CollectionConfig, Database } from '../db/types.js';
import { UpsertEncoder } from '../db/upsert-encoder.js';
import { checkCollectionName, describe } from '../db/validate.js';
import { ClosedError, CollectionNotFoundError, InvalidArgumentError, UnavailableError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { type ClusterCollectionRow, PgCatalog } from '../storage/pg-catalog.js';
import { WalListener } from '../storage/pg-wal.js';
import type { ReplicaCall } from '../wire/rpc-codec.js';
import { CheckpointJobs } from './checkpoint-jobs.js';
import { ClusterCollection } from './cluster-collection.js';
import { nodeIdOf } from './node-id.js';
import type { ShardReplica } from './replica.js';
import { callReplica, isReplicaMethod, type ReplicaMethod } from './replica-calls.js';
import { openShardReplica } from './replica-open.js';
import { ReplicaRouter } from './replica-router.js';
import { emptyShardManifest } from './shard-manifest.js';
import type { ShardRouter } from './shard-router.js';

export interface ClusterNodeOptions {
  /** The PostgreSQL catalog: `postgres://user@host:port/database`. */
  catalog: string;
  /** The PostgreSQL schema of the catalog's tables. Default `quiver`. */
  schema?: string;
  /** This node's folder: its id and its cache (an embedded database holding its replicas). */
  data: string;
  /** This node's REST URL as other nodes reach it; can be set later (`setUrl`), once the server listens. */
  url?: string;
  /** Lease length; a dead node's replicas move after this long. Default 10 s. */
  leaseSeconds?: number;
  /** How often replicas poll the log besides LISTEN/NOTIFY. Default 1,000 ms. */
  pollMs?: number;
  /** How long a read waits for a replica to catch up with the log, or for another node. Default 30,000 ms. */
  readTimeoutMs?: number;
  /** An admin API key of the cluster's servers, sent with calls to other nodes. */
  apiKey?: string;
  /**
   * Object storage for the shards' checkpoints (S3-compatible in production). Without it no
   * checkpoint is written, so the log in PostgreSQL keeps every write.
   */
  objects?: ObjectStore;
  /** Shards and replicas of a collection whose config does not say. Defaults 1 and 1. */
  defaultShards?: number;
  defaultReplicas?: number;
  /** Log rows of a shard past its checkpoint that make this node schedule a new one. Default 10,000. */
  checkpointRows?: number;
  /** Seconds an unreferenced checkpoint stays before it is deleted (longer than any download). Default 600. */
  garbageGraceSeconds?: number;
  /** Options of the local embedded database (kernels, memory budget, embedders…). */
  local?: Omit<OpenOptions, 'objectStore' | 'encryptionKey'>;
}

/** A collection's configuration in cluster mode: the embedded one, plus its shards and replicas. */
export type ClusterCollectionConfig = CollectionConfig & {
  /** Shards (1..1024): points go to shard hash(id) mod shards. Default 1. */
  shards?: number;
  /** Copies of each shard on distinct nodes (1..16). Default 1. */
  replicas?: number;
};

const key = (collectionId: number, shard: number) => `${collectionId}:${shard}`;

export class ClusterDatabase implements Database, ShardRouter {
  readonly sharded = true;
  private readonly collections = new Map<string, ClusterCollection>();
  private readonly replicas = new Map<string, ShardReplica>();
  private readonly opening = new Map<string, Promise<ShardReplica | undefined>>();
  private readonly router: ReplicaRouter;
  private leaseTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private balancing: Promise<void> | undefined;
  private readonly jobs: CheckpointJobs;
  private closed = false;
  private url: string | undefined;
  readonly leaseSeconds: number;
  private readonly readTimeoutMs: number;

  private constructor(
    readonly catalog: PgCatalog,
    readonly local: Quiver,
    private readonly listener: WalListener,
    readonly nodeId: string,
    private readonly options: ClusterNodeOptions,
  ) {
    this.leaseSeconds = options.leaseSeconds ?? 10;
    this.readTimeoutMs = options.readTimeoutMs ?? 30_000;
    this.url = options.url;
    this.jobs = new CheckpointJobs({
      catalog,
      local,
      objects: options.objects,
      nodeId,
      claimSeconds: this.leaseSeconds * 6,
      checkpointRows: options.checkpointRows ?? 10_000,
      garbageGraceSeconds: options.garbageGraceSeconds ?? 600,
      replicas: () => this.replicas,
    });
    this.router = new ReplicaRouter({
      catalog,
      nodeId,
      readTimeoutMs: this.readTimeoutMs,
      ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
      replicas: () => this.replicas,
      balance: () => this.balance(),
      closed: () => this.closed,
    });
  }

  /** Connects to the catalog, opens the cache, and starts serving (once it has a URL). */
  static async open(options: ClusterNodeOptions): Promise<ClusterDatabase> {
    mkdirSync(join(options.data, 'positions'), { recursive: true });
    const nodeId = nodeIdOf(options.data);
    const catalog = await PgCatalog.open(options.catalog, { schema: options.schema });
    let listener: WalListener | undefined;
    let local: Quiver | undefined;
    try {
      listener = await WalListener.start(options.catalog, catalog.schema);
      local = await Quiver.open(join(options.data, 'replicas'), options.local ?? {});
      const node = new ClusterDatabase(catalog, local, listener, nodeId, options);
      await node.start();
      return node;
    } catch (err) {
      await listener?.close();
      await local?.close();
      await catalog.close();
      throw err;
    }
  }

  private async start(): Promise<void> {
    this.listener.on('append', (collectionId: number, shard: number) => {
      this.replicas
        .get(key(collectionId, shard))
        ?.catchUp()
        .catch(() => undefined);
    });
    this.listener.on('reconnect', () => this.pollAll());
    this.listener.on('catalog', () => {
      this.refresh().catch(() => undefined);
      this.balance().catch(() => undefined);
    });
    await this.refresh();
    this.pollTimer = setInterval(() => this.pollAll(), this.options.pollMs ?? 1000);
    this.pollTimer.unref();
    if (this.url) await this.setUrl(this.url);
  }

  /** Registers the node under `url` and starts taking leases. */
  async setUrl(url: string): Promise<void> {
    this.url = url;
    await this.catalog.leases.registerNode(this.nodeId, url);
    await this.balance();
    if (!this.leaseTimer) {
      this.leaseTimer = setInterval(
        () => this.balance().catch(() => undefined),
        (this.leaseSeconds * 1000) / 3,
      );
      this.leaseTimer.unref();
    }
  }

  private pollAll(): void {
    for (const r of this.replicas.values()) r.catchUp().catch(() => undefined);
  }

  /** Reloads the list of collections from the catalog. */
  private async refresh(): Promise<void> {
    const rows = await this.catalog.listCollections();
    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(row.name);
      const known = this.collections.get(row.name);
      if (known && known.id === row.id && known.row.config === row.config) continue;
      this.collections.set(row.name, this.collectionOf(row));
    }
    for (const name of [...this.collections.keys()]) if (!seen.has(name)) this.collections.delete(name);
  }

  private collectionOf(row: ClusterCollectionRow): ClusterCollection {
    const config = JSON.parse(row.config) as StoredCollectionConfig;
    return new ClusterCollection(row, config, this, new UpsertEncoder(config, this.local.embedders));
  }

  // ---- Database

  async createCollection(name: string, config: ClusterCollectionConfig): Promise<ClusterCollection> {
    this.check();
    checkCollectionName(name);
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      throw new InvalidArgumentError(`collection config: expected an object, got ${describe(config)}`);
    }
    const {
      shards = this.options.defaultShards ?? 1,
      replicas = this.options.defaultReplicas ?? 1,
      ...rest
    } = config;
    if (!Number.isInteger(shards) || shards < 1 || shards > 1024) {
      throw new InvalidArgumentError(`shards: expected an integer from 1 to 1024, got ${describe(shards)}`);
    }
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 16) {
      throw new InvalidArgumentError(`replicas: expected an integer from 1 to 16, got ${describe(replicas)}`);
    }
    const stored = checkConfig(await resolveProviders(rest, this.local.embedders));
    const row = await this.catalog.createCollection(
      name,
      JSON.stringify(stored),
      shards,
      replicas,
      emptyShardManifest(),
    );
    const collection = this.collectionOf(row);
    this.collections.set(name, collection);
    await this.balance();
    return collection;
  }

  collection(name: string): ClusterCollection {
    this.check();
    const found = this.collections.get(name);
    if (!found) throw new CollectionNotFoundError(name);
    return found;
  }

  async listCollections(): Promise<string[]> {
    this.check();
    await this.refresh();
    return [...this.collections.keys()].sort();
  }

  async dropCollection(name: string): Promise<void> {
    this.check();
    await this.catalog.dropCollection(name);
    const dropped = this.collections.get(name);
    this.collections.delete(name);
    if (dropped) await this.closeReplicasOf(dropped.id, true);
  }

  /**
   * Stops serving: closes replicas and gives their leases up, so other nodes take them at once.
   * With `releaseLeases: false` the leases stay until they expire, as when a node dies (tests).
   */
  async close(options: { releaseLeases?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const release = options.releaseLeases ?? true;
    clearInterval(this.leaseTimer);
    clearInterval(this.pollTimer);
    await this.balancing?.catch(() => undefined);
    await Promise.allSettled(this.opening.values());
    await this.jobs.close();
    for (const r of this.replicas.values()) {
      await r.close();
      if (!release) continue;
      await this.catalog.leases
        .release({
          collectionId: r.collectionId,
          shard: r.shard,
          replica: r.replicaIndex,
          nodeId: this.nodeId,
        })
        .catch(() => undefined);
    }
    this.replicas.clear();
    await this.listener.close();
    await this.local.close();
    await this.catalog.close();
  }

  private check(): void {
    if (this.closed) throw new ClosedError('the cluster node');
  }

  // ---- leases

  /** Renews this node's leases, closes the replicas it lost, takes vacant ones up to its share. */
  balance(): Promise<void> {
    if (this.closed || !this.url) return Promise.resolve();
    this.balancing ??= this.balanceOnce().finally(() => {
      this.balancing = undefined;
    });
    return this.balancing;
  }

  private async balanceOnce(): Promise<void> {
    const leases = this.catalog.leases;
    const held = await leases.renew(this.nodeId, this.leaseSeconds);
    const holding = new Set(held.map((l) => key(l.collectionId, l.shard)));
    for (const [k, r] of this.replicas) {
      if (!holding.has(k)) {
        this.replicas.delete(k);
        await r.close();
      }
    }
    for (const l of held) await this.openReplica(l.collectionId, l.shard, l.replica);
    await this.jobs.schedule().catch(() => undefined);
    const nodes = await leases.liveNodes(this.leaseSeconds);
    const rows = await this.catalog.listCollections();
    const total = rows.reduce((sum, r) => sum + r.shards * r.replicas, 0);
    const share = Math.ceil(total / Math.max(1, nodes.length));
    let count = held.length;
    if (count >= share) return;
    for (const v of await leases.vacant()) {
      if (count >= share || this.closed) break;
      if (this.replicas.has(key(v.collectionId, v.shard))) continue;
      if (await leases.acquire({ ...v, nodeId: this.nodeId }, this.leaseSeconds)) {
        count++;
        await this.openReplica(v.collectionId, v.shard, v.replica);
        this.router.forget(v.collectionId);
      }
    }
  }

  /** The replica of a shard this node holds, opened (its local collection created) if needed. */
  private openReplica(
    collectionId: number,
    shard: number,
    replica: number,
  ): Promise<ShardReplica | undefined> {
    const k = key(collectionId, shard);
    const open = this.replicas.get(k);
    if (open) return Promise.resolve(open);
    let opening = this.opening.get(k);
    if (!opening) {
      opening = this.createReplica(collectionId, shard, replica).finally(() => this.opening.delete(k));
      this.opening.set(k, opening);
    }
    return opening;
  }

  private async createReplica(
    collectionId: number,
    shard: number,
    replica: number,
  ): Promise<ShardReplica | undefined> {
    const row =
      [...this.collections.values()].find((c) => c.id === collectionId)?.row ??
      (await this.catalog.listCollections()).find((c) => c.id === collectionId);
    if (!row) return undefined;
    const r = await openShardReplica(
      { ...this.jobs.context(), data: this.options.data },
      { collectionId, shard, replicaIndex: replica, config: JSON.parse(row.config) },
      () => this.closed,
    );
    if (!r) return undefined;
    this.replicas.set(key(collectionId, shard), r);
    r.catchUp().catch(() => undefined);
    return r;
  }

  private async closeReplicasOf(collectionId: number, drop: boolean): Promise<void> {
    for (const [k, r] of this.replicas) {
      if (r.collectionId !== collectionId) continue;
      this.replicas.delete(k);
      await r.close();
      if (drop) await this.local.dropCollection(r.collection.name).catch(() => undefined);
    }
  }

  // ---- ShardRouter

  append(collectionId: number, shard: number, kind: number, body: Uint8Array): Promise<number> {
    this.check();
    return this.catalog.wal.append(collectionId, shard, { kind, body });
  }

  positions(collectionId: number): Promise<number[]> {
    this.check();
    return this.catalog.wal.lastSeqs(collectionId);
  }

  call<T>(
    collectionId: number,
    shard: number,
    method: ReplicaMethod,
    args: unknown[],
    minSeq: number,
  ): Promise<T> {
    this.check();
    return this.router.call<T>(collectionId, shard, method, args, minSeq);
  }

  callAll(
    collectionId: number,
    shard: number,
    method: ReplicaMethod,
    args: unknown[],
    minSeq: number,
  ): Promise<void> {
    this.check();
    return this.router.callAll(collectionId, shard, method, args, minSeq);
  }

  async changeConfig(
    collection: ClusterCollection,
    change: (config: StoredCollectionConfig) => StoredCollectionConfig,
  ): Promise<void> {
    this.check();
    const row = await this.catalog.updateConfig(collection.id, (text) =>
      JSON.stringify(change(JSON.parse(text))),
    );
    this.collections.set(row.name, this.collectionOf(row));
  }

  /** Answers another node's call on a replica this node holds (`server/routes/replica.ts`). */
  async replicaCall(call: ReplicaCall): Promise<unknown> {
    const own = this.replicas.get(key(call.collectionId, call.shard));
    if (!own) throw new UnavailableError('shard replica', `this node does not hold shard ${call.shard}`);
    if (!isReplicaMethod(call.method))
      throw new InvalidArgumentError(`unknown replica call '${call.method}'`);
    // JSON has no undefined: an argument left out arrives as null.
    const args = call.args.map((a) => (a === null ? undefined : a));
    return callReplica(own, call.method, args, call.minSeq, this.readTimeoutMs);
  }

  /** The replicas this node serves now (for tests and `info`). */
  heldReplicas(): { collectionId: number; shard: number; applied: number }[] {
    return [...this.replicas.values()].map((r) => ({
      collectionId: r.collectionId,
      shard: r.shard,
      applied: r.applied,
    }));
  }
}
