/**
 * The planner's bound on a filter's rows in one segment (`estimateRows`), from payload index
 * cardinalities alone, and the index conditions that bound a nested condition's rows
 * (`nestedBounds`), which the evaluator (filter-bitset.ts) also uses to narrow what it reads.
 */

import { conditionKind, valuesCountTest } from './filter.js';
import type { Condition, FieldCondition, Filter, FilterPointId, NestedCondition } from './filter-types.js';
import type { IndexedFields, RowIds } from './indexed-fields.js';

/**
 * A cheap upper bound of the rows among 0..rows-1 where `filter` holds, from index
 * cardinalities: `must` takes the smallest bound, `should` the sum, `min_should` the sum over
 * its conditions divided by `min_count`, `must_not` does not lower it, has_id counts the
 * listed ids' rows when `ids` looks them up directly, nested takes the bound of its
 * `nestedBounds`, and a condition that nothing bounds (unindexed key, has_id without a
 * lookup) allows every row.
 */
export function estimateRows(indexed: IndexedFields, filter: Filter, rows: number, ids?: RowIds): number {
  const estimate = (condition: Condition): number => {
    switch (conditionKind(condition)) {
      case 'field':
        return estimateField(indexed, condition as FieldCondition, rows);
      case 'group':
        return group(condition as Filter);
      case 'is_empty': {
        const index = indexed.fields.get((condition as { is_empty: { key: string } }).is_empty.key);
        return index === undefined ? rows : rows - index.present.countBelow(rows);
      }
      case 'is_null': {
        const index = indexed.fields.get((condition as { is_null: { key: string } }).is_null.key);
        return index === undefined ? rows : index.nulls.countBelow(rows);
      }
      case 'has_id': {
        const rowsOf = ids?.rowsOf;
        if (rowsOf === undefined) return rows;
        const listed = new Set((condition as { has_id: readonly FilterPointId[] }).has_id);
        let count = 0;
        for (const id of listed) count += rowsOf.call(ids, id).length;
        return Math.min(rows, count);
      }
      case 'nested': {
        const bounds = nestedBounds(condition as NestedCondition);
        return bounds.reduce((bound, field) => Math.min(bound, estimateField(indexed, field, rows)), rows);
      }
      default:
        return rows;
    }
  };
  const group = (filter: Filter): number => {
    let bound = rows;
    for (const condition of filter.must ?? []) bound = Math.min(bound, estimate(condition));
    const should = filter.should ?? [];
    if (should.length > 0) {
      bound = Math.min(
        bound,
        should.reduce((sum, condition) => sum + estimate(condition), 0),
      );
    }
    const minShould = filter.min_should;
    if (minShould !== undefined) {
      const sum = minShould.conditions.reduce((total, condition) => total + estimate(condition), 0);
      bound = Math.min(bound, Math.floor(sum / minShould.min_count));
    }
    return bound;
  };
  return group(filter);
}

function estimateField(indexed: IndexedFields, condition: FieldCondition, rows: number): number {
  const index = indexed.fields.get(condition.key);
  if (index === undefined) return rows;
  if ('exists' in condition) {
    const present = index.present.countBelow(rows);
    return condition.exists ? present : rows - present;
  }
  if ('is_empty' in condition || 'is_null' in condition) return rows;
  if ('values_count' in condition) {
    // A leaf counting 1 or more is a non-null value (present) or a non-empty array (hollow).
    if (valuesCountTest(condition.values_count)(0)) return rows;
    return Math.min(rows, index.present.countBelow(rows) + index.hollow.countBelow(rows));
  }
  const lookup = index.lookup(condition);
  return Math.min(
    rows,
    lookup === undefined ? index.present.count : lookup.count() + index.foreign.countBelow(rows),
  );
}

/**
 * Field conditions on the whole payload that hold wherever `nested` holds: its filter's
 * `must` field conditions whose meaning is "some value satisfies it" (match value / any /
 * except, range, geo shapes, `exists: true`), with the nested key prefixed. An element's
 * values are among the payload's values of the prefixed key, so an element satisfying one
 * makes the payload satisfy it. (Text, `exists: false` and values_count look at a key's
 * values together, so they do not carry over.)
 * @example
 * nestedBounds({ nested: { key: 'diet', filter: { must: [{ key: 'food', match: { value: 'meat' } }] } } });
 * // [{ key: 'diet.food', match: { value: 'meat' } }]
 */
export function nestedBounds({ nested }: NestedCondition): FieldCondition[] {
  const bounds: FieldCondition[] = [];
  for (const condition of nested.filter.must ?? []) {
    if (conditionKind(condition) !== 'field') continue;
    const field = condition as FieldCondition;
    const carries =
      ('match' in field && ('value' in field.match || 'any' in field.match || 'except' in field.match)) ||
      'range' in field ||
      'geo_radius' in field ||
      'geo_bounding_box' in field ||
      'geo_polygon' in field ||
      ('exists' in field && field.exists);
    if (carries) bounds.push({ ...field, key: `${nested.key}.${field.key}` } as FieldCondition);
  }
  return bounds;
}
