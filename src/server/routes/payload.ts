/**
 * Payload changes, as Qdrant's API has them, on the points given by id (`points`) or
 * matching a `filter`: `POST …/points/payload` merges keys in (under `key`, a dotted path,
 * when given), `PUT …/points/payload` replaces whole payloads, `POST …/points/payload/delete`
 * removes keys, `POST …/points/payload/clear` removes whole payloads. Each call is
 * all-or-nothing and durable when answered; vectors are not rewritten. Quiver extension:
 * `updated` says how many existing points the change applied to.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Collection, PayloadUpdating } from '../../db/types.js';
import { InvalidArgumentError } from '../../errors.js';
import { NameParams, responses, UpdateResult, WriteQuery } from '../schemas.js';
import { KEYED, pathCollection, type RouteContext, WRITE } from './context.js';
import { selectorOf } from './points.js';

/** The collection's payload updates (every embedded collection has them). */
function updating(collection: Collection): PayloadUpdating {
  const c = collection as Collection & Partial<PayloadUpdating>;
  if (typeof c.setPayload !== 'function') {
    throw new InvalidArgumentError(`collection '${collection.name}' does not support payload updates`);
  }
  return c as PayloadUpdating;
}

export const payloadRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (
  app,
  { db, schemas, nextOperation },
) => {
  const tags = ['payload'];
  const route = { tags, security: KEYED, params: NameParams, querystring: WriteQuery };
  const answer = (updated: number) => ({
    operation_id: nextOperation(),
    status: 'completed' as const,
    updated,
  });

  app.post(
    '/collections/:name/points/payload',
    {
      schema: {
        ...route,
        summary: 'Set payload keys',
        description:
          'Merges the keys of `payload` into each point’s payload; with `key`, into the object at that dotted path (created as needed).',
        body: schemas.setPayload,
        response: responses(UpdateResult, [400, 403, 404, 507]),
      },
      config: WRITE,
    },
    async (request) => {
      const { payload, key } = request.body;
      const collection = updating(pathCollection(db, request));
      const selector = selectorOf(request.body, 'set payload');
      return answer(await collection.setPayload(selector, payload, key === undefined ? undefined : { key }));
    },
  );

  app.put(
    '/collections/:name/points/payload',
    {
      schema: {
        ...route,
        summary: 'Overwrite payloads',
        description: 'Replaces each point’s whole payload (with `key`, only the object at that path).',
        body: schemas.overwritePayload,
        response: responses(UpdateResult, [400, 403, 404, 507]),
      },
      config: WRITE,
    },
    async (request) => {
      const { payload, key } = request.body;
      const collection = updating(pathCollection(db, request));
      const selector = selectorOf(request.body, 'overwrite payload');
      // Qdrant's overwrite with a key replaces the object at that path: a set of that key.
      const updated =
        key === undefined
          ? await collection.overwritePayload(selector, payload)
          : await overwriteAt(collection, selector, key, payload);
      return answer(updated);
    },
  );

  app.post(
    '/collections/:name/points/payload/delete',
    {
      schema: {
        ...route,
        summary: 'Delete payload keys',
        description:
          'Removes the keys (dotted paths; through arrays, from every element) from each point’s payload.',
        body: schemas.deletePayload,
        response: responses(UpdateResult, [400, 403, 404, 507]),
      },
      config: WRITE,
    },
    async (request) => {
      const collection = updating(pathCollection(db, request));
      const selector = selectorOf(request.body, 'delete payload');
      return answer(await collection.deletePayloadKeys(selector, request.body.keys));
    },
  );

  app.post(
    '/collections/:name/points/payload/clear',
    {
      schema: {
        ...route,
        summary: 'Clear payloads',
        description: 'Removes each point’s whole payload.',
        body: schemas.clearPayload,
        response: responses(UpdateResult, [400, 403, 404, 507]),
      },
      config: WRITE,
    },
    async (request) => {
      const collection = updating(pathCollection(db, request));
      return answer(await collection.clearPayload(selectorOf(request.body, 'clear payload')));
    },
  );
};

/**
 * Overwrite under `key`: the object at that dotted path becomes `payload`. The engine sets a
 * key by merging, so the parent of the path gets the last part set to `payload` as a whole.
 */
function overwriteAt(
  collection: PayloadUpdating,
  selector: Parameters<PayloadUpdating['setPayload']>[0],
  key: string,
  payload: Record<string, unknown>,
): Promise<number> {
  const parts = key.split('.');
  const last = parts.pop()!;
  const options = parts.length === 0 ? undefined : { key: parts.join('.') };
  return collection.setPayload(selector, { [last]: payload }, options);
}
