/**
 * What a request's credential may do (its grant), and whether that allows a route.
 *
 * A grant is global (`r`: read everything; `m`: manage everything: what an admin key, or no
 * key at all, gives) or a list of collections, each read-only (`r`) or read-write (`rw`),
 * each optionally held to a tenant filter: the shape of Qdrant's JWT `access` claim.
 *
 * Routes declare the access they need (`Access`):
 * - `public`: anyone; `list`: any valid credential (the list of collections, which the
 *   handler cuts to the collections the grant names);
 * - `read`, `write`: of the collection in the path (`:name`); a route without one (metrics)
 *   needs a global grant;
 * - `manage`: create, change or drop collections, recover snapshots: a global `m`.
 *
 * Invariants: a collection grant never allows `manage`, nor anything on a collection it does
 * not name; a grant with a tenant filter for a collection never allows `write` there (as
 * Qdrant's payload claims: a tenant cannot write points outside its filter, nor move its own
 * points out of it); reads under a tenant filter go through `TenantCollection`.
 */
import type { Filter } from '../payload/filter.js';
import { ForbiddenError } from './auth-errors.js';

/** What a route needs (see the module comment). */
export type Access = 'public' | 'list' | 'read' | 'write' | 'manage';

/** One collection of a collection grant. */
export interface CollectionGrant {
  /** `rw`: may write points and payloads, payload indexes, flush, compact and snapshot. */
  write: boolean;
  /** Every read is intersected with this filter; set only for read-only grants. */
  tenant?: Filter;
}

export type Grant =
  | { kind: 'global'; manage: boolean }
  | { kind: 'collections'; collections: ReadonlyMap<string, CollectionGrant> };

/** Everything: an admin key, a token with a global `m`, or a server without any key. */
export const MANAGE_ALL: Grant = { kind: 'global', manage: true };
/** Reading everything: a read-only key or a token with a global `r`. */
export const READ_ALL: Grant = { kind: 'global', manage: false };

/**
 * Throws `ForbiddenError` unless `grant` allows `access` to `collection` (the path's
 * `:name`, if the route has one). `readOnlyMessage` is what a global read-only grant hears.
 */
export function checkAccess(
  grant: Grant,
  access: Access,
  collection: string | undefined,
  readOnlyMessage: string,
): void {
  if (access === 'public' || access === 'list') return;
  if (grant.kind === 'global') {
    if ((access === 'write' || access === 'manage') && !grant.manage)
      throw new ForbiddenError(readOnlyMessage);
    return;
  }
  if (access === 'manage') {
    throw new ForbiddenError('this operation needs global manage access (a token with access "m")');
  }
  if (collection === undefined) {
    throw new ForbiddenError('this operation needs global access (a token with access "r" or "m")');
  }
  const entry = grant.collections.get(collection);
  if (entry === undefined)
    throw new ForbiddenError(`the token gives no access to collection '${collection}'`);
  if (access === 'write') {
    if (entry.tenant !== undefined) {
      throw new ForbiddenError(
        `the token restricts collection '${collection}' with a payload claim: it may only read`,
      );
    }
    if (!entry.write)
      throw new ForbiddenError(`the token gives read-only access to collection '${collection}'`);
  }
}

/** Whether the list of collections shows `name` to `grant`. */
export function canSee(grant: Grant, name: string): boolean {
  return grant.kind === 'global' || grant.collections.has(name);
}

/** The tenant filter `grant` holds reads of `collection` to, if any. */
export function tenantOf(grant: Grant, collection: string): Filter | undefined {
  return grant.kind === 'global' ? undefined : grant.collections.get(collection)?.tenant;
}
