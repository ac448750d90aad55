/**
 * A selective filter's rows as an ascending list, without a bitset over the segment: when a
 * top-level `must` match on an indexed key can list its rows (a keyword index's postings,
 * `Lookup.rows`) and they are few, those rows and the key's foreign rows (values the index
 * does not store, read from their payloads) are the only candidates, and each is checked
 * against the whole filter by `compileFilter` unless that match is the filter's only
 * condition. The result equals the set rows of `filterRows` (filter-bitset.ts) over the same
 * rows; what a 125 KB bitset per query cost a 1M-row segment is a list of the rows found.
 */
import type { FieldIndex, Lookup, ValueCondition } from './field-index.js';
import {
  compileCondition,
  compileFilter,
  conditionKind,
  type FieldCondition,
  type Filter,
} from './filter.js';
import { usesIds } from './filter-bitset.js';
import type { RowPayload } from './filter-types.js';
import type { IndexedFields, RowIds } from './indexed-fields.js';

/**
 * Rows 0..rows-1 where `filter` holds, ascending, when the listing described in the module
 * comment applies with at most `max` candidates; undefined otherwise (the caller evaluates
 * the filter into a bitset instead).
 */
export function listFilterRows(
  indexed: IndexedFields,
  filter: Filter,
  rows: number,
  payloadAt: (offset: number) => RowPayload,
  max: number,
  ids?: RowIds,
): Uint32Array | undefined {
  if (ids === undefined && usesIds(filter)) return undefined;
  let best: { condition: FieldCondition; index: FieldIndex; lookup: Lookup; count: number } | undefined;
  for (const condition of filter.must ?? []) {
    if (conditionKind(condition) !== 'field' || !('match' in condition)) continue;
    const field = condition as FieldCondition;
    const index = indexed.fields.get(field.key);
    const lookup = index?.lookup(field as ValueCondition);
    if (index === undefined || lookup?.rows === undefined || lookup.verify === true) continue;
    const count = lookup.count() + index.foreign.length;
    if (count <= max && (best === undefined || count < best.count))
      best = { condition: field, index, lookup, count };
  }
  if (best === undefined) return undefined;
  const listed = best.lookup.rows?.();
  if (listed === undefined) return undefined;
  const sole =
    filter.must?.length === 1 && !filter.should?.length && !filter.must_not?.length && !filter.min_should;
  const holds = sole
    ? compileCondition(best.condition, indexed.options)
    : compileFilter(filter, indexed.options);
  const foreign = best.index.foreign.rows();
  const out = new Uint32Array(listed.length + foreign.length);
  let size = 0;
  let f = 0;
  /** Keeps `row` when it holds (a listed row of a sole condition holds by the index). */
  const consider = (row: number, known: boolean) => {
    if (known || holds(payloadAt(row), ids?.idAt(row))) out[size++] = row;
  };
  for (let i = 0; i < listed.length && listed[i] < rows; i++) {
    const row = listed[i];
    for (; f < foreign.length && foreign[f] < row; f++) consider(foreign[f], false);
    if (f < foreign.length && foreign[f] === row) f++;
    consider(row, sole);
  }
  for (; f < foreign.length && foreign[f] < rows; f++) consider(foreign[f], false);
  return out.subarray(0, size);
}
