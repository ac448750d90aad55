/** What every route plugin is given, and how a route declares the access it needs. */
import type { Database } from '../../db/types.js';
import type { Access } from '../auth.js';
import type { ServerMetrics } from '../metrics.js';
import type { RequestSchemas } from '../request-schemas.js';

export interface RouteContext {
  db: Database;
  schemas: RequestSchemas;
  metrics: ServerMetrics;
  /** `onnx:` and `openai:` providers that collections created over HTTP may name (see `provider-policy.ts`). */
  allowedProviders: readonly string[];
  /** True once shutdown has begun (`/readyz` answers 503). */
  draining(): boolean;
  /** The `operation_id` of the next acknowledged write (Qdrant's update result). */
  nextOperation(): number;
}

/** Per-route fastify `config`: the access the route needs (see `auth.ts`). */
export interface RouteConfig {
  access: Access;
  /** Send the handler's value as it is, outside Qdrant's envelope (operations endpoints). */
  bare?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The access a route needs; routes without it (404s) need `read`. */
    access?: Access;
    /** Answers outside the `{ result, status, time }` envelope. */
    bare?: boolean;
  }
}

export const PUBLIC: RouteConfig = { access: 'public' };
export const BARE: RouteConfig = { access: 'public', bare: true };
export const READ: RouteConfig = { access: 'read' };
export const WRITE: RouteConfig = { access: 'write' };

/** OpenAPI security requirement of a route that needs a key (either header works). */
export const KEYED: { [scheme: string]: string[] }[] = [{ bearer: [] }, { apiKey: [] }];
