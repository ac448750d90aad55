/**
 * The fields of the client's search bodies: the `Collection` API's options under their
 * wire names (`k` → `limit`, `withPayload` → `with_payload`, `ef` → `params.hnsw_ef`, …),
 * a `scoreThreshold` in the REST API's score terms, and the query-API request of an MMR
 * search.
 */

import type { Metric } from '../db/types.js';
import { checkOptions } from '../db/validate.js';
import { InvalidArgumentError } from '../errors.js';
import { decodeVector } from '../wire/format.js';
import { pick } from './codec.js';
import { restThreshold } from './wire-options.js';

/** The search options that go to every search body, with their names on the wire. */
export const SEARCH_FIELDS: Record<string, string> = {
  filter: 'filter',
  withPayload: 'with_payload',
  withVector: 'with_vector',
  offset: 'offset',
};
/** Search options that go in `params`. */
const PARAMS: Record<string, string> = {
  ef: 'hnsw_ef',
  exact: 'exact',
  nprobe: 'nprobe',
  searchK: 'search_k',
  rerank: 'rerank',
};
/** Options of hybrid and grouped searches, and `explain` (a search's and the query API's, not recommend's). */
export const HYBRID_FIELDS: Record<string, string> = {
  explain: 'explain',
  fusion: 'fusion',
  rrfK: 'rrf_k',
  weights: 'weights',
  groupBy: 'group_by',
  groupSize: 'group_size',
};

/** The fields of a search body that every search has: filter, output, params, offset, threshold. */
export function searchFields(
  opts: Record<string, unknown>,
  metric: Metric | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...renamed(opts, SEARCH_FIELDS, Object.keys(SEARCH_FIELDS)),
    ...vectorEncoding(opts),
  };
  if (opts.k !== undefined) out.limit = opts.k;
  const params = renamed(opts, PARAMS, Object.keys(PARAMS));
  if (Object.keys(params).length > 0) out.params = params;
  if (opts.scoreThreshold !== undefined) out.score_threshold = restThreshold(metric, opts.scoreThreshold);
  return out;
}

/** The query-API request of a search body with `mmr` (`{ query: { nearest, mmr } }`). */
export function mmrRequest(body: Record<string, unknown>, mmr: unknown): Record<string, unknown> {
  const {
    vector,
    using,
    limit,
    filter,
    params,
    offset,
    score_threshold,
    with_payload,
    with_vector,
    explain,
  } = body;
  if (typeof vector !== 'string' && !Array.isArray(vector)) {
    throw new InvalidArgumentError('mmr: needs a query vector');
  }
  const m = checkOptions(mmr, 'mmr');
  const wireMmr = renamed(m, { diversity: 'diversity', candidates: 'candidates_limit' }, [
    'diversity',
    'candidates',
  ]);
  const nearest = typeof vector === 'string' ? Array.from(decodeVector(vector, 'query')) : vector;
  return {
    query: { nearest, mmr: wireMmr },
    ...definedOf({
      using,
      limit,
      filter,
      params,
      offset,
      score_threshold,
      with_payload,
      with_vector,
      explain,
    }),
  };
}

/** The given options among `keys`, under their wire names. */
export function renamed(
  opts: Record<string, unknown>,
  names: Record<string, string>,
  keys: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pick(opts, keys))) out[names[key] ?? key] = value;
  return out;
}

function definedOf(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

/** Returned vectors travel as base64 (float32, or the bytes of binary vectors), decoded by field. */
export function vectorEncoding(opts: Record<string, unknown>): { vector_encoding?: 'base64' } {
  return opts.withVector === true ? { vector_encoding: 'base64' } : {};
}
