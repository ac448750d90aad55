/**
 * What a cluster collection needs of its node (`ClusterDatabase`): the shards' logs and
 * positions in the catalog, calls on their replicas, and changes of the stored config.
 */
import type { StoredCollectionConfig } from '../db/collection-config.js';
import type { GetOptions, Point, PointId, ReadOptions, SearchOptions } from '../db/types.js';
import type { ReplicaMethod } from './replica-calls.js';

/** What a cluster collection needs of its node. */
export interface ShardRouter {
  /** Appends one encoded write to a shard's log; resolves with its sequence number once committed. */
  append(collectionId: number, shard: number, kind: number, body: Uint8Array): Promise<number>;
  /** The committed log position of every shard of a collection. */
  positions(collectionId: number): Promise<number[]>;
  /** Calls `method` on a replica of the shard that has applied the log up to `minSeq`. */
  call<T>(
    collectionId: number,
    shard: number,
    method: ReplicaMethod,
    args: unknown[],
    minSeq: number,
  ): Promise<T>;
  /** Calls `method` on every live replica of the shard (configuration changes, flushes), once each has applied `minSeq`. */
  callAll(
    collectionId: number,
    shard: number,
    method: ReplicaMethod,
    args: unknown[],
    minSeq: number,
  ): Promise<void>;
  /** Changes the collection's stored config in the catalog (validated by `change`, which may throw). */
  changeConfig(
    collection: { readonly id: number },
    change: (config: StoredCollectionConfig) => StoredCollectionConfig,
  ): Promise<void>;
}

/** One collection's view of its shards, for the calls that fan out and merge (`shard-merge.ts`, `shard-writes.ts`). */
export interface FanOut {
  readonly id: number;
  readonly shards: number;
  readonly router: ShardRouter;
  /** The log position each shard's replica must have applied for a read with `options`. */
  minSeqs(options: ReadOptions | undefined): Promise<number[]>;
  /** Whether lower scores are better for this query. */
  ascending(query: unknown, options: SearchOptions): boolean;
  get(ids: PointId[], options?: GetOptions): Promise<Point[]>;
}
