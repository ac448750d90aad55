/**
 * Sorted-value indexes (sorted-values.ts): integer and float (stores numbers: integers only,
 * or any number but NaN) and datetime (stores strings that parse as date-times, as epoch
 * milliseconds). A range costs two binary searches plus the matching rows.
 *
 * - Number indexes answer number `match` (as the range [v, v]; a string or boolean scalar
 *   never equals a stored number), `except` (the open intervals between the listed numbers)
 *   and number ranges; a datetime range never holds for a number.
 * - The datetime index answers datetime ranges; a number range never holds for a string. A
 *   string `match` compares the text, which the instant does not determine (`…T00:00Z` and
 *   `…T01:00+01:00` are one instant), so it needs the payload (and so does `except`).
 * - A text query needs the payload on either; a geo shape never holds for a stored value.
 */
import { parseDatetime } from './datetime.js';
import {
  FieldIndex,
  type Lookup,
  matchedValues,
  NO_ROWS,
  unionLookup,
  type ValueCondition,
} from './field-index.js';
import { type Interval, isDatetimeRange, isTextMatch, rangeInterval } from './filter.js';
import type { PayloadPath } from './payload-path.js';
import { SortedValues } from './sorted-values.js';

class SortedIndex extends FieldIndex {
  private readonly values = new SortedValues();

  constructor(
    path: PayloadPath,
    /** The sort key of a value this index stores, undefined for a value it does not store. */
    private readonly sortKey: (value: unknown) => number | undefined,
    private readonly datetime: boolean,
  ) {
    super(path);
  }

  override lookup(condition: ValueCondition): Lookup | undefined {
    if ('range' in condition) {
      if (isDatetimeRange(condition.range) !== this.datetime) return NO_ROWS;
      return this.intervals([rangeInterval(condition.range)]);
    }
    if (!('match' in condition)) return NO_ROWS;
    const match = condition.match;
    if (isTextMatch(match)) return undefined;
    const scalars = matchedValues(match);
    if (this.datetime) {
      return 'except' in match || scalars.some((scalar) => typeof scalar === 'string') ? undefined : NO_ROWS;
    }
    const numbers = scalars.filter((scalar) => typeof scalar === 'number');
    if ('except' in match) return this.intervals(gaps(numbers));
    return this.intervals(
      numbers.map((number) => ({ low: number, lowInclusive: true, high: number, highInclusive: true })),
    );
  }

  override compact(rows: number): void {
    super.compact(rows);
    this.values.compact();
  }

  protected override store(row: number, value: unknown): boolean {
    const key = this.sortKey(value);
    if (key === undefined) return false;
    this.values.add(key, row);
    return true;
  }

  private intervals(intervals: readonly Interval[]): Lookup {
    const values = this.values;
    return unionLookup(
      intervals,
      (interval) => values.count(interval),
      (interval, target) => values.setIn(interval, target),
    );
  }
}

/** An index of the integer values of a key (1.5 is not stored: it is read from the payload). */
export function integerIndex(path: PayloadPath): FieldIndex {
  return new SortedIndex(path, (value) => (Number.isInteger(value) ? (value as number) : undefined), false);
}

/** An index of the number values of a key (NaN, which no condition selects, is not stored). */
export function floatIndex(path: PayloadPath): FieldIndex {
  return new SortedIndex(
    path,
    (value) => (typeof value === 'number' && !Number.isNaN(value) ? value : undefined),
    false,
  );
}

/** An index of the date-time strings of a key, by instant. */
export function datetimeIndex(path: PayloadPath): FieldIndex {
  return new SortedIndex(
    path,
    (value) => (typeof value === 'string' ? parseDatetime(value) : undefined),
    true,
  );
}

/** The numbers other than `numbers`: the open intervals between them (all numbers when none). */
function gaps(numbers: readonly number[]): Interval[] {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const intervals: Interval[] = [];
  let low = Number.NEGATIVE_INFINITY;
  let lowInclusive = true;
  for (const number of sorted) {
    intervals.push({ low, lowInclusive, high: number, highInclusive: false });
    low = number;
    lowInclusive = false;
  }
  intervals.push({ low, lowInclusive, high: Number.POSITIVE_INFINITY, highInclusive: true });
  return intervals;
}
