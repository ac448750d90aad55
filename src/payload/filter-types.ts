/**
 * The types of the filter language (semantics in `filter.ts`) and of the payloads it reads.
 * They sit below every other payload module, so that the parser, the compiler and the
 * payload indexes share them without importing each other.
 */

/** A point's metadata: a JSON-like object. */
export type Payload = Record<string, unknown>;

/** A scalar a payload value can be matched against; numbers are finite. */
export type MatchValue = string | number | boolean;

/** Equality with one scalar or with any scalar of a non-empty list, or a full-text query. */
export type Match =
  | { readonly value: MatchValue }
  | { readonly any: readonly MatchValue[] }
  | { readonly text: string };

/**
 * Bounds on a value; at least one is present. Number bounds (the default) are finite and
 * apply to numbers; string bounds are RFC 3339 date-times and apply to date-time strings.
 */
export interface Range<Bound extends number | string = number> {
  readonly gt?: Bound;
  readonly gte?: Bound;
  readonly lt?: Bound;
  readonly lte?: Bound;
}

/** A range over date-time strings, e.g. `{ gte: '2024-01-01T00:00:00Z' }`. */
export type DatetimeRange = Range<string>;

/** A test on the values a dotted `key` resolves to; exactly one of match, range, exists. */
export type FieldCondition =
  | { readonly key: string; readonly match: Match }
  | { readonly key: string; readonly range: Range | DatetimeRange }
  | { readonly key: string; readonly exists: boolean };

/** A group of conditions; `{}` matches everything. */
export interface Filter {
  readonly must?: readonly Condition[];
  readonly should?: readonly Condition[];
  readonly must_not?: readonly Condition[];
}

/** A field condition (has `key`) or a nested group. */
export type Condition = FieldCondition | Filter;

/** A compiled filter: true when the payload matches. Pure; safe to call concurrently. */
export type FilterPredicate = (payload: Payload | null | undefined) => boolean;

/** A row's payload as segments store it. */
export type RowPayload = Payload | null;

/**
 * One side of a normalized range: values `v` with `low < v` (or `low <= v` when
 * `lowInclusive`) and `v < high` (or `<=`). A missing bound is an inclusive infinity.
 */
export interface Interval {
  readonly low: number;
  readonly lowInclusive: boolean;
  readonly high: number;
  readonly highInclusive: boolean;
}
