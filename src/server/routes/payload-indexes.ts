/**
 * Payload indexes, as Qdrant's API has them: `PUT /collections/{name}/index` with
 * `{ field_name, field_schema }` indexes a payload field in every segment, existing and
 * future, replacing an index of another kind; `DELETE …/index/{field_name}` drops it.
 * Indexes change how filters and text searches are answered, never what they answer
 * (except that a `text` index is what makes a field searchable by BM25).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { FieldParams } from '../collection-schemas.js';
import { type FieldSchemaBody, payloadIndexOf } from '../collection-shape.js';
import { NameParams, responses, UpdateResult, WriteQuery } from '../schemas.js';
import { KEYED, pathCollection, type RouteContext, WRITE } from './context.js';

export const payloadIndexRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (
  app,
  { db, schemas, nextOperation },
) => {
  const tags = ['payload indexes'];

  app.put(
    '/collections/:name/index',
    {
      schema: {
        tags,
        summary: 'Index a payload field',
        description:
          '`field_schema`: a kind (`keyword`, `integer`, `float`, `bool`, `datetime`, `text`, and where the engine has ' +
          'them `geo`, `uuid`) or `{ type, … }`: `is_tenant` for a keyword index (a partitioned index), `tokenizer: ' +
          'multilingual` or (Quiver extension) `analyzer` for a text index. Other parameters are accepted and change nothing.',
        security: KEYED,
        params: NameParams,
        querystring: WriteQuery,
        body: schemas.createIndex,
        response: responses(UpdateResult, [400, 403, 404, 507]),
      },
      config: WRITE,
    },
    async (request) => {
      const { field_name, field_schema } = request.body;
      const config = payloadIndexOf(field_schema as FieldSchemaBody | undefined);
      await pathCollection(db, request).createPayloadIndex(field_name, config);
      return { operation_id: nextOperation(), status: 'completed' as const };
    },
  );

  app.delete(
    '/collections/:name/index/:field_name',
    {
      schema: {
        tags,
        summary: 'Drop the index of a payload field',
        description:
          'Filters on the field keep working (by reading payloads); a text search on it no longer does.',
        security: KEYED,
        params: FieldParams,
        querystring: WriteQuery,
        response: responses(UpdateResult, [400, 403, 404, 507]),
      },
      config: WRITE,
    },
    async (request) => {
      await pathCollection(db, request).dropPayloadIndex(request.params.field_name);
      return { operation_id: nextOperation(), status: 'completed' as const };
    },
  );
};
