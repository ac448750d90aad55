/**
 * Deleting points by id or by filter: the WAL row, its thumbnail deletions and (for a purge)
 * the purge intent commit in one transaction, then the delete is applied to memory.
 */

import { InvalidArgumentError } from '../errors.js';
import { parseFilter } from '../payload/filter.js';
import { encodeDelete, WalKind } from '../storage/wal-record.js';
import type { CollectionStorage } from './collection-storage.js';
import type { CommitQueue } from './commit-queue.js';
import type { PointThumbnails } from './point-thumbnails.js';
import { matchingRows } from './search.js';
import type { DeleteByFilter, PointId } from './types.js';
import { checkIds, describe } from './validate.js';

export interface DeleteContext {
  readonly queue: CommitQueue;
  readonly storage: CollectionStorage;
  readonly thumbnails: PointThumbnails;
  /** Throws when the collection or the database is gone. */
  check(): void;
}

/**
 * Logs and applies a delete; resolves with how many of the points existed. With `purge`, the
 * purge intent (`CatalogPurge.mark`) commits in the delete's transaction (db/purge.ts).
 */
export async function deletePoints(
  ctx: DeleteContext,
  selector: PointId[] | DeleteByFilter,
  purge: boolean,
): Promise<number> {
  const { queue, storage } = ctx;
  const alongside = (ids: PointId[]) => {
    const thumbnails = ctx.thumbnails.deleteChange(ids);
    if (!purge) return thumbnails;
    return () => {
      thumbnails?.();
      storage.catalog.purges.mark(storage.collectionId);
    };
  };
  if (Array.isArray(selector)) {
    const ids = checkIds(selector);
    if (ids.length === 0) return 0;
    return queue.write({
      collectionId: storage.collectionId,
      kind: WalKind.DELETE,
      body: encodeDelete({ ids }),
      alongside: alongside(ids),
      check: () => ctx.check(),
      apply: (seq) => storage.applyDelete(seq, ids),
    });
  }
  if (typeof selector !== 'object' || selector === null || !('filter' in selector)) {
    throw new InvalidArgumentError(
      `delete: expected an array of ids or { filter }, got ${describe(selector)}`,
    );
  }
  // Resolved, logged and applied in one queue task, so no write lands between the
  // filter's evaluation and the delete (as payload updates by filter).
  const filter = parseFilter(selector.filter);
  return queue.exclusive(() => {
    ctx.check();
    const found = matchingRows(storage.set.views(), filter).map(({ view, offset }) => view.id(offset));
    if (found.length === 0) return 0;
    const seq = storage.appendWal(WalKind.DELETE, encodeDelete({ ids: found }), alongside(found));
    return storage.applyDelete(seq, found);
  });
}
