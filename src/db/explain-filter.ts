/**
 * Which payload index answers each condition of a filter in a segment, and whether a hit
 * satisfies it. A condition is answered by an index when `filter-bitset.ts` calls it
 * answerable: a field condition on an indexed key (except those that test leaves:
 * values_count, is_empty / is_null as booleans), is_empty / is_null on an indexed key, has_id
 * (from the rows' ids), a nested condition with an indexed bound; everything else is read
 * from payloads. Groups are listed condition by condition.
 */
import {
  type Condition,
  compileCondition,
  conditionKind,
  type Filter,
  isLeafCondition,
} from '../payload/filter.js';
import { nestedBounds } from '../payload/filter-estimate.js';
import type { FieldCondition, NestedCondition } from '../payload/filter-types.js';
import { declaredCompileOptions } from '../payload/payload-index.js';
import { normalizePayloadKey } from '../payload/payload-path.js';
import type { SegmentView } from '../segment/segment-view.js';
import type { FilterConditionExplanation, FilterExplanation } from './explain-types.js';

/** The conditions of `filter` as segment `view` answers them, and whether row `offset` satisfies each. */
export function explainFilter(filter: Filter, view: SegmentView, offset: number): FilterExplanation {
  const declarations = view.payloadIndex.declarations;
  const byKey = new Map([...declarations].map(([key, info]) => [normalizePayloadKey(key), info]));
  const options = declaredCompileOptions(declarations);
  const payload = view.payload(offset);
  const id = view.id(offset);
  const conditions: FilterConditionExplanation[] = [];
  const indexOf = (key: string) => {
    const info = byKey.get(normalizePayloadKey(key));
    return info ? `${info.type} index` : undefined;
  };
  const visit = (group: Filter, prefix: string) => {
    const clauses: [string, readonly Condition[] | undefined][] = [
      ['must', group.must],
      ['should', group.should],
      ['must_not', group.must_not],
      ['min_should', group.min_should?.conditions],
    ];
    for (const [clause, list] of clauses) {
      list?.forEach((condition, i) => {
        const path = `${prefix}${clause}[${i}]`;
        const kind = conditionKind(condition);
        if (kind === 'group') {
          visit(condition as Filter, `${path}.`);
          return;
        }
        const holds = compileCondition(condition, options)(payload, id);
        conditions.push({ path, ...describeCondition(condition, indexOf), holds });
      });
    }
  };
  visit(filter, '');
  return { conditions };
}

function describeCondition(
  condition: Condition,
  indexOf: (key: string) => string | undefined,
): { condition: string; key?: string; answeredBy: string } {
  switch (conditionKind(condition)) {
    case 'has_id':
      return { condition: 'has_id', answeredBy: 'point ids' };
    case 'is_empty': {
      const key = (condition as { is_empty: { key: string } }).is_empty.key;
      return { condition: `is_empty on "${key}"`, key, answeredBy: indexOf(key) ?? 'payload scan' };
    }
    case 'is_null': {
      const key = (condition as { is_null: { key: string } }).is_null.key;
      return { condition: `is_null on "${key}"`, key, answeredBy: indexOf(key) ?? 'payload scan' };
    }
    case 'nested': {
      const nested = condition as NestedCondition;
      const key = nested.nested.key;
      const bound = nestedBounds(nested)
        .map((b) => indexOf(b.key))
        .find((index) => index !== undefined);
      return {
        condition: `nested on "${key}"`,
        key,
        answeredBy: bound ? `${bound} (bounds), then payload reads` : 'payload scan',
      };
    }
    default: {
      const field = condition as FieldCondition;
      const test = Object.keys(field).find((k) => k !== 'key') ?? 'field';
      const form = test === 'match' ? `match ${Object.keys((field as { match: object }).match)[0]}` : test;
      const index = isLeafCondition(field) ? undefined : indexOf(field.key);
      return { condition: `${form} on "${field.key}"`, key: field.key, answeredBy: index ?? 'payload scan' };
    }
  }
}
