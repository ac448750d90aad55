/**
 * Exact-value indexes: keyword (stores strings) and bool (stores `true` and `false`), both
 * posting lists by value (value-postings.ts). They answer `match` (value or any) from the
 * lists; a number range never holds for a stored value; a datetime range on a keyword index
 * and a text query need the payload (undefined lookup, see field-index.ts). A keyword index
 * also lists its values and their rows (`KeywordPostings`), from which sealed segments copy
 * the vectors of partitioned values (segment/value-partitions.ts).
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
  protected readonly postings = new ValuePostings<Value>();

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

/** The string values of a keyword index and the rows holding each (what value partitions copy). */
export interface KeywordPostings {
  /** Each value with the number of rows holding it. */
  valueCounts(): IterableIterator<[string, number]>;
  /** The rows holding `value`, ascending (a new array). */
  rowsOf(value: string): Uint32Array;
}

/** An index of the string values of a key. */
export class KeywordIndex extends ExactValueIndex<string> implements KeywordPostings {
  constructor(path: PayloadPath) {
    super(path, (value): value is string => typeof value === 'string', true);
  }

  valueCounts(): IterableIterator<[string, number]> {
    return this.postings.valueCounts();
  }

  rowsOf(value: string): Uint32Array {
    return this.postings.rowsOf(value);
  }
}

/** An index of the boolean values of a key. */
export function boolIndex(path: PayloadPath): FieldIndex {
  return new ExactValueIndex(path, (value): value is boolean => typeof value === 'boolean', false);
}
