/**
 * Thumbnails (a Quiver extension): `GET /collections/{name}/points/{id}/thumbnail/{field}`
 * answers the WebP that a vector field with `store_input: "thumbnail"` keeps of a point's
 * image, as `image/webp` outside the JSON envelope, for any valid key (read-only included).
 * A point that does not exist or has no thumbnail in that field is 404
 * `THUMBNAIL_NOT_FOUND` (204 without a body when the request says `?optional=true`: a page
 * that shows a placeholder then has no failed request for the browser to log as an error);
 * a field that keeps no thumbnails is 400 `INVALID_ARGUMENT`.
 *
 * The answer carries a strong `ETag` (a digest of the bytes) and `Cache-Control: private,
 * no-cache`: a browser may keep it but asks again each time (a re-upsert replaces the
 * image under the same URL), and `If-None-Match` with the current tag answers 304.
 */
import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { PointId } from '../../db/types.js';
import { MAX_ID_LENGTH } from '../../db/validate.js';
import { QuiverError } from '../../errors.js';
import { pathId } from '../point-ids.js';
import { CollectionName, closed, responses, VectorFieldName } from '../schemas.js';
import { KEYED, pathCollection, type RouteContext } from './context.js';

/** The URL pattern (also the route's metrics label). */
export const THUMBNAIL_ROUTE = '/collections/:name/points/:id/thumbnail/:field';

/** `optional`: a missing thumbnail is 204 (no body) instead of 404; other keys (`wait`) pass through. */
const ThumbnailQuery = Type.Object(
  {
    optional: Type.Optional(
      Type.Union([Type.Boolean(), Type.String()], {
        description:
          'Quiver extension: `true` answers 204 (no body) instead of 404 when there is no thumbnail.',
      }),
    ),
  },
  { additionalProperties: true },
);

const ThumbnailParams = Type.Object(
  {
    name: CollectionName,
    id: Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH }),
    field: VectorFieldName,
  },
  closed,
);

export const thumbnailRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (app, { db }) => {
  app.get(
    THUMBNAIL_ROUTE,
    {
      schema: {
        tags: ['points'],
        summary: "A point's image thumbnail",
        description:
          'Quiver extension: the WebP (at most 256 px on its longer side) that a vector field with ' +
          '`store_input: "thumbnail"` keeps of the image the point was last upserted with; `content-type: image/webp`, ' +
          'not wrapped in the JSON envelope, with an `ETag` (`If-None-Match` → 304). The id reads as in ' +
          '`GET …/points/{id}`. 404 `THUMBNAIL_NOT_FOUND` when the point does not exist or has no thumbnail in ' +
          'that field (204 without a body with `?optional=true`); 400 when the field keeps no thumbnails. ' +
          'Read-only keys may read it.',
        security: KEYED,
        params: ThumbnailParams,
        querystring: ThumbnailQuery,
        response: responses(200, Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }), [400, 404]),
      },
      config: { access: 'read', bare: true },
    },
    async (request, reply) => {
      const { field } = request.params;
      const id = pathId(request.params.id);
      const webp = await pathCollection(db, request).thumbnail(id, field);
      if (webp === undefined) {
        const optional = request.query.optional;
        if (optional === true || optional === 'true') return (reply as FastifyReply).code(204).send();
        throw new ThumbnailNotFoundError(id, field);
      }
      const etag = `"${createHash('sha256').update(webp).digest('base64url').slice(0, 27)}"`;
      reply.header('etag', etag).header('cache-control', 'private, no-cache');
      if (request.headers['if-none-match'] !== etag)
        return reply.header('content-type', 'image/webp').send(webp);
      // Not modified: no body (304 is outside the response schema, which types the body).
      return (reply as FastifyReply).code(304).send();
    },
  );
};

/** A thumbnail asked for that does not exist (no such point, or no image in that field): 404. */
export class ThumbnailNotFoundError extends QuiverError {
  constructor(id: PointId, field: string) {
    super('THUMBNAIL_NOT_FOUND', `point ${JSON.stringify(id)} has no thumbnail in field '${field}'`);
  }
}
