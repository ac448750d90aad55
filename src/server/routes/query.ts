/**
 * Qdrant's universal query API: `POST …/points/query`, `…/points/query/batch`,
 * `…/points/query/groups` (see `query-run.ts` for how a query runs). Answers are
 * `{ points }`, a list of those for a batch, and `{ groups }`.
 *
 * Groups: a plain vector query without prefetches is the engine's grouped search (exact
 * about which groups are best). Any other query ranks up to `limit · group_size · 4`
 * points (at most 10,000) and groups those, best first: a group whose points all rank
 * lower is not found.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { groupHits } from '../../db/grouping.js';
import type { Collection, Hit, SearchOptions } from '../../db/types.js';
import { type Output, wireHit } from '../convert.js';
import { engineThreshold, fieldMetric } from '../distance.js';
import { type QueryBody, type Ranked, runStage, type Stage } from '../query-run.js';
import { NameParams, PointGroup, responses, ScoredPoint } from '../schemas.js';
import { type CommonBody, commonOptions, finishGroups, type GroupsBody, outputOf } from '../search-run.js';
import { KEYED, pathCollection, READ, type RouteContext } from './context.js';

type QueryRequest = Stage & CommonBody;

const Points = Type.Object({ points: Type.Array(ScoredPoint) });

async function query(collection: Collection, body: QueryRequest) {
  const out = outputOf(body, false);
  const wanted = { ...wantedOf(out), explain: body.explain === true };
  const ranked = await runStage(collection, body, body.limit ?? 10, body.offset ?? 0, wanted);
  return { points: written(ranked, out) };
}

function wantedOf(out: Output) {
  return { withPayload: out.projection.withPayload, withVector: out.projection.withVector };
}

function written(ranked: Ranked, out: Output) {
  return ranked.hits.map((h) => wireHit(h, out, ranked.metric));
}

const isPlainVector = (q: QueryBody | undefined) =>
  Array.isArray(q) ||
  (typeof q === 'object' && q !== null && 'nearest' in q && Array.isArray(q.nearest) && !('mmr' in q));

async function queryGroups(collection: Collection, body: QueryRequest & GroupsBody) {
  const out = outputOf(body, false);
  const groups = body.limit ?? 10;
  const size = body.group_size ?? 3;
  if (body.prefetch === undefined && isPlainVector(body.query)) {
    const q = body.query as number[] | { nearest: number[] };
    const options = commonOptions(body, out, groups) as SearchOptions & { groupBy: string };
    options.groupBy = body.group_by;
    options.groupSize = size;
    if (body.using !== undefined) options.using = body.using;
    const metric = await fieldMetric(collection, body.using);
    if (body.score_threshold !== undefined)
      options.scoreThreshold = engineThreshold(metric, body.score_threshold);
    const found = await collection.search(Array.isArray(q) ? q : q.nearest, options);
    return { groups: finishGroups(found, undefined, metric, out) };
  }
  const k = Math.min(10_000, groups * size * 4);
  const ranked = await runStage(collection, body, k, 0, {
    withPayload: true,
    withVector: out.projection.withVector,
  });
  const grouped = groupHits<Hit>(ranked.hits, (h) => h.payload, body.group_by, groups, size);
  return {
    groups: grouped.groups.map((g) => ({
      id: g.group,
      hits: g.hits.map((h) => wireHit(h, out, ranked.metric)),
    })),
  };
}

export const queryRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, { db, schemas }) => {
  const tags = ['query'];
  const route = { tags, security: KEYED, params: NameParams };

  app.post(
    '/collections/:name/points/query',
    {
      schema: {
        ...route,
        summary: 'Universal query: search, recommend, fuse, re-score, order',
        description:
          '`query`: a vector, a point id (its vector; the point is left out), `{ nearest, mmr? }`, `{ recommend }`, ' +
          '`{ fusion: "rrf" | "dbsf" }` or `{ rrf: { k } }` over `prefetch`, `{ order_by }`, or (Quiver extension) ' +
          '`{ text, text_field }` (BM25). With `prefetch`, a query other than fusion re-scores only the prefetched ' +
          'points, exactly. The filter holds for the prefetches too. Without `query`, points in id order (score 0).',
        body: schemas.query,
        response: responses(Points, [400, 404]),
      },
      config: READ,
    },
    async (request) => query(pathCollection(db, request), request.body as QueryRequest),
  );

  app.post(
    '/collections/:name/points/query/batch',
    {
      schema: {
        ...route,
        summary: 'Several queries',
        body: schemas.queryBatch,
        response: responses(Type.Array(Points), [400, 404]),
      },
      config: READ,
    },
    async (request) => {
      const collection = pathCollection(db, request);
      return Promise.all(request.body.searches.map((s) => query(collection, s as QueryRequest)));
    },
  );

  app.post(
    '/collections/:name/points/query/groups',
    {
      schema: {
        ...route,
        summary: 'A query, grouped by a payload value',
        description:
          '`limit` groups of up to `group_size` points (default 3) sharing the value under `group_by`. A plain vector ' +
          'query is grouped exactly; other queries group their best `limit · group_size · 4` points (at most 10,000).',
        body: schemas.queryGroups,
        response: responses(Type.Object({ groups: Type.Array(PointGroup) }), [400, 404]),
      },
      config: READ,
    },
    async (request) => queryGroups(pathCollection(db, request), request.body as QueryRequest & GroupsBody),
  );
};
