/**
 * The index of one payload key in one segment, the contract every kind (keyword, integer,
 * float, bool, datetime, text, geo, uuid) implements, and how the evaluator stays exact with it.
 *
 * Each kind STORES some of the values a key resolves to (a keyword index the strings, an
 * integer index the integers, …). Besides, every index records these row sets:
 * - `present`: rows where the key resolves to at least one non-null value of any type, which
 *   answers `exists` exactly (`exists: false` is its complement);
 * - `foreign`: rows holding at least one non-null value the index does not store (a number
 *   under a keyword index, 1.5 under an integer index, an unparsable date-time);
 * - `nulls`: rows where some leaf (payload-path.ts's `someLeafValue`) is null, which answers
 *   `is_null` exactly;
 * - `hollow`: rows not `present` where some leaf is a non-empty array (of nulls or empty
 *   arrays, such as `[null]`), so that `is_empty` is exactly: not present and not hollow (a
 *   present row has a leaf that is neither null nor `[]`).
 *
 * `lookup(condition)` finds the rows whose STORED values satisfy the condition, exactly, or
 * returns undefined when the index cannot decide that for its stored values (a string
 * `match` on a datetime index, a text query on a keyword index). Then the rows satisfying the
 * condition are exactly: lookup ∪ {foreign rows whose payload satisfies it} — a row outside
 * `foreign` holds only stored values and nulls, and null satisfies no match, range or text
 * query. Without a lookup they are {present rows whose payload satisfies it}. Either way the
 * answer equals `compileFilter`'s, and payloads are read only for foreign (usually no) rows.
 */
import type { Bitset } from '../index/bitset.js';
import type { FieldCondition, MatchValue } from './filter.js';
import type { LeafFieldCondition, RowPayload } from './filter-types.js';
import { type PayloadPath, someLeafValue, somePayloadValue } from './payload-path.js';
import { RowBits, RowList } from './row-sets.js';

/** A field condition that indexes look up: a match, a range or a geo shape. */
export type ValueCondition = Exclude<FieldCondition, { readonly exists: boolean } | LeafFieldCondition>;

/** The rows a condition selects from an index's stored values. */
export interface Lookup {
  /** An upper bound of the rows `setIn` sets, cheap (no bitset work). */
  count(): number;
  /** Sets the selected rows below `target.size` in `target`. */
  setIn(target: Bitset): void;
  /** True when the rows set are a superset, each to be checked against its payload. */
  readonly verify?: boolean;
  /**
   * The rows `setIn` sets (below any size), ascending, as a new array; undefined when the
   * index cannot list them without a bitset. Absent: never listed.
   */
  rows?(): Uint32Array | undefined;
}

/** The lookup of a condition that no stored value can satisfy. */
export const NO_ROWS: Lookup = { count: () => 0, setIn: () => {} };

export abstract class FieldIndex {
  /** Rows with at least one non-null value for the key. */
  readonly present = new RowBits();
  /** Rows with at least one non-null value this index does not store, ascending. */
  readonly foreign = new RowList();
  /** Rows where some leaf is null, ascending. */
  readonly nulls = new RowList();
  /** Rows not present where some leaf is a non-empty array, ascending. */
  readonly hollow = new RowList();

  constructor(readonly path: PayloadPath) {}

  /** Indexes row `row`; rows arrive in ascending order, each once. */
  add(row: number, payload: RowPayload): void {
    let present = false;
    let foreign = false;
    somePayloadValue(payload, this.path, (value) => {
      if (value === null) return false;
      present = true;
      if (!this.store(row, value)) foreign = true;
      return false;
    });
    if (present) this.present.set(row);
    if (foreign) this.foreign.push(row);
    let hasNull = false;
    let hollow = false;
    someLeafValue(payload, this.path, (leaf) => {
      if (leaf === null) hasNull = true;
      else if (!present && Array.isArray(leaf) && leaf.length > 0) hollow = true;
      return hasNull && (present || hollow);
    });
    if (hasNull) this.nulls.push(row);
    if (hollow) this.hollow.push(row);
  }

  /** Sorts and trims after a bulk build of `rows` rows; queries work without it, only slower. */
  compact(rows: number): void {
    this.present.trim(rows);
    this.foreign.trim();
    this.nulls.trim();
    this.hollow.trim();
  }

  /**
   * The rows whose stored values satisfy `condition`, or undefined when this index cannot
   * tell (see the module comment).
   */
  abstract lookup(condition: ValueCondition): Lookup | undefined;

  /** Stores non-null `value` of row `row` if this index holds values of its type; false if not. */
  protected abstract store(row: number, value: unknown): boolean;
}

/** The distinct scalars a value, any or except match lists. */
export function matchedValues(
  match:
    | { readonly value: MatchValue }
    | { readonly any: readonly MatchValue[] }
    | { readonly except: readonly MatchValue[] },
): MatchValue[] {
  return 'value' in match ? [match.value] : [...new Set('any' in match ? match.any : match.except)];
}

/** A lookup that unions the lookups of several keys (the scalars of a `match.any`). */
export function unionLookup<Key>(
  keys: readonly Key[],
  count: (key: Key) => number,
  setIn: (key: Key, target: Bitset) => void,
  rowsOf?: (key: Key) => Uint32Array | undefined,
): Lookup {
  if (keys.length === 0) return NO_ROWS;
  const lookup: Lookup = {
    count: () => keys.reduce((total, key) => total + count(key), 0),
    setIn: (target) => {
      for (const key of keys) setIn(key, target);
    },
  };
  if (rowsOf !== undefined) lookup.rows = () => unionOfRows(keys.map(rowsOf));
  return lookup;
}

/** The ascending union of ascending row lists; undefined when one of them is. */
function unionOfRows(lists: readonly (Uint32Array | undefined)[]): Uint32Array | undefined {
  if (lists.some((list) => list === undefined)) return undefined;
  const rows = lists as readonly Uint32Array[];
  if (rows.length === 1) return rows[0];
  const all = new Uint32Array(rows.reduce((total, list) => total + list.length, 0));
  let at = 0;
  for (const list of rows) {
    all.set(list, at);
    at += list.length;
  }
  all.sort();
  let size = 0;
  for (let i = 0; i < all.length; i++) if (size === 0 || all[i] !== all[size - 1]) all[size++] = all[i];
  return all.subarray(0, size);
}
