/**
 * Points, as Qdrant's API has them: `PUT /collections/{name}/points` (upsert, list or
 * `batch` form), `POST …/points` (retrieve), `GET …/points/{id}`, `POST …/points/delete`,
 * `…/points/scroll`, `…/points/count`. Writes answer Qdrant's update result
 * `{ operation_id, status: 'completed' }` once durable, whatever `?wait=` says.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Collection, Point, PointId, ScrollOptions } from '../../db/types.js';
import { InvalidArgumentError, QuiverError } from '../../errors.js';
import type { Filter } from '../../payload/filter.js';
import type { VectorEncoding } from '../../wire/format.js';
import {
  batchPoints,
  type Output,
  requestPoint,
  type WireBatch,
  type WireUpsertPoint,
  wirePoint,
} from '../convert.js';
import { canonicalFilter, canonicalId, canonicalIds, pathId } from '../point-ids.js';
import { projection, type WithPayload, type WithVector } from '../projection.js';
import { fieldProviders, NO_PROVIDERS } from '../raw-inputs.js';
import {
  DeleteQuery,
  NameParams,
  PointIdParams,
  responses,
  StoredPoint,
  UpdateResult,
  WriteQuery,
} from '../schemas.js';
import { KEYED, pathCollection, READ, type RouteContext, WRITE } from './context.js';

/** Which points a write or a delete is about: ids (`points`) or a `filter`, exactly one. */
export function selectorOf(
  body: { points?: PointId[]; filter?: unknown },
  route: string,
): PointId[] | { filter: Filter } {
  const { points, filter } = body;
  if ((points === undefined) === (filter === undefined)) {
    throw new InvalidArgumentError(`${route}: expected exactly one of points (ids) and filter`);
  }
  return points === undefined
    ? { filter: canonicalFilter(filter) as Filter }
    : (canonicalIds(points) as PointId[]);
}

export const pointRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (
  app,
  { db, schemas, nextOperation },
) => {
  const tags = ['points'];

  app.put(
    '/collections/:name/points',
    {
      schema: {
        tags,
        summary: 'Insert or replace points',
        description:
          '`points: [{ id, vector, payload }]`, or columns in `batch: { ids, vectors, payloads }`. `vector` is one vector or ' +
          'named vectors `{ field: [...] }`. All-or-nothing: one bad point rejects the request and nothing is written. ' +
          'Acknowledged once durable. Quiver extensions: a vector may be base64 little-endian float32; a field with a ' +
          'provider may be given its raw input in `inputs` (a text, or the base64 of an image or WAV file; the server never ' +
          'reads file paths). Base64 makes an image 4/3 of its size, and the whole body counts against the body ' +
          'limit (`limits.bodyBytes`, default 32 MiB: 413 beyond), so send large images in several requests. ' +
          'With a `face` field a point becomes one point per face found (ids `<id>#<n>`).',
        security: KEYED,
        params: NameParams,
        querystring: WriteQuery,
        body: schemas.upsert,
        response: responses(UpdateResult, [400, 403, 404, 413, 507]),
      },
      config: WRITE,
    },
    async (request) => {
      const { points, batch } = request.body;
      if ((points === undefined) === (batch === undefined)) {
        throw new InvalidArgumentError('upsert: expected exactly one of points and batch');
      }
      const given = (points as WireUpsertPoint[] | undefined) ?? batchPoints(batch as WireBatch);
      const collection = pathCollection(db, request);
      const providers = given.some((p) => p.inputs !== undefined)
        ? await fieldProviders(collection)
        : NO_PROVIDERS;
      const converted = given.map((p, i) => requestPoint(p, i, providers));
      if (converted.length > 0) await collection.upsert(converted);
      else await collection.info(); // 404 for a collection that does not exist
      return { operation_id: nextOperation(), status: 'completed' as const };
    },
  );

  app.post(
    '/collections/:name/points',
    {
      schema: {
        tags,
        summary: 'Points by id',
        description:
          'In the order asked; ids that do not exist are left out. `with_payload` defaults to true.',
        security: KEYED,
        params: NameParams,
        body: schemas.retrieve,
        response: responses(Type.Array(StoredPoint), [400, 404]),
      },
      config: READ,
    },
    async (request) => {
      const { ids, with_payload, with_vector, vector_encoding } = request.body;
      const out = outputOf(with_payload, with_vector, true, vector_encoding);
      const points = await pathCollection(db, request).get(canonicalIds(ids) as PointId[], engineOutput(out));
      return points.map((p) => wirePoint(p, out));
    },
  );

  app.get(
    '/collections/:name/points/:id',
    {
      schema: {
        tags,
        summary: 'One point by id, with its payload and vector',
        description:
          'Digits are an integer id (`/points/7` is point 7), a UUID is canonicalized, other text is a string id.',
        security: KEYED,
        params: PointIdParams,
        response: responses(StoredPoint, [400, 404]),
      },
      config: READ,
    },
    async (request) => {
      const id = pathId(request.params.id);
      const out = outputOf(true, true, true, undefined);
      const [point] = await pathCollection(db, request).get([id], engineOutput(out));
      if (point === undefined) throw new PointNotFoundError(id);
      return wirePoint(point, out);
    },
  );

  app.post(
    '/collections/:name/points/delete',
    {
      schema: {
        tags,
        summary: 'Delete points by id or by filter',
        description:
          'Quiver extensions: `deleted` says how many of the points existed; `purge` (query or body) answers once no file holds them.',
        security: KEYED,
        params: NameParams,
        querystring: DeleteQuery,
        body: schemas.delete,
        response: responses(UpdateResult, [400, 403, 404, 507]),
      },
      config: WRITE,
    },
    async (request) => {
      const selector = selectorOf(request.body, 'delete');
      const collection = pathCollection(db, request);
      const flag = request.query.purge;
      if (request.body.purge === true || flag === true || flag === 'true') {
        const done = await collection.purge(selector);
        return {
          operation_id: nextOperation(),
          status: 'completed' as const,
          deleted: done.deleted,
          purge: { segments_rewritten: done.segmentsRewritten, snapshots_deleted: done.snapshotsDeleted },
        };
      }
      const deleted = await collection.delete(selector);
      return { operation_id: nextOperation(), status: 'completed' as const, deleted };
    },
  );

  app.post(
    '/collections/:name/points/count',
    {
      schema: {
        tags,
        summary: 'Count points, or those matching a filter',
        description: 'Counts are always exact (`exact` is accepted).',
        security: KEYED,
        params: NameParams,
        body: schemas.count,
        response: responses(Type.Object({ count: Type.Integer() }), [400, 404]),
      },
      config: READ,
    },
    async (request) => {
      const { filter } = request.body;
      const collection = pathCollection(db, request);
      const count = await collection.count(
        filter === undefined ? {} : { filter: canonicalFilter(filter) as Filter },
      );
      return { count };
    },
  );

  app.post(
    '/collections/:name/points/scroll',
    {
      schema: {
        tags,
        summary: 'A page of points in id order (or ordered by a payload key)',
        description:
          'Integers ascending, then strings (UUIDs) in code-unit order. `offset` is the id to start from (included); ' +
          '`next_page_offset` is the first id of the next page, or null on the last page. With `order_by` the points ' +
          'come in that key’s order (points without the key are left out) and there is no `next_page_offset`: continue ' +
          'with `order_by.start_from`. `with_payload` defaults to true. Quiver extension: `skip` skips that many points.',
        security: KEYED,
        params: NameParams,
        body: schemas.scroll,
        response: responses(
          Type.Object({
            points: Type.Array(StoredPoint),
            next_page_offset: Type.Union([Type.Null(), Type.Integer(), Type.String()]),
          }),
          [400, 404],
        ),
      },
      config: READ,
    },
    async (request) => {
      const body = request.body;
      const collection = pathCollection(db, request);
      const out = outputOf(body.with_payload, body.with_vector, true, body.vector_encoding);
      const limit = body.limit ?? 10;
      const filter = body.filter === undefined ? undefined : (canonicalFilter(body.filter) as Filter);
      if (body.order_by !== undefined) {
        if (body.offset !== undefined || body.skip !== undefined) {
          throw new InvalidArgumentError('scroll: order_by pages with order_by.start_from, not offset');
        }
        return orderedPage(collection, body.order_by, limit, filter, out);
      }
      if (body.offset !== undefined && (body.skip !== undefined || body.after !== undefined)) {
        throw new InvalidArgumentError('scroll: give offset (an id) without skip or after');
      }
      return idPage(
        collection,
        { offset: body.offset, after: body.after, skip: body.skip, limit, filter },
        out,
      );
    },
  );
};

/** A point asked for by id (`GET …/points/{id}`) that does not exist: 404, as in Qdrant. */
export class PointNotFoundError extends QuiverError {
  constructor(id: PointId) {
    super('POINT_NOT_FOUND', `point ${JSON.stringify(id)} does not exist`);
  }
}

/** The output options of a request. */
export function outputOf(
  withPayload: WithPayload | undefined,
  withVector: WithVector | undefined,
  payloadDefault: boolean,
  encoding: VectorEncoding | undefined,
): Output {
  return { projection: projection(withPayload, withVector, payloadDefault), encoding };
}

/** What the engine is asked to return. */
export function engineOutput(out: Output): { withPayload: boolean; withVector: boolean } {
  return { withPayload: out.projection.withPayload, withVector: out.projection.withVector };
}

interface IdPageRequest {
  offset?: PointId;
  after?: PointId;
  skip?: number;
  limit: number;
  filter?: Filter;
}

/**
 * A page in id order starting at `offset` (included) and the first id after it. The engine
 * pages after a cursor (excluded), so the offset point itself is looked up first.
 */
async function idPage(collection: Collection, r: IdPageRequest, out: Output) {
  const options: ScrollOptions = { limit: r.limit, ...engineOutput(out) };
  if (r.filter !== undefined) options.filter = r.filter;
  if (r.skip !== undefined) options.offset = r.skip;
  if (r.after !== undefined) options.cursor = canonicalId(r.after);
  const points: Point[] = [];
  if (r.offset !== undefined) {
    const start = canonicalId(r.offset);
    const [first] = await collection.get([start], engineOutput(out));
    const matches =
      first !== undefined &&
      (r.filter === undefined ||
        (await collection.count({
          filter: { must: [r.filter, { has_id: [start] }] } as unknown as Filter,
        })) === 1);
    if (matches) points.push(first);
    options.cursor = start;
    options.limit = r.limit - points.length;
  }
  let nextCursor: PointId | undefined;
  if (options.limit! > 0) {
    const page = await collection.scroll(options);
    points.push(...page.points);
    nextCursor = page.nextCursor;
  } else {
    nextCursor = points[points.length - 1]?.id;
  }
  let next: PointId | null = null;
  if (nextCursor !== undefined) {
    const after = await collection.scroll({
      limit: 1,
      cursor: nextCursor,
      withPayload: false,
      ...(r.filter ? { filter: r.filter } : {}),
    });
    next = after.points[0]?.id ?? null;
  }
  return { points: points.map((p) => wirePoint(p, out)), next_page_offset: next };
}

type OrderBy = string | { key: string; direction?: 'asc' | 'desc'; start_from?: number | string };

/** A page ordered by a payload key (the engine's `orderBy`), each point with its `order_value`. */
async function orderedPage(
  collection: Collection,
  orderBy: OrderBy,
  limit: number,
  filter: Filter | undefined,
  out: Output,
) {
  const engineOrder =
    typeof orderBy === 'string'
      ? orderBy
      : {
          key: orderBy.key,
          ...(orderBy.direction === undefined ? {} : { direction: orderBy.direction }),
          ...(orderBy.start_from === undefined ? {} : { startFrom: orderBy.start_from }),
        };
  const options: ScrollOptions = { limit, ...engineOutput(out), orderBy: engineOrder };
  if (filter !== undefined) options.filter = filter;
  const page = await collection.scroll(options);
  return { points: page.points.map((p) => wirePoint(p, out)), next_page_offset: null };
}
