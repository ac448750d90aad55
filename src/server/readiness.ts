/**
 * `?wait=false` on the point read routes (search, query, recommend, scroll, count, get,
 * range): while the collection's segments are still loading after open, answer at once with
 * 503 `NOT_READY` (and `Retry-After: 1`) instead of waiting for them, the embedded
 * `{ wait: false }` read option. Without it, or once loaded, reads wait and answer exactly.
 * Writes keep Qdrant's meaning of `wait` (they always wait for loading, then for durability).
 */
import type { FastifyRequest } from 'fastify';
import type { Database } from '../db/types.js';
import { NotReadyError } from '../errors.js';

/** What the embedded engine's collections expose of their loading (a remote one has none). */
interface Loading {
  loader?: { progress: { state: string; segmentsLoaded: number; segmentsTotal: number } };
}

/**
 * The `NotReadyError` to answer when `request` is a point read that asked not to wait and its
 * collection is still loading; undefined otherwise (also for a collection that does not
 * exist: the route reports that).
 */
export function notReadyFor(
  db: Database,
  request: FastifyRequest,
  access: string,
): NotReadyError | undefined {
  if (access !== 'read' || (request.query as { wait?: unknown } | undefined)?.wait !== 'false') return;
  const name = (request.params as { name?: unknown } | undefined)?.name;
  if (typeof name !== 'string' || !request.routeOptions.url?.startsWith('/collections/:name/points')) return;
  let collection: Loading;
  try {
    collection = db.collection(name) as unknown as Loading;
  } catch {
    return;
  }
  const progress = collection.loader?.progress;
  if (progress?.state !== 'loading') return;
  return new NotReadyError(name, progress.segmentsLoaded, progress.segmentsTotal);
}
