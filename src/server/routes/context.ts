/** What every route plugin is given, and how a route declares the access it needs. */
import type { FastifyRequest } from 'fastify';
import type { Collection, Database } from '../../db/types.js';
import type { Access } from '../auth.js';
import { type Grant, tenantOf } from '../auth-grant.js';
import { TenantCollection } from '../auth-tenant.js';
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
  interface FastifyRequest {
    /** What the request's credential may do; set before the body is read (null on public routes). */
    grant: Grant | null;
  }
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
/** Creating, changing or dropping collections, recovering snapshots: admin keys and global `m` tokens. */
export const MANAGE: RouteConfig = { access: 'manage' };
/** The list of collections: any credential, cut to what it may see. */
export const LIST: RouteConfig = { access: 'list' };

/**
 * The collection named in the request's path as the request's credential sees it: under a
 * token's tenant filter, a `TenantCollection` (every read intersected with the filter).
 * Routes take a collection only through this, so no read escapes the tenant filter.
 */
export function pathCollection(db: Database, request: FastifyRequest): Collection {
  const { name } = request.params as { name: string };
  let collection = db.collection(name);
  // Cluster mode: `?consistency=eventual` (a Quiver extension) reads replicas without waiting
  // for them to catch up; Qdrant's values (`all`, `majority`, `quorum`, a number) read strongly.
  const consistency = (request.query as { consistency?: unknown } | undefined)?.consistency;
  const sharded = collection as Collection & { withConsistency?(c: 'strong' | 'eventual'): Collection };
  if (consistency === 'eventual' && sharded.withConsistency) collection = sharded.withConsistency('eventual');
  const tenant = request.grant === null ? undefined : tenantOf(request.grant, name);
  return tenant === undefined ? collection : new TenantCollection(collection, tenant);
}

/** OpenAPI security requirement of a route that needs a key (either header works). */
export const KEYED: { [scheme: string]: string[] }[] = [{ bearer: [] }, { apiKey: [] }];
