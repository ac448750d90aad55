/**
 * Exact-value indexes: keyword (stores strings), uuid (stores UUID strings, by canonical
 * form, uuid.ts) and bool (stores `true` and `false`), all posting lists by value
 * (value-postings.ts). They answer `match` value / any / except from the lists (except: the
 * rows of every stored value not in the list); a number range and a geo shape never hold for
 * a stored value; a datetime range on strings and a text query need the payload (undefined
 * lookup, see field-index.ts). A keyword index also lists its values and their rows
 * (`KeywordPostings`), from which sealed segments copy the vectors of partitioned values
 * (segment/value-partitions.ts).
 */

import {
  FieldIndex,
  type Lookup,
  matchedValues,
  NO_ROWS,
  unionLookup,
  type ValueCondition,
} from './field-index.js';
import { isDatetimeRange, isTextMatch } from './filter.js';
import type { MatchValue } from './filter-types.js';
import type { PayloadPath } from './payload-path.js';
import { canonicalUuid, uuidComparable } from './uuid.js';
import { ValuePostings } from './value-postings.js';

class ExactValueIndex<Value extends string | boolean> extends FieldIndex {
  protected readonly postings = new ValuePostings<Value>();

  constructor(
    path: PayloadPath,
    /** The stored form of a value, or undefined for a value this index does not store. */
    private readonly storedForm: (value: unknown) => Value | undefined,
    /** True when stored values are strings, which a datetime range may select. */
    private readonly storesStrings: boolean,
    /** How a matched scalar compares with stored forms (canonical UUIDs for a uuid index). */
    private readonly comparable: (scalar: MatchValue) => unknown = (scalar) => scalar,
  ) {
    super(path);
  }

  override lookup(condition: ValueCondition): Lookup | undefined {
    if ('range' in condition)
      return this.storesStrings && isDatetimeRange(condition.range) ? undefined : NO_ROWS;
    if (!('match' in condition)) return NO_ROWS;
    const match = condition.match;
    if (isTextMatch(match)) return undefined;
    const postings = this.postings;
    const listed = new Set(matchedValues(match).map(this.comparable));
    const values: Value[] = [];
    if ('except' in match) {
      for (const [value] of postings.valueCounts()) if (!listed.has(value)) values.push(value);
    } else {
      for (const scalar of listed) {
        const stored = this.storedForm(scalar);
        if (stored !== undefined && stored === scalar) values.push(stored);
      }
    }
    return unionLookup(
      values,
      (value) => postings.count(value),
      (value, target) => postings.setIn(value, target),
      (value) => postings.rowsIfSettled(value),
    );
  }

  override compact(rows: number): void {
    super.compact(rows);
    this.postings.compact();
  }

  protected override store(row: number, value: unknown): boolean {
    const stored = this.storedForm(value);
    if (stored === undefined) return false;
    this.postings.add(stored, row);
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
    super(path, (value) => (typeof value === 'string' ? value : undefined), true);
  }

  valueCounts(): IterableIterator<[string, number]> {
    return this.postings.valueCounts();
  }

  rowsOf(value: string): Uint32Array {
    return this.postings.rowsOf(value);
  }
}

/**
 * An index of the UUID strings of a key, stored in canonical form; other strings are foreign
 * (read from the payload, where they compare as they are).
 */
export function uuidIndex(path: PayloadPath): FieldIndex {
  return new ExactValueIndex<string>(
    path,
    (value) => (typeof value === 'string' ? canonicalUuid(value) : undefined),
    true,
    uuidComparable as (scalar: MatchValue) => unknown,
  );
}

/** An index of the boolean values of a key. */
export function boolIndex(path: PayloadPath): FieldIndex {
  return new ExactValueIndex<boolean>(
    path,
    (value) => (typeof value === 'boolean' ? value : undefined),
    false,
  );
}
