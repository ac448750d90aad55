/**
 * Operations endpoints: `GET /` (Qdrant's version answer, `{ title, version }`, which
 * clients read to check compatibility), `/healthz` (the process answers), `/readyz` (it accepts work: 503
 * once shutdown has begun), `/metrics` (Prometheus text; needs a key when keys are
 * configured) and `/openapi.json` (the API description, generated from the route schemas).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { BARE, KEYED, type RouteContext } from './context.js';

const Status = Type.Object({ status: Type.String() });

/** The version of Qdrant's REST API the server implements (its OpenAPI document, v1.18.x). */
export const QDRANT_API_VERSION = '1.18.0';

export const operationRoutes: FastifyPluginAsyncTypebox<RouteContext & { version: string }> = async (
  app,
  { metrics, draining, version },
) => {
  const tags = ['operations'];

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'Server name and version',
        description:
          "`version` is the version of Qdrant's API this server speaks (Qdrant's clients compare it with their own); " +
          "`quiver_version` is Quiver's.",
        response: {
          200: Type.Object({ title: Type.String(), version: Type.String(), quiver_version: Type.String() }),
        },
      },
      config: BARE,
    },
    async () => ({
      title: 'quiver - vector search engine',
      version: QDRANT_API_VERSION,
      quiver_version: version,
    }),
  );

  app.get(
    '/healthz',
    { schema: { tags, summary: 'Liveness', response: { 200: Status } }, config: BARE },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: { tags, summary: 'Readiness: 503 while shutting down', response: { 200: Status, 503: Status } },
      config: BARE,
    },
    async (_request, reply) => {
      if (draining()) return reply.code(503).send({ status: 'shutting down' });
      return { status: 'ready' };
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags,
        summary: 'Prometheus metrics',
        security: KEYED,
        produces: ['text/plain'],
        response: { 200: Type.String() },
      },
      config: { access: 'read', bare: true },
    },
    async (_request, reply) => {
      const text = await metrics.scrape();
      return reply.type(metrics.contentType).send(text);
    },
  );

  app.get(
    '/openapi.json',
    { schema: { tags, summary: 'This API in OpenAPI 3.1', hide: true }, config: BARE },
    async () => app.swagger(),
  );
};
