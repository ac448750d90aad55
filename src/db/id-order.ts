/**
 * The order in which `scroll` pages through points: integer ids ascending, then string ids
 * in UTF-16 code-unit order (what `<` does on strings). Total and stable, so a cursor (the
 * last id of a page) always continues exactly after itself.
 */
import type { PointId } from './types.js';

export function compareIds(a: PointId, b: PointId): number {
  if (typeof a === 'number') {
    if (typeof b === 'number') return a - b;
    return -1;
  }
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Index of the first element of sorted `ids` that is greater than `cursor`. */
export function positionAfter(ids: readonly PointId[], cursor: PointId): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareIds(ids[mid], cursor) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
