/**
 * Operations endpoints: `/healthz` (the process answers), `/readyz` (it accepts work: 503
 * once shutdown has begun), `/metrics` (Prometheus text; needs a key when keys are
 * configured) and `/openapi.json` (the API description, generated from the route schemas).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { KEYED, PUBLIC, READ, type RouteContext } from './context.js';

const Status = Type.Object({ status: Type.String() });

export const operationRoutes: FastifyPluginAsyncTypebox<RouteContext> = async (
  app,
  { metrics, draining },
) => {
  const tags = ['operations'];

  app.get(
    '/healthz',
    { schema: { tags, summary: 'Liveness', response: { 200: Status } }, config: PUBLIC },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: { tags, summary: 'Readiness: 503 while shutting down', response: { 200: Status, 503: Status } },
      config: PUBLIC,
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
      config: READ,
    },
    async (_request, reply) => {
      const text = await metrics.scrape();
      return reply.type(metrics.contentType).send(text);
    },
  );

  app.get(
    '/openapi.json',
    { schema: { tags, summary: 'This API in OpenAPI 3.1', hide: true }, config: PUBLIC },
    async () => app.swagger(),
  );
};
