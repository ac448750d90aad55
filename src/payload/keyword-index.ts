/**
 * Exact-value indexes: keyword (stores strings) and bool (stores `true` and `false`), both
 * posting lists by value (value-postings.ts). They answer `match` (value or any) from the
 * lists; a number range never holds for a stored value; a datetime range on a keyword index
 * and a text query need the payload (undefined lookup, see field-index.ts).
 */

import {
  FieldIndex,
  type Lookup,
  matchedValues,
  NO_ROWS,
  unionLookup,
  type ValueCondition,
} from './field-index.js';
import { isDatetimeRange } from './filter.js';
import type { PayloadPath } from './payload-path.js';
import { ValuePostings } from './value-postings.js';

class ExactValueIndex<Value extends string | boolean> extends FieldIndex {
  private readonly postings = new ValuePostings<Value>();

  constructor(
    path: PayloadPath,
    private readonly stores: (value: unknown) => value is Value,
    /** True when stored values are strings, which a datetime range may select. */
    private readonly storesStrings: boolean,
  ) {
    super(path);
  }

  override lookup(condition: ValueCondition): Lookup | undefined {
    if ('range' in condition)
      return this.storesStrings && isDatetimeRange(condition.range) ? undefined : NO_ROWS;
    if ('text' in condition.match) return undefined;
    const postings = this.postings;
    return unionLookup(
      matchedValues(condition.match).filter(this.stores),
      (value) => postings.count(value),
      (value, target) => postings.setIn(value, target),
    );
  }

  override compact(rows: number): void {
    super.compact(rows);
    this.postings.compact();
  }

  protected override store(row: number, value: unknown): boolean {
    if (!this.stores(value)) return false;
    this.postings.add(value, row);
    return true;
  }
}

/** An index of the string values of a key. */
export function keywordIndex(path: PayloadPath): FieldIndex {
  return new ExactValueIndex(path, (value): value is string => typeof value === 'string', true);
}

/** An index of the boolean values of a key. */
export function boolIndex(path: PayloadPath): FieldIndex {
  return new ExactValueIndex(path, (value): value is boolean => typeof value === 'boolean', false);
}
