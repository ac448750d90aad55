/**
 * The types of the filter language (semantics in `filter.ts`) and of the payloads it reads.
 * They sit below every other payload module, so that the parser, the compiler and the
 * payload indexes share them without importing each other. Property names are Qdrant's
 * (snake_case), so that a Qdrant filter is a Quiver filter.
 */

/** A point's metadata: a JSON-like object. */
export type Payload = Record<string, unknown>;

/** A point id as the engine has it: a non-negative safe integer or a string (`1` ≠ `'1'`). */
export type FilterPointId = string | number;

/** A scalar a payload value can be matched against; numbers are finite. */
export type MatchValue = string | number | boolean;

/**
 * Equality with one scalar, with any scalar of a list, inequality with every scalar of a
 * list, or a full-text query: every term (`text`), at least one term (`text_any`), or the
 * terms in sequence (`phrase`).
 */
export type Match =
  | { readonly value: MatchValue }
  | { readonly any: readonly MatchValue[] }
  | { readonly except: readonly MatchValue[] }
  | { readonly text: string }
  | { readonly text_any: string }
  | { readonly phrase: string };

/** The full-text forms of {@link Match}. */
export type TextMatch = Extract<
  Match,
  { readonly text: string } | { readonly text_any: string } | { readonly phrase: string }
>;

/** The exact-value forms of {@link Match}. */
export type ValueMatch = Exclude<Match, TextMatch>;

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

/** A point on the Earth in degrees: `lon` in [-180, 180], `lat` in [-90, 90]. */
export interface GeoPoint {
  readonly lon: number;
  readonly lat: number;
}

/** Points whose great-circle (haversine) distance from `center` is below `radius` metres. */
export interface GeoRadius {
  readonly center: GeoPoint;
  readonly radius: number;
}

/**
 * Points strictly inside the box between `top_left` and `bottom_right`; when `top_left.lon`
 * exceeds `bottom_right.lon`, the box crosses the antimeridian.
 */
export interface GeoBoundingBox {
  readonly top_left: GeoPoint;
  readonly bottom_right: GeoPoint;
}

/** A closed ring: at least 4 points, the last equal to the first. */
export interface GeoLineString {
  readonly points: readonly GeoPoint[];
}

/** Points strictly inside `exterior` and outside every ring of `interiors` (holes), in lon/lat. */
export interface GeoPolygon {
  readonly exterior: GeoLineString;
  readonly interiors?: readonly GeoLineString[];
}

/** Bounds on a number of values: non-negative integers, at least one given. */
export type ValuesCount = Range<number>;

/**
 * A test on the values a dotted `key` resolves to: exactly one of match, range, exists,
 * geo_radius, geo_bounding_box, geo_polygon, values_count, is_empty, is_null (the last two
 * as booleans: Qdrant's field-condition forms, unlike the `{ is_empty: { key } }` conditions).
 */
export type FieldCondition =
  | { readonly key: string; readonly match: Match }
  | { readonly key: string; readonly range: Range | DatetimeRange }
  | { readonly key: string; readonly exists: boolean }
  | { readonly key: string; readonly geo_radius: GeoRadius }
  | { readonly key: string; readonly geo_bounding_box: GeoBoundingBox }
  | { readonly key: string; readonly geo_polygon: GeoPolygon }
  | { readonly key: string; readonly values_count: ValuesCount }
  | { readonly key: string; readonly is_empty: boolean }
  | { readonly key: string; readonly is_null: boolean };

/** The field conditions that test a key's leaves (payload-path.ts), which no index answers. */
export type LeafFieldCondition = Extract<
  FieldCondition,
  { readonly values_count: ValuesCount } | { readonly is_empty: boolean } | { readonly is_null: boolean }
>;

/** The geo forms of {@link FieldCondition}. */
export type GeoCondition = Extract<
  FieldCondition,
  | { readonly geo_radius: GeoRadius }
  | { readonly geo_bounding_box: GeoBoundingBox }
  | { readonly geo_polygon: GeoPolygon }
>;

/** The key is missing, null, `[]`, or resolves only to such values. */
export interface IsEmptyCondition {
  readonly is_empty: { readonly key: string };
}

/** The key resolves to a null value (`[null]` is an array, not null). */
export interface IsNullCondition {
  readonly is_null: { readonly key: string };
}

/** The point's id is one of these. */
export interface HasIdCondition {
  readonly has_id: readonly FilterPointId[];
}

/** Some object of the array at `key` satisfies `filter` on its own (keys relative to it). */
export interface NestedCondition {
  readonly nested: { readonly key: string; readonly filter: Filter };
}

/** At least `min_count` (≥ 1) of `conditions` hold. */
export interface MinShould {
  readonly conditions: readonly Condition[];
  readonly min_count: number;
}

/** A group of conditions; `{}` matches everything. */
export interface Filter {
  readonly must?: readonly Condition[];
  readonly should?: readonly Condition[];
  readonly must_not?: readonly Condition[];
  readonly min_should?: MinShould;
}

/** A field condition (has `key`), one of the keyed special conditions, has_id, or a nested group. */
export type Condition =
  | FieldCondition
  | IsEmptyCondition
  | IsNullCondition
  | HasIdCondition
  | NestedCondition
  | Filter;

/**
 * A compiled filter: true when the point matches. `id` is the point's id, which only
 * `has_id` reads (without it, `has_id` never holds). Pure; safe to call concurrently.
 */
export type FilterPredicate = (payload: Payload | null | undefined, id?: FilterPointId) => boolean;

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
