/**
 * Searches: `POST /collections/{name}/points/search` (k nearest to a vector, BM25 over a
 * text, or both fused; grouped with `groupBy`), `…/points/search/batch` (one hit list per
 * query), `…/points/range` (every point within a radius) and `…/points/recommend` (points
 * like the positive examples and unlike the negative ones). Each awaits the engine, which
 * runs the scan off the event loop.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RangeSearchOptions, RecommendOptions, SearchOptions } from '../../db/types.js';
import { requestExamples, requestQuery, requestVector, wireGroup, wireHit } from '../convert.js';
import { fieldProviders, NO_PROVIDERS, needsProviders } from '../raw-inputs.js';
import { HitLists, Hits, HitsOrGroups, NameParams, responses } from '../schemas.js';
import { KEYED, READ, type RouteContext } from './context.js';

export const searchRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, { db, schemas }) => {
  const tags = ['search'];

  app.post(
    '/collections/:name/points/search',
    {
      schema: {
        tags,
        summary: 'The k best points for a vector, a text, or both',
        description:
          'Best first. `query` is a vector, or `{ vector?, using?, text?, textField?, inputs? }`: a vector search ' +
          '(of field `using` in a collection with named vectors), a BM25 search over the text-indexed ' +
          'field `textField`, or both fused by `fusion`. `inputs` holds the raw input of one field with a ' +
          'provider instead of a vector (a text, or an image file in base64; with `text` and `textField`, a ' +
          'hybrid search); a `text` without `textField` is the raw input of a text-provider field named ' +
          '`text`, or of the only text-provider field when the collection has no text index. With a filter, the exact top-k among the ' +
          'matching points. `score` is the squared distance (l2), inner product (ip), cosine similarity ' +
          '(cosine), bit distance (hamming, jaccard), BM25 (text) or the fused score (hybrid). With ' +
          '`groupBy` the answer is `{ groups }`: the best `k` groups, each of up to `groupSize` hits.',
        security: KEYED,
        params: NameParams,
        body: schemas.search,
        response: responses(200, HitsOrGroups, [400, 404]),
      },
      config: READ,
    },
    async (request) => {
      const { query, vectorEncoding, ...options } = request.body;
      const collection = db.collection(request.params.name);
      const providers = needsProviders(query) ? await fieldProviders(collection) : NO_PROVIDERS;
      const input = requestQuery(query, providers);
      if (options.groupBy !== undefined) {
        const groups = await collection.search(input, options as SearchOptions & { groupBy: string });
        return { groups: groups.map((g) => wireGroup(g, vectorEncoding)) };
      }
      const hits = await collection.search(input, options as SearchOptions);
      return { hits: hits.map((h) => wireHit(h, vectorEncoding)) };
    },
  );

  app.post(
    '/collections/:name/points/search/batch',
    {
      schema: {
        tags,
        summary: 'k nearest points for each of several queries',
        description: 'One hit list per query, in the order of the queries; the options apply to all.',
        security: KEYED,
        params: NameParams,
        body: schemas.searchBatch,
        response: responses(200, HitLists, [400, 404]),
      },
      config: READ,
    },
    async (request) => {
      const { queries, vectorEncoding, ...options } = request.body;
      const collection = db.collection(request.params.name);
      const vectors = queries.map((q, i) => requestVector(q, `queries[${i}]`));
      const results = await collection.searchBatch(vectors, options as SearchOptions);
      return { results: results.map((hits) => hits.map((h) => wireHit(h, vectorEncoding))) };
    },
  );

  app.post(
    '/collections/:name/points/range',
    {
      schema: {
        tags,
        summary: 'Every point within a radius of a query',
        description:
          'Best first. l2: squared distance ≤ radius; cosine: 1 − similarity ≤ radius; ip: inner product ≥ radius.',
        security: KEYED,
        params: NameParams,
        body: schemas.range,
        response: responses(200, Hits, [400, 404]),
      },
      config: READ,
    },
    async (request) => {
      const { query, vectorEncoding, ...options } = request.body;
      const collection = db.collection(request.params.name);
      const hits = await collection.rangeSearch(requestVector(query, 'query'), options as RangeSearchOptions);
      return { hits: hits.map((h) => wireHit(h, vectorEncoding)) };
    },
  );

  app.post(
    '/collections/:name/points/recommend',
    {
      schema: {
        tags,
        summary: 'Points like the positive examples and unlike the negative ones',
        description:
          'Examples are point ids or vectors (of field `using`); points given by id are left out of the ' +
          'results. `average`: one search for avg(positive) + (avg(positive) − avg(negative)); ' +
          '`best_score`: each point scores by its best similarity to a positive example, and ranks below ' +
          'all of those when a negative example is nearer.',
        security: KEYED,
        params: NameParams,
        body: schemas.recommend,
        response: responses(200, Hits, [400, 404]),
      },
      config: READ,
    },
    async (request) => {
      const { positive, negative, vectorEncoding, ...options } = request.body;
      const collection = db.collection(request.params.name);
      const hits = await collection.recommend(
        requestExamples(positive, negative),
        options as RecommendOptions,
      );
      return { hits: hits.map((h) => wireHit(h, vectorEncoding)) };
    },
  );
};
