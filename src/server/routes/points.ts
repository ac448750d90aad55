/**
 * Points: `PUT /collections/{name}/points` (upsert), and `POST …/points/get`,
 * `…/points/delete`, `…/points/count`, `…/points/scroll`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ScrollOptions } from '../../db/types.js';
import { InvalidArgumentError } from '../../errors.js';
import type { Filter } from '../../payload/filter.js';
import { requestPoint, wirePoint } from '../convert.js';
import { fieldProviders, NO_PROVIDERS } from '../raw-inputs.js';
import { Count, Deleted, NameParams, Points, responses, ScrollPage, Upserted } from '../schemas.js';
import { KEYED, READ, type RouteContext, WRITE } from './context.js';

export const pointRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, { db, schemas }) => {
  const tags = ['points'];

  app.put(
    '/collections/:name/points',
    {
      schema: {
        tags,
        summary: 'Insert or replace points',
        description:
          'All-or-nothing: one bad point rejects the batch and nothing is written. Acknowledged once durable. ' +
          'A field with a provider may be given its raw input instead of a vector, in `inputs`: a text for a ' +
          'text provider (`glove-100`, `onnx:…`, `openai:…`), the base64 of the image file for any other ' +
          '(the server never reads file paths). Base64 makes an image 4/3 of its size, and the whole body ' +
          'counts against the body limit (`limits.bodyBytes`, default 32 MiB: 413 beyond), so send large ' +
          'images in several requests. With a `face` field a point becomes one point per face found ' +
          '(ids `<id>#<n>`); `upserted` counts the points given.',
        security: KEYED,
        params: NameParams,
        body: schemas.upsert,
        response: responses(200, Upserted, [400, 403, 404, 413, 507]),
      },
      config: WRITE,
    },
    async (request) => {
      const collection = db.collection(request.params.name);
      const given = request.body.points;
      const providers = given.some((p) => p.inputs !== undefined)
        ? await fieldProviders(collection)
        : NO_PROVIDERS;
      await collection.upsert(given.map((p, i) => requestPoint(p, i, providers)));
      return { upserted: given.length };
    },
  );

  app.post(
    '/collections/:name/points/get',
    {
      schema: {
        tags,
        summary: 'Points by id',
        description:
          'In the order asked; ids that do not exist are left out. `withPayload` defaults to true.',
        security: KEYED,
        params: NameParams,
        body: schemas.get,
        response: responses(200, Points, [400, 404]),
      },
      config: READ,
    },
    async (request) => {
      const { ids, withPayload, withVector, vectorEncoding } = request.body;
      const points = await db.collection(request.params.name).get(ids, { withPayload, withVector });
      return { points: points.map((p) => wirePoint(p, vectorEncoding)) };
    },
  );

  app.post(
    '/collections/:name/points/delete',
    {
      schema: {
        tags,
        summary: 'Delete points by id or by filter',
        security: KEYED,
        params: NameParams,
        body: schemas.delete,
        response: responses(200, Deleted, [400, 403, 404, 507]),
      },
      config: WRITE,
    },
    async (request) => {
      const { ids, filter } = request.body;
      if ((ids === undefined) === (filter === undefined)) {
        throw new InvalidArgumentError('delete: expected exactly one of ids and filter');
      }
      const collection = db.collection(request.params.name);
      const deleted = await collection.delete(ids ?? { filter: filter as Filter });
      return { deleted };
    },
  );

  app.post(
    '/collections/:name/points/count',
    {
      schema: {
        tags,
        summary: 'Count live points, or those matching a filter',
        security: KEYED,
        params: NameParams,
        body: schemas.count,
        response: responses(200, Count, [400, 404]),
      },
      config: READ,
    },
    async (request) => {
      const filter = request.body.filter as Filter | undefined;
      const collection = db.collection(request.params.name);
      return { count: await collection.count(filter === undefined ? {} : { filter }) };
    },
  );

  app.post(
    '/collections/:name/points/scroll',
    {
      schema: {
        tags,
        summary: 'A page of points in id order',
        description:
          'Integers ascending, then strings. Continue with `cursor` = the previous `nextCursor`, absent on the last page.',
        security: KEYED,
        params: NameParams,
        body: schemas.scroll,
        response: responses(200, ScrollPage, [400, 404]),
      },
      config: READ,
    },
    async (request) => {
      const { vectorEncoding, ...options } = request.body;
      const page = await db.collection(request.params.name).scroll(options as ScrollOptions);
      const points = page.points.map((p) => wirePoint(p, vectorEncoding));
      return page.nextCursor === undefined ? { points } : { points, nextCursor: page.nextCursor };
    },
  );
};
