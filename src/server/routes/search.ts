/**
 * Searches, as Qdrant's API has them: `POST …/points/search`, `…/search/batch`,
 * `…/search/groups`, `…/points/recommend`, `…/recommend/batch`, `…/recommend/groups`;
 * and Quiver's range search, `POST …/points/range`. See `search-run.ts` for how a body
 * becomes an engine search.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Metric, RangeSearchOptions } from '../../db/types.js';
import type { Filter } from '../../payload/filter.js';
import { requestVector } from '../convert.js';
import { engineThreshold, fieldMetric } from '../distance.js';
import { canonicalFilter } from '../point-ids.js';
import { recommendGroups } from '../recommend-groups.js';
import { NameParams, PointGroup, responses, ScoredPoint } from '../schemas.js';
import {
  finish,
  type GroupsBody,
  outputOf,
  type RecommendBody,
  runRecommend,
  runSearch,
  runSearchBatch,
  runSearchGroups,
  type SearchBody,
} from '../search-run.js';
import { KEYED, pathCollection, READ, type RouteContext } from './context.js';

const Hits = Type.Array(ScoredPoint);
const Groups = Type.Object({ groups: Type.Array(PointGroup) });

export const searchRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, { db, schemas }) => {
  const tags = ['search'];
  const route = { security: KEYED, params: NameParams };

  app.post(
    '/collections/:name/points/search',
    {
      schema: {
        tags,
        summary: 'The best points for a vector',
        description:
          'Best first. `vector` is a vector, or `{ name, vector }` for a named field. With a filter, the exact best among ' +
          'the matching points when they are few. Quiver extensions: `text` with `text_field` is a BM25 search over a ' +
          'text-indexed field, fused with the `vector` if one is given (`fusion`: `rrf`, `weighted`, `dbsf`; `rrf_k`, ' +
          '`weights`); `inputs` holds the raw input of a field with a provider (a text, or an image or WAV file in base64) ' +
          'instead of a vector; `params.nprobe`, `params.search_k`, `params.rerank` tune IVF, Annoy and quantized indexes.',
        ...route,
        body: schemas.search,
        response: responses(Hits, [400, 404]),
      },
      config: READ,
    },
    async (request) => runSearch(pathCollection(db, request), request.body as SearchBody),
  );

  app.post(
    '/collections/:name/points/search/batch',
    {
      schema: {
        tags,
        summary: 'Several searches',
        description: 'One hit list per search, in order.',
        ...route,
        body: schemas.searchBatch,
        response: responses(Type.Array(Hits), [400, 404]),
      },
      config: READ,
    },
    async (request) => {
      const collection = pathCollection(db, request);
      return runSearchBatch(collection, request.body.searches as SearchBody[]);
    },
  );

  app.post(
    '/collections/:name/points/search/groups',
    {
      schema: {
        tags,
        summary: 'The best groups of points sharing a payload value',
        description:
          '`limit` groups of up to `group_size` hits (default 3), grouped by the value under `group_by`.',
        ...route,
        body: schemas.searchGroups,
        response: responses(Groups, [400, 404]),
      },
      config: READ,
    },
    async (request) => runSearchGroups(pathCollection(db, request), request.body as SearchBody & GroupsBody),
  );

  app.post(
    '/collections/:name/points/recommend',
    {
      schema: {
        tags,
        summary: 'Points like the positive examples and unlike the negative ones',
        description:
          'Examples are point ids or vectors (of field `using`); points given by id are left out of the results. ' +
          'Scores: the metric’s for `average_vector`; for `best_score`, σ(best similarity to a positive), negative ' +
          'when a negative example is nearer; for `sum_scores`, Σ similarity to positives − Σ to negatives.',
        ...route,
        body: schemas.recommend,
        response: responses(Hits, [400, 404]),
      },
      config: READ,
    },
    async (request) => runRecommend(pathCollection(db, request), request.body as RecommendBody),
  );

  app.post(
    '/collections/:name/points/recommend/batch',
    {
      schema: {
        tags,
        summary: 'Several recommendations',
        ...route,
        body: schemas.recommendBatch,
        response: responses(Type.Array(Hits), [400, 404]),
      },
      config: READ,
    },
    async (request) => {
      const collection = pathCollection(db, request);
      return Promise.all(request.body.searches.map((s) => runRecommend(collection, s as RecommendBody)));
    },
  );

  app.post(
    '/collections/:name/points/recommend/groups',
    {
      schema: {
        tags,
        summary: 'Recommendations, grouped by a payload value',
        description:
          '`average_vector` only: a grouped search for avg(positive) + (avg(positive) − avg(negative)).',
        ...route,
        body: schemas.recommendGroups,
        response: responses(Groups, [400, 404]),
      },
      config: READ,
    },
    async (request) =>
      recommendGroups(pathCollection(db, request), request.body as RecommendBody & GroupsBody),
  );

  app.post(
    '/collections/:name/points/range',
    {
      schema: {
        tags,
        summary: 'Every point within a score threshold of a vector (Quiver extension)',
        description:
          'Best first: every point whose score passes `score_threshold` (Cosine, Dot: at least it; Euclid, Manhattan, ' +
          'Hamming, Jaccard: a distance of at most it), up to `limit`.',
        ...route,
        body: schemas.range,
        response: responses(Hits, [400, 404]),
      },
      config: READ,
    },
    async (request) => {
      const body = request.body;
      const collection = pathCollection(db, request);
      let using = body.using;
      let vector = body.vector;
      if (typeof vector === 'object' && !Array.isArray(vector)) {
        using = vector.name;
        vector = vector.vector;
      }
      const metric = await fieldMetric(collection, using);
      const out = outputOf(body, false);
      const options: RangeSearchOptions = {
        radius: radiusOf(metric, body.score_threshold),
        withPayload: out.projection.withPayload,
        withVector: out.projection.withVector,
      };
      if (using !== undefined) options.using = using;
      if (body.limit !== undefined) options.limit = body.limit;
      if (body.filter !== undefined) options.filter = canonicalFilter(body.filter) as Filter;
      const hits = await collection.rangeSearch(requestVector(vector, 'vector'), options);
      return finish(hits, 0, undefined, metric, out);
    },
  );
};

/** The engine's radius (see `RangeSearchOptions`) for a Qdrant score threshold. */
function radiusOf(metric: Metric, threshold: number): number {
  if (metric === 'cosine') return 1 - threshold;
  return engineThreshold(metric, threshold);
}
