/**
 * Collections: `GET /collections`, `PUT|GET|DELETE /collections/{name}`,
 * `POST /collections/{name}/flush`, `POST /collections/{name}/compact`. A collection has one
 * vector per point (`dimension`, `metric`) or named vector fields (`vectors`), and may
 * declare payload indexes (`payloadIndexes`) when created.
 *
 * Races with a drop: a create and a drop of one name run one at a time (`NameLock`), so a
 * 201 describes the collection that was created, and a DELETE that came after it answers
 * 200. Any other operation on a collection that a drop removes while it runs fails with the
 * engine's `CollectionNotFoundError` (404) and acknowledges nothing; the list leaves out a
 * collection dropped between listing its name and describing it.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { CollectionConfig as EngineConfig, CollectionInfo as EngineInfo } from '../../db/types.js';
import { CollectionNotFoundError, QuiverError } from '../../errors.js';
import { CollectionConfig, CollectionInfo, CollectionList } from '../collection-schemas.js';
import { NameLock } from '../name-lock.js';
import { checkProviderPolicy } from '../provider-policy.js';
import { NameParams, Ok, responses } from '../schemas.js';
import { KEYED, READ, type RouteContext, WRITE } from './context.js';

export const collectionRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (
  app,
  { db, allowedProviders },
) => {
  const tags = ['collections'];
  const createOrDrop = new NameLock();

  app.get(
    '/collections',
    {
      schema: {
        tags,
        summary: 'List collections',
        description:
          'Every collection, sorted by name, with its vector fields; one whose files fail verification has an `error` instead.',
        security: KEYED,
        response: responses(200, CollectionList, []),
      },
      config: READ,
    },
    async (request) => {
      const collections = [];
      for (const name of await db.listCollections()) {
        try {
          collections.push(listed(await db.collection(name).info()));
        } catch (error) {
          if (error instanceof CollectionNotFoundError) continue; // dropped since it was listed
          if (!(error instanceof QuiverError)) throw error;
          request.log.warn({ err: error, collection: name }, 'collection unavailable');
          collections.push({ name, error: { code: error.code, message: 'unavailable; see the server log' } });
        }
      }
      return { collections };
    },
  );

  app.put(
    '/collections/:name',
    {
      schema: {
        tags,
        summary: 'Create a collection',
        description:
          'A vector field may name an embedding `provider` instead of (or besides) a `dimension`; points ' +
          'and queries then give that field its raw input in `inputs` (see the upsert and search routes).',
        security: KEYED,
        params: NameParams,
        body: CollectionConfig,
        response: responses(201, CollectionInfo, [400, 403, 409, 507]),
      },
      config: WRITE,
    },
    async (request, reply) => {
      checkProviderPolicy(request.body, allowedProviders);
      const { name } = request.params;
      const info = await createOrDrop.run(name, async () => {
        const collection = await db.createCollection(name, request.body as EngineConfig);
        return collection.info();
      });
      reply.code(201);
      return info;
    },
  );

  app.get(
    '/collections/:name',
    {
      schema: {
        tags,
        summary: 'Describe a collection',
        security: KEYED,
        params: NameParams,
        response: responses(200, CollectionInfo, [400, 404]),
      },
      config: READ,
    },
    async (request) => db.collection(request.params.name).info(),
  );

  app.delete(
    '/collections/:name',
    {
      schema: {
        tags,
        summary: 'Drop a collection and all its points',
        security: KEYED,
        params: NameParams,
        response: responses(200, Ok, [400, 403, 404, 507]),
      },
      config: WRITE,
    },
    async (request) => {
      const { name } = request.params;
      await createOrDrop.run(name, () => db.dropCollection(name));
      return { ok: true as const };
    },
  );

  app.post(
    '/collections/:name/flush',
    {
      schema: {
        tags,
        summary: 'Seal the growing segment into a segment file',
        security: KEYED,
        params: NameParams,
        response: responses(200, Ok, [400, 403, 404, 507]),
      },
      config: WRITE,
    },
    async (request) => {
      await db.collection(request.params.name).flush();
      return { ok: true as const };
    },
  );

  app.post(
    '/collections/:name/compact',
    {
      schema: {
        tags,
        summary: 'Drop deleted rows and merge small segments',
        security: KEYED,
        params: NameParams,
        response: responses(200, Ok, [400, 403, 404, 507]),
      },
      config: WRITE,
    },
    async (request) => {
      await db.collection(request.params.name).compact();
      return { ok: true as const };
    },
  );
};

/** A collection as the list shows it: name, dimension and metric, and its named vector fields (with their providers) if any. */
function listed(info: EngineInfo) {
  const { name, dimension, metric, vectors } = info;
  if (vectors === undefined) return { name, dimension, metric };
  const fields: Record<string, { dimension: number; metric: string; provider?: string }> = {};
  for (const [field, { dimension, metric, provider }] of Object.entries(vectors)) {
    fields[field] = provider === undefined ? { dimension, metric } : { dimension, metric, provider };
  }
  return { name, dimension, metric, vectors: fields };
}
