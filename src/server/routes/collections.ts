/**
 * Collections, as Qdrant's API has them: `GET /collections`, `PUT|GET|PATCH|DELETE
 * /collections/{name}`, `GET /collections/{name}/exists`; and Quiver's
 * `POST /collections/{name}/flush` and `…/compact`. See `collection-shape.ts` for how
 * Qdrant's configuration maps onto the engine's.
 *
 * Races with a drop: a create and a drop of one name run one at a time (`NameLock`), so a
 * create's answer describes the collection that was created, and a DELETE that came after
 * it succeeds. Any other operation on a collection that a drop removes while it runs fails
 * with the engine's `CollectionNotFoundError` (404) and acknowledges nothing; the list
 * leaves out a collection dropped between listing its name and describing it.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Collection } from '../../db/types.js';
import { CollectionNotFoundError, InvalidArgumentError, QuiverError } from '../../errors.js';
import type { Filter } from '../../payload/filter.js';
import { canSee } from '../auth-grant.js';
import { CollectionInfoResult, CollectionList } from '../collection-schemas.js';
import { type CreateBody, collectionInfo, engineConfig, listed } from '../collection-shape.js';
import { NameLock } from '../name-lock.js';
import { checkProviderPolicy } from '../provider-policy.js';
import { NameParams, responses } from '../schemas.js';
import { KEYED, LIST, MANAGE, pathCollection, READ, type RouteContext, WRITE } from './context.js';

export const collectionRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (
  app,
  { db, schemas, allowedProviders },
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
          'Every collection, sorted by name. Quiver extension: `quiver` holds each one’s dimension, metric and named ' +
          'vector fields, or an `error` for one whose files fail verification.',
        security: KEYED,
        response: responses(CollectionList, []),
      },
      config: LIST,
    },
    async (request) => {
      const collections = [];
      const grant = request.grant;
      for (const name of await db.listCollections()) {
        if (grant !== null && !canSee(grant, name)) continue; // a token for other collections
        try {
          collections.push(listed(await db.collection(name).info()));
        } catch (error) {
          if (error instanceof CollectionNotFoundError) continue; // dropped since it was listed
          if (!(error instanceof QuiverError)) throw error;
          request.log.warn({ err: error, collection: name }, 'collection unavailable');
          collections.push({
            name,
            quiver: { error: { code: error.code, message: 'unavailable; see the server log' } },
          });
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
          '`vectors: { size, distance }` for one vector per point, or named vectors `{ name: { size, distance } }`. ' +
          'Quiver extensions: a vector field may name an embedding `provider` instead of (or besides) a `size`; ' +
          'points and queries then give that field its raw input in `inputs`. `index` takes a factory string.',
        security: KEYED,
        params: NameParams,
        body: schemas.createCollection,
        response: responses(Type.Boolean(), [400, 403, 409, 507]),
      },
      config: MANAGE,
    },
    async (request) => {
      const config = engineConfig(request.body as CreateBody, db.sharded === true);
      checkProviderPolicy(config, allowedProviders);
      const { name } = request.params;
      await createOrDrop.run(name, () => db.createCollection(name, config));
      return true;
    },
  );

  app.get(
    '/collections/:name',
    {
      schema: {
        tags,
        summary: 'Describe a collection',
        description: "Qdrant's collection info; `quiver` (extension) is the engine's own description.",
        security: KEYED,
        params: NameParams,
        response: responses(CollectionInfoResult, [400, 404]),
      },
      config: READ,
    },
    async (request) => {
      const collection = pathCollection(db, request);
      return collectionInfo(await collection.info(), (key) => pointsWith(collection, key));
    },
  );

  app.get(
    '/collections/:name/exists',
    {
      schema: {
        tags,
        summary: 'Whether a collection exists',
        security: KEYED,
        params: NameParams,
        response: responses(Type.Object({ exists: Type.Boolean() }), [400]),
      },
      config: READ,
    },
    async (request) => ({ exists: (await db.listCollections()).includes(request.params.name) }),
  );

  app.patch(
    '/collections/:name',
    {
      schema: {
        tags,
        summary: 'Update a collection’s parameters',
        description:
          'Tuning options Quiver does not have are accepted and change nothing; the vectors, HNSW and quantization ' +
          'settings are fixed at creation (400).',
        security: KEYED,
        params: NameParams,
        body: schemas.updateCollection,
        response: responses(Type.Boolean(), [400, 403, 404]),
      },
      config: MANAGE,
    },
    async (request) => {
      await pathCollection(db, request).info(); // 404 for a collection that does not exist
      for (const key of ['hnsw_config', 'vectors', 'quantization_config', 'sparse_vectors'] as const) {
        if (request.body[key] !== undefined) {
          throw new InvalidArgumentError(
            `${key}: cannot be changed after a collection is created in Quiver; create a new collection (or restore a snapshot) instead`,
          );
        }
      }
      return true;
    },
  );

  app.delete(
    '/collections/:name',
    {
      schema: {
        tags,
        summary: 'Drop a collection and all its points',
        security: KEYED,
        params: NameParams,
        response: responses(Type.Boolean(), [400, 403, 404, 507]),
      },
      config: MANAGE,
    },
    async (request) => {
      const { name } = request.params;
      await createOrDrop.run(name, () => db.dropCollection(name));
      return true;
    },
  );

  app.post(
    '/collections/:name/flush',
    {
      schema: {
        tags,
        summary: 'Seal the growing segment into a segment file (Quiver extension)',
        security: KEYED,
        params: NameParams,
        response: responses(Type.Boolean(), [400, 403, 404, 507]),
      },
      config: WRITE,
    },
    async (request) => {
      await pathCollection(db, request).flush();
      return true;
    },
  );

  app.post(
    '/collections/:name/compact',
    {
      schema: {
        tags,
        summary: 'Drop deleted rows and merge small segments (Quiver extension)',
        security: KEYED,
        params: NameParams,
        response: responses(Type.Boolean(), [400, 403, 404, 507]),
      },
      config: WRITE,
    },
    async (request) => {
      await pathCollection(db, request).compact();
      return true;
    },
  );
};

/** How many points have a non-null value under `key` (an indexed key: answered by its index). */
function pointsWith(collection: Collection, key: string): Promise<number> {
  return collection.count({ filter: { must: [{ key, exists: true }] } as Filter });
}
