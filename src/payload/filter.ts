/**
 * The filter language, v3: Qdrant's JSON filter over point payloads (and ids).
 *
 * ```ts
 * { must: [{ key: 'label', match: { value: 'cat' } }, { key: 'body', match: { text: 'tax cuts' } }],
 *   should: [{ key: 'tags', match: { any: ['a', 'b'] } }, { key: 'year', range: { gte: 2020, lt: 2023 } }],
 *   must_not: [{ key: 'meta.deleted', exists: true }, { has_id: [7, 'x'] }],
 *   min_should: { conditions: [{ is_empty: { key: 'notes' } }, { key: 'n', values_count: { gt: 2 } }], min_count: 1 } }
 * ```
 *
 * Groups: a filter is a group `{ must?, should?, must_not?, min_should? }`, each part a list of
 * conditions (the parser also takes one condition for a list of one). A group matches when
 * every `must` condition holds, at least one `should` condition holds (only if `should` is
 * non-empty), no `must_not` condition holds, and at least `min_should.min_count` of
 * `min_should.conditions` hold. So `{}` and `{ should: [] }` match every point. A condition
 * is a field condition (it has `key`), `is_empty`, `is_null`, `has_id`, `nested`, or a
 * group. An undefined (or null) payload behaves like `{}`.
 *
 * Values: a field condition's `key` is a dotted path; it resolves to zero or more values by
 * the rules of `payload-path.ts` (arrays along the path or at its end are expanded into their
 * elements; Qdrant's `[]` steps, `cities[].name`, say the same and are dropped by the parser). Except where said otherwise, a field condition holds when ANY resolved value
 * satisfies it, so a key that resolves to nothing satisfies no match, range or geo condition.
 * - `match: { value }`: strict equality with a string, finite number or boolean
 *   (`1` ≠ `'1'`, `true` ≠ `1`).
 * - `match: { any: [...] }`: equal to one of a list of such scalars (`[]` matches nothing).
 * - `match: { except: [...] }`: some non-null value equals none of the list (Qdrant's
 *   semantics): a missing key, `[]` and `null` do not match; `['a', 'b']` matches
 *   `except: ['a']` because of `'b'`.
 *   On a key with a `uuid` index, strings that are UUIDs compare in their canonical form
 *   (uuid.ts), in `value`, `any` and `except` alike.
 * - `match: { text }`, `{ text_any }`, `{ phrase }`: full text. The field's text is what
 *   `textOf` (text/inverted-index.ts) makes of the resolved non-null values (`field-text.ts`),
 *   analyzed by the field's analyzer (the one of its full-text index; English when it has
 *   none), as is the query. `text` holds when the text has EVERY query term, `text_any` when
 *   it has at least one, `phrase` when the query's terms occur in the text consecutively, in
 *   order. A query with no terms after analysis (`''`, only stop words) matches nothing.
 * - `range: { gt?, gte?, lt?, lte? }` with number bounds: a number value within every bound
 *   given. With string bounds it is a datetime range: every bound is an RFC 3339 date-time
 *   (`datetime.ts`), and it holds for a string value that parses as a date-time whose instant
 *   is within every bound. One range never mixes number and string bounds.
 * - `exists: true`: at least one resolved value is not null; `exists: false` is its exact
 *   negation (missing key, `[]`, `[null]`).
 * - `geo_radius`, `geo_bounding_box`, `geo_polygon`: a value that is a geo point `{ lon, lat }`
 *   lies in the shape (`geo.ts` defines points and shapes).
 * Leaves: `is_empty`, `is_null`, `values_count` and `nested` look at the LEAVES a key resolves
 * to (`someLeafValue`, payload-path.ts: arrays along the path expanded, the value at the end
 * as it is), as Qdrant does:
 * - `is_empty: { key }`: every leaf is null or `[]` (a missing key is empty; `[null]` is not).
 * - `is_null: { key }`: some leaf is null (`[null]` is an array, not null).
 * - `values_count: { gt?, gte?, lt?, lte? }`: some leaf's count is within the bounds, where a
 *   leaf's count is its length for an array, 0 for null, 1 otherwise; a missing key counts 0.
 * - `{ key, is_empty: bool }`, `{ key, is_null: bool }` (Qdrant's field-condition forms): some
 *   leaf is (or with false: is not) null or `[]`, resp. null or an array holding a null; a
 *   missing key is empty and not null.
 * - `nested: { key, filter }`: some object element of an array leaf satisfies `filter` on
 *   its own, keys in `filter` relative to the element (Qdrant's `key[]`): so
 *   `[{ a: 1, b: 2 }, { a: 2, b: 1 }]` has no element with both a = 1 and b = 1.
 * Ids: `has_id: [ids]` holds when the point's id is in the list; ids follow the engine's
 * rules (`7` and `'7'` are different ids). It needs the id, which the segment supplies
 * (`FilterPredicate`'s second argument, `filter-bitset.ts`'s `RowIds`); it is not allowed
 * inside `nested`. So `must_not: [{ key: 'tags', match: { value: 'x' } }]` excludes a point
 * whose tags contain `'x'` among others.
 *
 * Validation (`parseFilter`, in `filter-parser.ts`) is strict, so that a typo never silently
 * widens a query: unknown properties, wrong types, non-finite numbers, a range without bounds
 * or with mixed or unparsable bounds, a condition with more than one of its kinds, a geo
 * point outside [-180, 180] × [-90, 90], an open or short polygon ring, `min_count` < 1,
 * groups nested deeper than {@link MAX_FILTER_DEPTH} levels and more than
 * {@link MAX_FILTER_CONDITIONS} conditions in total are rejected with an `InvalidFilterError`
 * whose `path` names the offending part (`filter.must[1].range.gte`). Only own enumerable
 * properties of plain objects are read, as `JSON.parse` produces them.
 */
import type { Analyzer } from '../text/analyzer.js';
import { analyzerFor as namedAnalyzer } from '../text/analyzer.js';
import { parseDatetime } from './datetime.js';
import { fieldText } from './field-text.js';
import type {
  Condition,
  DatetimeRange,
  FieldCondition,
  Filter,
  FilterPredicate,
  Interval,
  LeafFieldCondition,
  Match,
  Range,
  TextMatch,
  ValueMatch,
  ValuesCount,
} from './filter-types.js';
import { geoPointOf, geoTest } from './geo.js';
import { compilePayloadPath, type PayloadPath, someLeafValue, somePayloadValue } from './payload-path.js';
import { uuidComparable } from './uuid.js';

export { MAX_FILTER_CONDITIONS, MAX_FILTER_DEPTH, parseFilter } from './filter-parser.js';
export type * from './filter-types.js';

/** How to compile: what the payload index declarations of the keys change. */
export interface CompileOptions {
  /** The analyzer of `key`'s full-text index, or undefined when it has none (English is used). */
  readonly analyzerFor?: (key: string) => Analyzer | undefined;
  /** True when `key` has a `uuid` index: its UUID strings then compare in canonical form. */
  readonly isUuidKey?: (key: string) => boolean;
}

/** The kinds of condition, as {@link conditionKind} tells them apart. */
export type ConditionKind = 'field' | 'is_empty' | 'is_null' | 'has_id' | 'nested' | 'group';

/** Which kind of condition `condition` is. */
export function conditionKind(condition: Condition): ConditionKind {
  if ('key' in condition) return 'field';
  if ('is_empty' in condition) return 'is_empty';
  if ('is_null' in condition) return 'is_null';
  if ('has_id' in condition) return 'has_id';
  if ('nested' in condition) return 'nested';
  return 'group';
}

/**
 * Compiles a filter into a predicate, once per query: keys are split, `any` lists of more
 * than a few values become Sets, range bounds are normalized (date-times to epoch
 * milliseconds), text queries are analyzed and polygons are laid out, so evaluation over many
 * payloads does no parsing of the filter. `filter` must be valid — what `parseFilter`
 * returns, or a literal that it would accept unchanged; this function does not re-validate.
 * @example
 * const matches = compileFilter({ must: [{ key: 'tags', match: { any: ['cat', 'dog'] } }] });
 * matches({ tags: ['bird', 'cat'] }); // true
 * matches({ tags: 'cow' }); // false
 * matches(undefined); // false
 * compileFilter({ must: [{ has_id: [1, 2] }] })({}, 2); // true
 */
export function compileFilter(filter: Filter, options: CompileOptions = {}): FilterPredicate {
  return compileGroup(filter, options);
}

/** Compiles one condition, as {@link compileFilter} does. */
export function compileCondition(condition: Condition, options: CompileOptions = {}): FilterPredicate {
  switch (conditionKind(condition)) {
    case 'field':
      return compileField(condition as FieldCondition, options);
    case 'group':
      return compileGroup(condition as Filter, options);
    case 'is_empty': {
      const path = compilePayloadPath((condition as { is_empty: { key: string } }).is_empty.key);
      return (payload) => !someLeafValue(payload, path, isFilled);
    }
    case 'is_null': {
      const path = compilePayloadPath((condition as { is_null: { key: string } }).is_null.key);
      return (payload) => someLeafValue(payload, path, isNull);
    }
    case 'has_id': {
      const ids = new Set<unknown>((condition as { has_id: readonly unknown[] }).has_id);
      return (_payload, id) => id !== undefined && ids.has(id);
    }
    case 'nested': {
      const { key, filter } = (condition as { nested: { key: string; filter: Filter } }).nested;
      const path = compilePayloadPath(key);
      const inner = compileGroup(filter, nestedOptions(key, options));
      const some = (leaf: unknown) =>
        Array.isArray(leaf) &&
        leaf.some((element) => isPlainObject(element) && inner(element as Record<string, unknown>));
      return (payload) => someLeafValue(payload, path, some);
    }
  }
}

/** True for a field condition (it has `key`). */
export function isFieldCondition(condition: Condition): condition is FieldCondition {
  return 'key' in condition;
}

/** True when the range's bounds are strings (date-times), false when they are numbers. */
export function isDatetimeRange(range: Range | DatetimeRange): range is DatetimeRange {
  const bound = range.gt ?? range.gte ?? range.lt ?? range.lte;
  return typeof bound === 'string';
}

/** True for the field conditions that test leaves (values_count, and is_empty / is_null as booleans). */
export function isLeafCondition(condition: FieldCondition): condition is LeafFieldCondition {
  return 'values_count' in condition || 'is_empty' in condition || 'is_null' in condition;
}

/** True for the full-text forms of match. */
export function isTextMatch(match: Match): match is TextMatch {
  return 'text' in match || 'text_any' in match || 'phrase' in match;
}

/**
 * The range as one lower and one upper bound (the stricter of `gt`/`gte` and of `lt`/`lte`),
 * date-time bounds as epoch milliseconds. The range must be valid (date-times parse).
 */
export function rangeInterval(range: Range | DatetimeRange): Interval {
  const bound = (value: number | string | undefined) =>
    typeof value === 'string' ? (parseDatetime(value) as number) : value;
  const [gt, gte, lt, lte] = [bound(range.gt), bound(range.gte), bound(range.lt), bound(range.lte)];
  let low = Number.NEGATIVE_INFINITY;
  let lowInclusive = true;
  if (gte !== undefined) low = gte;
  if (gt !== undefined && (gte === undefined || gt >= gte)) {
    low = gt;
    lowInclusive = false;
  }
  let high = Number.POSITIVE_INFINITY;
  let highInclusive = true;
  if (lte !== undefined) high = lte;
  if (lt !== undefined && (lte === undefined || lt <= lte)) {
    high = lt;
    highInclusive = false;
  }
  return { low, lowInclusive, high, highInclusive };
}

/** True when `value` (a number, not NaN) lies in `interval`. */
export function inInterval(value: number, interval: Interval): boolean {
  return (
    (interval.lowInclusive ? value >= interval.low : value > interval.low) &&
    (interval.highInclusive ? value <= interval.high : value < interval.high)
  );
}

/** A leaf's count for `values_count`: an array's length, 0 for null, 1 for anything else. */
export function leafCount(leaf: unknown): number {
  if (Array.isArray(leaf)) return leaf.length;
  return leaf === null ? 0 : 1;
}

/** True when a key whose leaves have these counts satisfies `values_count` (none: count 0). */
export function valuesCountTest(count: ValuesCount): (value: number) => boolean {
  const interval = rangeInterval(count);
  return (value) => inInterval(value, interval);
}

/**
 * The distinct terms of a full-text query, analyzed as the field's text is. Empty when the
 * query has no terms, in which case it matches nothing.
 */
export function queryTerms(query: string, analyze: Analyzer): string[] {
  return [...new Set(analyze(query))];
}

/** The text of a full-text match, whichever its form. */
export function textQuery(match: TextMatch): string {
  return 'text' in match ? match.text : 'text_any' in match ? match.text_any : match.phrase;
}

/** The analyzer that text conditions on `key` use under `options`. */
export function textAnalyzer(key: string, options: CompileOptions): Analyzer {
  return options.analyzerFor?.(key) ?? namedAnalyzer('english');
}

/** The options of a nested filter at `key`: its keys are relative to the elements of `key`. */
function nestedOptions(key: string, options: CompileOptions): CompileOptions {
  return {
    analyzerFor: (inner) => options.analyzerFor?.(`${key}.${inner}`),
    isUuidKey: (inner) => options.isUuidKey?.(`${key}.${inner}`) === true,
  };
}

const matchAll: FilterPredicate = () => true;
const matchNone: FilterPredicate = () => false;

function compileGroup(group: Filter, options: CompileOptions): FilterPredicate {
  const compile = (condition: Condition) => compileCondition(condition, options);
  const must = (group.must ?? []).map(compile);
  const should = (group.should ?? []).map(compile);
  const mustNot = (group.must_not ?? []).map(compile);
  const minShould = (group.min_should?.conditions ?? []).map(compile);
  const minCount = group.min_should?.min_count ?? 0;
  if (must.length === 0 && should.length === 0 && mustNot.length === 0 && minCount === 0) return matchAll;
  return (payload, id) => {
    for (let i = 0; i < must.length; i++) if (!must[i](payload, id)) return false;
    for (let i = 0; i < mustNot.length; i++) if (mustNot[i](payload, id)) return false;
    if (minCount > 0) {
      let held = 0;
      for (let i = 0; i < minShould.length && held < minCount; i++) if (minShould[i](payload, id)) held++;
      if (held < minCount) return false;
    }
    if (should.length === 0) return true;
    for (let i = 0; i < should.length; i++) if (should[i](payload, id)) return true;
    return false;
  };
}

function compileField(condition: FieldCondition, options: CompileOptions): FilterPredicate {
  const path = compilePayloadPath(condition.key);
  if ('exists' in condition) {
    const wanted = condition.exists;
    return (payload) => somePayloadValue(payload, path, isNotNull) === wanted;
  }
  if ('is_empty' in condition || 'is_null' in condition) {
    const [wanted, leafHolds] =
      'is_empty' in condition ? [condition.is_empty, isEmptyLeaf] : [condition.is_null, hasNullLeaf];
    // A missing key is empty and not null (Qdrant's `check_empty`).
    const missingHolds = 'is_empty' in condition ? wanted : !wanted;
    return (payload) => {
      let anyLeaf = false;
      const held = someLeafValue(payload, path, (leaf) => {
        anyLeaf = true;
        return leafHolds(leaf) === wanted;
      });
      return held || (!anyLeaf && missingHolds);
    };
  }
  if ('values_count' in condition) {
    const inCount = valuesCountTest(condition.values_count);
    const zeroHolds = inCount(0);
    return (payload) => {
      let anyLeaf = false;
      const held = someLeafValue(payload, path, (leaf) => {
        anyLeaf = true;
        return inCount(leafCount(leaf));
      });
      return held || (!anyLeaf && zeroHolds);
    };
  }
  let test: (value: unknown) => boolean;
  if ('range' in condition) test = rangeTest(condition.range);
  else if ('match' in condition) {
    const match = condition.match;
    if (isTextMatch(match)) return textTest(match, path, textAnalyzer(condition.key, options));
    test = matchTest(match, options.isUuidKey?.(condition.key) === true);
  } else {
    const inShape = geoTest(condition);
    test = (value) => {
      const point = geoPointOf(value);
      return point !== undefined && inShape(point.lon, point.lat);
    };
  }
  return (payload) => somePayloadValue(payload, path, test);
}

/** The text test of a full-text match: every term, some term, or the terms in sequence. */
function textTest(match: TextMatch, path: PayloadPath, analyze: Analyzer): FilterPredicate {
  if ('phrase' in match) {
    const phrase = analyze(match.phrase);
    if (phrase.length === 0) return matchNone;
    return (payload) => {
      const text = fieldText(payload, path);
      return text !== undefined && containsSequence(analyze(text), phrase);
    };
  }
  const terms = queryTerms(textQuery(match), analyze);
  if (terms.length === 0) return matchNone;
  const every = 'text' in match;
  return (payload) => {
    const text = fieldText(payload, path);
    if (text === undefined) return false;
    const present = new Set(analyze(text));
    return every ? terms.every((term) => present.has(term)) : terms.some((term) => present.has(term));
  };
}

/** True when `sequence` occurs in `terms` as consecutive elements. */
export function containsSequence(terms: readonly string[], sequence: readonly string[]): boolean {
  outer: for (let start = 0; start + sequence.length <= terms.length; start++) {
    for (let i = 0; i < sequence.length; i++) if (terms[start + i] !== sequence[i]) continue outer;
    return true;
  }
  return false;
}

function isNotNull(value: unknown): boolean {
  return value !== null;
}

function isNull(leaf: unknown): boolean {
  return leaf === null;
}

/** Qdrant's `{ key, is_empty: true }` per leaf: null or `[]`. */
function isEmptyLeaf(leaf: unknown): boolean {
  return leaf === null || (Array.isArray(leaf) && leaf.length === 0);
}

/** Qdrant's `{ key, is_null: true }` per leaf: null, or an array holding a null. */
function hasNullLeaf(leaf: unknown): boolean {
  return leaf === null || (Array.isArray(leaf) && leaf.includes(null));
}

/** A leaf that makes a key non-empty: anything but null and `[]`. */
function isFilled(leaf: unknown): boolean {
  return leaf !== null && !(Array.isArray(leaf) && leaf.length === 0);
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Lists up to this long are scanned; longer ones are looked up in a Set. */
const MATCH_ANY_SCAN_LIMIT = 8;

/** Equality tests of value / any / except; on a uuid key, UUID strings compare canonically. */
function matchTest(match: ValueMatch, uuid: boolean): (value: unknown) => boolean {
  const canonical = uuid ? uuidComparable : (value: unknown) => value;
  if ('value' in match) {
    const wanted = canonical(match.value);
    return uuid ? (value) => canonical(value) === wanted : (value) => value === wanted;
  }
  const list = ('any' in match ? match.any : match.except).map(canonical);
  // Strict equality, `includes` and `Set.has` agree here: the list holds no NaN.
  let inList: (value: unknown) => boolean;
  if (list.length <= MATCH_ANY_SCAN_LIMIT) inList = (value) => list.includes(value);
  else {
    const set = new Set<unknown>(list);
    inList = (value) => set.has(value);
  }
  if ('any' in match) return uuid ? (value) => inList(canonical(value)) : inList;
  return (value) => value !== null && !inList(canonical(value));
}

function rangeTest(range: Range | DatetimeRange): (value: unknown) => boolean {
  const interval = rangeInterval(range);
  if (isDatetimeRange(range)) {
    return (value) => {
      if (typeof value !== 'string') return false;
      const instant = parseDatetime(value);
      return instant !== undefined && inInterval(instant, interval);
    };
  }
  return (value) => typeof value === 'number' && inInterval(value, interval);
}
