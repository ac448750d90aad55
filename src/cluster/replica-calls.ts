/**
 * The calls a router makes on one shard replica, run against this node's replica: after it
 * has applied the log up to the position the caller read (`minSeq`). The same function
 * answers calls of this node's own router and those arriving from other nodes
 * (`replica-routes.ts`), so a shard answers the same wherever it is asked from.
 */
import type { EmbeddedCollection } from '../db/collection.js';
import type { PointId } from '../db/types.js';
import { InvalidArgumentError } from '../errors.js';
import type { Filter } from '../payload/filter.js';
import type { ShardReplica } from './replica.js';

export type ReplicaMethod =
  | 'get'
  | 'count'
  | 'scroll'
  | 'search'
  | 'searchBatch'
  | 'rangeSearch'
  | 'matching'
  | 'info'
  | 'recommend'
  | 'flush'
  | 'compact'
  | 'createPayloadIndex'
  | 'dropPayloadIndex';

const METHODS = new Set<string>([
  'get',
  'count',
  'scroll',
  'search',
  'searchBatch',
  'rangeSearch',
  'matching',
  'info',
  'recommend',
  'flush',
  'compact',
  'createPayloadIndex',
  'dropPayloadIndex',
]);

export function isReplicaMethod(name: string): name is ReplicaMethod {
  return METHODS.has(name);
}

/** Runs `method(...args)` on the replica once it has applied `minSeq`; waits at most `timeoutMs`. */
export async function callReplica(
  replica: ShardReplica,
  method: ReplicaMethod,
  args: unknown[],
  minSeq: number,
  timeoutMs: number,
): Promise<unknown> {
  if (!isReplicaMethod(method)) throw new InvalidArgumentError(`unknown replica call '${method}'`);
  if (minSeq > 0) await replica.waitFor(minSeq, timeoutMs);
  if (method === 'matching') return matchingIds(replica.collection, args[0] as Filter);
  const call = replica.collection[method] as (...a: unknown[]) => Promise<unknown>;
  return call.apply(replica.collection, args);
}

/** Ids of the points matching `filter`, in id order. */
async function matchingIds(collection: EmbeddedCollection, filter: Filter): Promise<PointId[]> {
  const ids: PointId[] = [];
  let cursor: PointId | undefined;
  for (;;) {
    const page = await collection.scroll({
      filter,
      limit: 10_000,
      withPayload: false,
      ...(cursor === undefined ? {} : { cursor }),
    });
    for (const p of page.points) ids.push(p.id);
    if (page.nextCursor === undefined) return ids;
    cursor = page.nextCursor;
  }
}
