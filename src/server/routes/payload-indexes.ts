/**
 * Payload indexes: `PUT /collections/{name}/payload-indexes/{key}` indexes a payload field
 * (body `{ type, analyzer? }`) in every segment, existing and future, replacing an index of
 * another kind; `DELETE …/payload-indexes/{key}` drops it. Indexes change how filters and
 * text searches are answered, never what they answer (except that a `text` index is what
 * makes a field searchable by BM25).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { PayloadIndexConfig } from '../../db/types.js';
import { PayloadIndexParams, PayloadIndexSpec } from '../collection-schemas.js';
import { Ok, responses } from '../schemas.js';
import { KEYED, type RouteContext, WRITE } from './context.js';

export const payloadIndexRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, { db }) => {
  const tags = ['payload indexes'];

  app.put(
    '/collections/:name/payload-indexes/:key',
    {
      schema: {
        tags,
        summary: 'Index a payload field',
        description:
          'Builds the index in every segment; the key is a dotted path (URL-encoded). `analyzer` applies to `text` only.',
        security: KEYED,
        params: PayloadIndexParams,
        body: PayloadIndexSpec,
        response: responses(200, Ok, [400, 403, 404, 507]),
      },
      config: WRITE,
    },
    async (request) => {
      const { type, analyzer, partitioned } = request.body;
      // Without options the engine gets the bare kind, exactly what an in-process caller writes.
      const config = (
        analyzer === undefined && partitioned === undefined
          ? type
          : {
              type,
              ...(analyzer === undefined ? {} : { analyzer }),
              ...(partitioned === undefined ? {} : { partitioned }),
            }
      ) as PayloadIndexConfig;
      await db.collection(request.params.name).createPayloadIndex(request.params.key, config);
      return { ok: true as const };
    },
  );

  app.delete(
    '/collections/:name/payload-indexes/:key',
    {
      schema: {
        tags,
        summary: 'Drop the index of a payload field',
        description:
          'Filters on the field keep working (by reading payloads); a text search on it no longer does.',
        security: KEYED,
        params: PayloadIndexParams,
        response: responses(200, Ok, [400, 403, 404, 507]),
      },
      config: WRITE,
    },
    async (request) => {
      await db.collection(request.params.name).dropPayloadIndex(request.params.key);
      return { ok: true as const };
    },
  );
};
