/**
 * `POST …/points/recommend/groups`: the engine's `recommend` does not group, so the
 * `average_vector` recommendation is made here as the engine makes it (`averageQuery` of the
 * examples' vectors, examples given by id left out with a `has_id` condition) and run as a
 * grouped search. `best_score` and `sum_scores` score candidates one by one and have no
 * single query vector to group by: they are refused with a 400.
 */
import { averageQuery } from '../db/recommend.js';
import type { Collection, PointId, SearchOptions, VectorInput } from '../db/types.js';
import { InvalidArgumentError } from '../errors.js';
import type { Filter } from '../payload/filter.js';
import { fieldMetric } from './distance.js';
import {
  commonOptions,
  examplesOf,
  finishGroups,
  type GroupsBody,
  limitOf,
  outputOf,
  type RecommendBody,
} from './search-run.js';

export async function recommendGroups(collection: Collection, body: RecommendBody & GroupsBody) {
  if (body.strategy !== undefined && body.strategy !== 'average_vector') {
    throw new InvalidArgumentError(
      `strategy: recommend/groups supports average_vector only, got ${body.strategy}`,
    );
  }
  const examples = examplesOf(body);
  if (examples.positive.length === 0) throw new InvalidArgumentError('positive: needs at least one example');
  const ids = [...examples.positive, ...(examples.negative ?? [])].filter(
    (e): e is PointId => typeof e === 'string' || typeof e === 'number',
  );
  const stored = new Map<PointId, Float32Array>();
  if (ids.length > 0) {
    for (const p of await collection.get(ids, { withPayload: false, withVector: true })) {
      const v =
        body.using === undefined ? (p.vector ?? Object.values(p.vectors ?? {})[0]) : p.vectors?.[body.using];
      if (v instanceof Float32Array) stored.set(p.id, v);
    }
  }
  const vectors = (list: (PointId | VectorInput)[], where: string) =>
    list.map((e, i) => {
      if (typeof e !== 'string' && typeof e !== 'number') return Float32Array.from(e);
      const v = stored.get(e);
      if (v === undefined)
        throw new InvalidArgumentError(`${where}[${i}]: point ${JSON.stringify(e)} not found`);
      return v;
    });
  const query = averageQuery(
    vectors(examples.positive, 'positive'),
    vectors(examples.negative ?? [], 'negative'),
  );
  const out = outputOf(body, false);
  const options = commonOptions(body, out, limitOf(body)) as SearchOptions & { groupBy: string };
  options.groupBy = body.group_by;
  if (body.group_size !== undefined) options.groupSize = body.group_size;
  if (body.using !== undefined) options.using = body.using;
  if (ids.length > 0) {
    const exclude = { has_id: ids };
    const must = options.filter === undefined ? [] : [options.filter];
    options.filter = { must, must_not: [exclude] } as unknown as Filter;
  }
  const groups = await collection.search(query, options);
  const metric = await fieldMetric(collection, body.using);
  return { groups: finishGroups(groups, body.score_threshold, metric, out) };
}
