/**
 * Where a node sends a call on a shard replica: its own replica when it holds one, else each
 * live holder in turn over HTTP (`replica-client.ts`). Live holders are read from the catalog
 * at most once a second, and again after a holder fails. A shard with no replica answering
 * (none taken yet, or its holders just died) is retried, the node taking vacant leases
 * meanwhile, until the read timeout.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { UnavailableError } from '../errors.js';
import type { PgCatalog } from '../storage/pg-catalog.js';
import type { LiveReplica } from '../storage/pg-leases.js';
import type { ShardReplica } from './replica.js';
import { callReplica, type ReplicaMethod } from './replica-calls.js';
import { replicaRequest } from './replica-client.js';

export interface ReplicaRouterOptions {
  catalog: PgCatalog;
  nodeId: string;
  readTimeoutMs: number;
  /** An admin API key sent to other nodes. */
  apiKey?: string;
  /** The replicas this node holds now, by `collectionId:shard`. */
  replicas(): ReadonlyMap<string, ShardReplica>;
  /** Takes vacant leases (the node's `balance`). */
  balance(): Promise<void>;
  closed(): boolean;
}

const key = (collectionId: number, shard: number) => `${collectionId}:${shard}`;

/** How long `callAll` (flushes, compactions, payload index builds on every replica) waits for a replica. */
const MAINTENANCE_TIMEOUT_MS = 30 * 60_000;

export class ReplicaRouter {
  private readonly liveCache = new Map<number, { at: number; list: Promise<LiveReplica[]> }>();

  constructor(private readonly o: ReplicaRouterOptions) {}

  /** Forgets the cached holders of a collection (its leases changed). */
  forget(collectionId: number): void {
    this.liveCache.delete(collectionId);
  }

  /** Live holders of a collection's replicas, read at most once a second. */
  live(collectionId: number): Promise<LiveReplica[]> {
    const cached = this.liveCache.get(collectionId);
    if (cached && Date.now() - cached.at < 1000) return cached.list;
    const list = this.o.catalog.leases.live(collectionId);
    this.liveCache.set(collectionId, { at: Date.now(), list });
    list.catch(() => this.liveCache.delete(collectionId));
    return list;
  }

  /**
   * Calls `method` on a replica of the shard: this node's, else each live holder's in turn.
   * A shard that has no replica answering (none taken yet, or its holders just died) is
   * retried, taking vacant leases meanwhile, until `readTimeoutMs` has passed.
   */
  async call<T>(
    collectionId: number,
    shard: number,
    method: ReplicaMethod,
    args: unknown[],
    minSeq: number,
  ): Promise<T> {
    const deadline = Date.now() + this.o.readTimeoutMs;
    let last: unknown;
    for (let round = 0; ; round++) {
      const own = this.o.replicas().get(key(collectionId, shard));
      if (own) return (await callReplica(own, method, args, minSeq, Math.max(1, deadline - Date.now()))) as T;
      const holders = (await this.live(collectionId)).filter(
        (l) => l.shard === shard && l.nodeId !== this.o.nodeId,
      );
      for (const h of holders) {
        try {
          return (await replicaRequest(
            h.url,
            { collectionId, shard, method, args, minSeq },
            Math.max(1, deadline - Date.now()),
            this.o.apiKey,
          )) as T;
        } catch (err) {
          if (!(err instanceof UnavailableError)) throw err;
          last = err;
        }
      }
      this.liveCache.delete(collectionId);
      if (Date.now() >= deadline || this.o.closed()) break;
      await this.o.balance().catch(() => undefined);
      await sleep(Math.min(200, 25 * 2 ** Math.min(round, 3)));
    }
    throw new UnavailableError('shard replica', `shard ${shard}: no live replica answered`, 1, {
      cause: last,
    });
  }

  async callAll(
    collectionId: number,
    shard: number,
    method: ReplicaMethod,
    args: unknown[],
    minSeq: number,
  ): Promise<void> {
    // Maintenance (a seal and its index build, a compaction) can take minutes on a large shard.
    // (Node's fetch also gives up on an answer that takes over 300 s to start.)
    const timeoutMs = Math.max(this.o.readTimeoutMs, MAINTENANCE_TIMEOUT_MS);
    const own = this.o.replicas().get(key(collectionId, shard));
    const calls: Promise<unknown>[] = [];
    if (own) calls.push(callReplica(own, method, args, minSeq, timeoutMs));
    for (const h of await this.live(collectionId)) {
      if (h.shard !== shard || h.nodeId === this.o.nodeId) continue;
      calls.push(
        replicaRequest(h.url, { collectionId, shard, method, args, minSeq }, timeoutMs, this.o.apiKey),
      );
    }
    await Promise.all(calls);
  }
}
