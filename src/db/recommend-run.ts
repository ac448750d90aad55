/**
 * `Collection.recommend`: points like the positive examples and unlike the negative ones.
 * Examples given by id are looked up (and left out of the results); `average` searches once
 * for a combined vector, `best_score` and `sum_scores` rescore candidates against every
 * example (`recommend-rescore.ts`).
 */

import { InvalidArgumentError } from '../errors.js';
import type { SegmentView } from '../segment/segment-view.js';
import type { StoredVectorField } from './collection-config.js';
import type { CollectionStorage } from './collection-storage.js';
import { explainHits, wantsExplain } from './explain.js';
import { higherIsBetter } from './metric.js';
import type { PointOutput } from './point-output.js';
import type { QueryInput } from './query-input.js';
import { type RankedSearch, withinThreshold } from './ranked-search.js';
import { averageQuery } from './recommend.js';
import { rankByExamples } from './recommend-rescore.js';
import { type RowScope, topK } from './search.js';
import type { Hit, PointId, RecommendOptions, RecommendQuery } from './types.js';
import { checkId, checkK, checkOptions, describe, toVector } from './validate.js';

/** What a recommendation reads of its collection. */
export interface RecommendContext {
  fields: readonly StoredVectorField[];
  input: QueryInput;
  storage: CollectionStorage;
  ranking: RankedSearch;
  out: PointOutput;
}

export async function runRecommend(
  c: RecommendContext,
  query: RecommendQuery,
  options?: RecommendOptions,
): Promise<Hit[]> {
  const q = checkOptions(query, 'recommend query');
  const opts = checkOptions(options, 'recommend options');
  const k = checkK(opts.k);
  const field = c.input.fieldNumber(opts.using);
  const strategy = opts.strategy ?? 'average';
  if (strategy !== 'average' && strategy !== 'best_score' && strategy !== 'sum_scores') {
    throw new InvalidArgumentError(
      `strategy must be 'average', 'best_score' or 'sum_scores', got ${describe(strategy)}`,
    );
  }
  const window = c.input.window(opts);
  const explain = wantsExplain(opts);
  if (explain && strategy !== 'average') {
    throw new InvalidArgumentError(
      `explain: recommend explains the 'average' strategy only, got ${strategy}`,
    );
  }
  const excluded = new Set<PointId>();
  const positive = examples(c, q.positive, 'positive', field, excluded);
  if (positive.length === 0) throw new InvalidArgumentError('recommend: positive needs at least one example');
  const negative = q.negative === undefined ? [] : examples(c, q.negative, 'negative', field, excluded);
  const params = c.input.searchParams(opts, field);
  const scope: RowScope = { field, filter: c.input.filter(opts.filter) };
  const views = c.storage.set.views();
  const wanted = window.offset + k;
  const keep = (c: { view: SegmentView; offset: number }) => !excluded.has(c.view.id(c.offset));
  const f = c.fields[field];
  if (strategy === 'average') {
    const target = toVector(averageQuery(positive, negative), f.dimension, f.metric, 'recommend query');
    const found = (await topK(views, field, target, wanted + excluded.size, scope, params)).filter(keep);
    const rows = withinThreshold(
      c.ranking.scored(found, field),
      window.scoreThreshold,
      higherIsBetter(f.metric),
    );
    const picked = rows.slice(window.offset, wanted);
    const hits = c.out.hits(picked, field, opts);
    if (!explain) return hits;
    const rank = { scope, params, window, fusion: c.input.fusionOptions({}) };
    return explainHits(c, hits, picked, { q: { field, vector: target }, n: wanted + excluded.size, rank });
  }
  const rescored = await rankByExamples(views, field, positive, negative, {
    strategy,
    k: wanted,
    pool: Math.max(4 * wanted, 64) + excluded.size,
    scope,
    params,
    keep,
    kernels: c.storage.kernels,
    layout: c.storage.set.layout[field],
    linear: higherIsBetter(f.metric),
  });
  const rows = withinThreshold(rescored, window.scoreThreshold, true);
  return c.out.hits(rows.slice(window.offset), field, opts);
}

/** The vectors of recommendation examples (ids are looked up and added to `excluded`). */
function examples(
  c: RecommendContext,
  input: unknown,
  where: string,
  field: number,
  excluded: Set<PointId>,
): Float32Array[] {
  if (!Array.isArray(input))
    throw new InvalidArgumentError(`${where}: expected an array, got ${describe(input)}`);
  const f = c.fields[field];
  return input.map((example, i) => {
    if (typeof example !== 'string' && typeof example !== 'number') {
      return toVector(example, f.dimension, f.metric, `${where}[${i}]`);
    }
    const id = checkId(example, `${where}[${i}]`);
    const at = c.storage.set.locate(id);
    if (!at) throw new InvalidArgumentError(`${where}[${i}]: no point has id ${JSON.stringify(id)}`);
    if (!(at.view.present(field)?.has(at.offset) ?? true)) {
      throw new InvalidArgumentError(`${where}[${i}]: point ${JSON.stringify(id)} has no '${f.name}' vector`);
    }
    excluded.add(id);
    return at.view.vector(at.offset, field);
  });
}
