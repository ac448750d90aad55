/**
 * Grouped search: the best `groups` groups of hits by the value of a payload key, each of
 * up to `size` hits, best first. A hit whose key resolves to several scalar values (an
 * array) joins each of their groups; a hit without a string, number or boolean value at the
 * key joins none.
 */

import type { MatchValue, Payload } from '../payload/filter.js';
import { compilePayloadPath, somePayloadValue } from '../payload/payload-path.js';

export interface Grouped<T> {
  group: MatchValue;
  hits: T[];
}

/**
 * Groups `ranked` (best first) by the values at `key`. `complete` is true when `groups`
 * groups each hold `size` hits, so that more hits could not change the answer.
 */
export function groupHits<T>(
  ranked: readonly T[],
  payloadOf: (hit: T) => Payload | undefined,
  key: string,
  groups: number,
  size: number,
): { groups: Grouped<T>[]; complete: boolean } {
  const path = compilePayloadPath(key);
  const byValue = new Map<MatchValue, Grouped<T>>();
  const order: Grouped<T>[] = [];
  for (const hit of ranked) {
    const seen = new Set<MatchValue>();
    somePayloadValue(payloadOf(hit), path, (value) => {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return false;
      if (seen.has(value)) return false;
      seen.add(value);
      let group = byValue.get(value);
      if (!group) {
        if (order.length >= groups) return false;
        group = { group: value, hits: [] };
        byValue.set(value, group);
        order.push(group);
      }
      if (group.hits.length < size) group.hits.push(hit);
      return false;
    });
  }
  const complete = order.length === groups && order.every((g) => g.hits.length === size);
  return { groups: order, complete };
}
