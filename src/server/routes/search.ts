/**
 * Searches: `POST /collections/{name}/points/search` (k nearest), `…/points/search/batch`
 * (one hit list per query) and `…/points/range` (every point within a radius). Each awaits
 * the engine, which runs the scan off the event loop.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RangeSearchOptions, SearchOptions } from '../../db/types.js';
import { requestVector, wireHit } from '../convert.js';
import { HitLists, Hits, NameParams, responses } from '../schemas.js';
import { KEYED, READ, type RouteContext } from './context.js';

export const searchRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, { db, schemas }) => {
  const tags = ['search'];

  app.post(
    '/collections/:name/points/search',
    {
      schema: {
        tags,
        summary: 'The k nearest points to a query',
        description:
          'Best first. With a filter, the exact top-k among the matching points. ' +
          '`score` is the squared distance (l2), inner product (ip) or cosine similarity (cosine).',
        security: KEYED,
        params: NameParams,
        body: schemas.search,
        response: responses(200, Hits, [400, 404]),
      },
      config: READ,
    },
    async (request) => {
      const { query, vectorEncoding, ...options } = request.body;
      const collection = db.collection(request.params.name);
      const hits = await collection.search(requestVector(query, 'query'), options as SearchOptions);
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
};
