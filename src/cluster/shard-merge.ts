/**
 * Searches of a cluster collection that take more than one list per shard: grouped searches
 * (two rounds) and recommendations (examples by id looked up first); and the helpers that
 * merge the shards' answers. Each function states why its merge gives what one database
 * holding the same points would give.
 */
import { compareIds } from '../db/id-order.js';
import type {
  Hit,
  HitGroup,
  Point,
  PointId,
  ReadOptions,
  RecommendOptions,
  RecommendQuery,
  SearchOptions,
} from '../db/types.js';
import { checkIds, describe } from '../db/validate.js';
import { InvalidArgumentError } from '../errors.js';
import type { FanOut } from './shard-router.js';

/**
 * Grouped search in two rounds: each shard's best `offset + k` groups give the best groups
 * overall (a group's best hit is in the shard whose own ranking has it among its best); then
 * each shard returns its best hits of just those groups, merged into each group's best
 * `groupSize`.
 */
export async function searchGroups(
  c: FanOut,
  query: unknown,
  options: SearchOptions & { groupBy: string },
): Promise<HitGroup[]> {
  const k = options.k ?? 10;
  const offset = options.offset ?? 0;
  const seqs = await c.minSeqs(options);
  const forward = { ...withoutConsistency(options), k: k + offset, offset: 0 };
  const ascending = c.ascending(query, options);
  const better = (a: Hit, b: Hit) =>
    (ascending ? a.score - b.score : b.score - a.score) || compareIds(a.id, b.id);
  const first = await Promise.all(
    seqs.map((seq, shard) => c.router.call<HitGroup[]>(c.id, shard, 'search', [query, forward], seq)),
  );
  const best = new Map<string, HitGroup>();
  for (const g of first.flat()) {
    const key = JSON.stringify(g.group);
    const known = best.get(key);
    if (!known || better(g.hits[0], known.hits[0]) < 0) best.set(key, g);
  }
  const chosen = [...best.values()].sort((a, b) => better(a.hits[0], b.hits[0])).slice(offset, offset + k);
  if (chosen.length === 0) return [];
  const only = { key: options.groupBy, match: { any: chosen.map((g) => g.group) } };
  const filter = options.filter ? { must: [options.filter, only] } : { must: [only] };
  const second = await Promise.all(
    seqs.map((seq, shard) =>
      c.router.call<HitGroup[]>(
        c.id,
        shard,
        'search',
        [query, { ...forward, k: chosen.length, filter }],
        seq,
      ),
    ),
  );
  const hits = new Map<string, Hit[]>();
  for (const g of second.flat()) {
    const key = JSON.stringify(g.group);
    hits.set(key, [...(hits.get(key) ?? []), ...g.hits]);
  }
  const size = options.groupSize ?? 3;
  return chosen.map((g) => ({
    group: g.group,
    hits: (hits.get(JSON.stringify(g.group)) ?? g.hits).sort(better).slice(0, size),
  }));
}

/**
 * Examples given by id are looked up here (their vectors sent to every shard) and left out
 * of the results, as the embedded collection does.
 */
export async function recommendAcross(
  c: FanOut,
  query: RecommendQuery,
  options: RecommendOptions = {},
): Promise<Hit[]> {
  if (typeof query !== 'object' || query === null) {
    throw new InvalidArgumentError(`recommend query: expected an object, got ${describe(query)}`);
  }
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`recommend options: expected an object, got ${describe(options)}`);
  }
  const k = options.k ?? 10;
  const offset = options.offset ?? 0;
  const seqs = await c.minSeqs(options);
  const excluded = new Set<string>();
  const resolve = async (list: unknown, where: string) => {
    if (list === undefined) return undefined;
    if (!Array.isArray(list))
      throw new InvalidArgumentError(`${where}: expected an array, got ${describe(list)}`);
    const ids = list.filter((e): e is PointId => typeof e === 'string' || typeof e === 'number');
    const found =
      ids.length === 0 ? [] : await c.get(checkIds(ids, where), { withVector: true, withPayload: false });
    const byId = new Map(found.map((p) => [idKey(p.id), p]));
    return list.map((e, i) => {
      if (typeof e !== 'string' && typeof e !== 'number') return e;
      const p = byId.get(idKey(e));
      if (!p) throw new InvalidArgumentError(`${where}[${i}]: no point has id ${JSON.stringify(e)}`);
      excluded.add(idKey(p.id));
      const vector =
        options.using === undefined
          ? (p.vector ?? Object.values(p.vectors ?? {})[0])
          : p.vectors?.[options.using];
      if (vector === undefined) {
        throw new InvalidArgumentError(
          `${where}[${i}]: point ${JSON.stringify(e)} has no '${options.using ?? ''}' vector`,
        );
      }
      return vector;
    });
  };
  const positive = await resolve(query.positive, 'positive');
  const negative = await resolve(query.negative, 'negative');
  const resolved = { positive, ...(negative === undefined ? {} : { negative }) } as RecommendQuery;
  const forward = { ...withoutConsistency(options), k: k + offset + excluded.size, offset: 0 };
  const lists = await Promise.all(
    seqs.map((seq, shard) => c.router.call<Hit[]>(c.id, shard, 'recommend', [resolved, forward], seq)),
  );
  const ascending =
    (options.strategy ?? 'average') === 'average' && c.ascending(undefined, options as SearchOptions);
  const all = lists.flat().filter((h) => !excluded.has(idKey(h.id)));
  all.sort((a, b) => (ascending ? a.score - b.score : b.score - a.score) || compareIds(a.id, b.id));
  return all.slice(offset, offset + k);
}

/** Hits of all shards, best first (ascending scores first when lower is better), ties by id. */
export function mergeHits(lists: readonly Hit[][], ascending: boolean): Hit[] {
  const all = lists.flat();
  all.sort((a, b) => (ascending ? a.score - b.score : b.score - a.score) || compareIds(a.id, b.id));
  return all;
}

/** `options` without `consistency`, which the router answers and the replicas need not see. */
export function withoutConsistency<T extends ReadOptions | undefined>(options: T): T {
  if (!options || !('consistency' in options)) return options;
  const { consistency: _c, ...rest } = options;
  return rest as T;
}

/** A map key for an id (numbers and strings apart). */
export function idKey(id: PointId): string {
  return typeof id === 'number' ? `n${id}` : `s${id}`;
}

/** Points ordered by `orderValue` (numbers, or RFC 3339 strings), then by id. */
export function orderValueCompare(a: Point, b: Point, descending: boolean): number {
  const value = (p: Point) =>
    typeof p.orderValue === 'string' ? Date.parse(p.orderValue) : (p.orderValue ?? 0);
  const d = value(a) - value(b);
  return (descending ? -d : d) || compareIds(a.id, b.id);
}
