/**
 * The filter language, v2: a JSON filter over point payloads, in the shape of Qdrant's.
 *
 * ```ts
 * { must: [{ key: 'label', match: { value: 'cat' } }, { key: 'body', match: { text: 'tax cuts' } }],
 *   should: [{ key: 'tags', match: { any: ['a', 'b'] } }, { key: 'year', range: { gte: 2020, lt: 2023 } }],
 *   must_not: [{ key: 'meta.deleted', exists: true }, { must: [ ... a nested group ... ] }] }
 * ```
 *
 * Semantics:
 * - A filter is a group `{ must?, should?, must_not? }`, each an array of conditions; a
 *   condition is a field condition (it has `key`) or a nested group. A group matches when
 *   every `must` condition holds, at least one `should` condition holds (only if `should` is
 *   non-empty), and no `must_not` condition holds. So `{}` and `{ should: [] }` match every
 *   point. An undefined (or null) payload behaves like `{}`.
 * - A field condition's `key` is a dotted path; it resolves to zero or more values by the
 *   rules of `payload-path.ts` (arrays along the path or at its end are expanded into their
 *   elements). Except for `exists: false` and `match.text`, a field condition holds when ANY
 *   resolved value satisfies it, so a key that resolves to nothing satisfies no `match` and
 *   no `range`.
 *   - `match: { value }`: strict equality with a string, finite number or boolean
 *     (`1` ≠ `'1'`, `true` ≠ `1`).
 *   - `match: { any: [...] }`: equal to at least one of a non-empty list of such scalars.
 *   - `match: { text }`: full text. The field's text is what `textOf` (text/inverted-index.ts)
 *     makes of the resolved non-null values (see `field-text.ts`); the condition holds when
 *     the terms of that text include EVERY term of the query, both analyzed by the field's
 *     analyzer (the one of its full-text index; English when it has none). A query with no
 *     terms after analysis (`''`, only stop words) matches nothing.
 *   - `range: { gt?, gte?, lt?, lte? }` with number bounds: a number value within every bound
 *     given (at least one bound; all finite). Strings, booleans and null never satisfy it.
 *   - `range` with string bounds is a datetime range: every bound is an RFC 3339 / ISO 8601
 *     date-time (`datetime.ts`), and it holds for a string value that parses as a date-time
 *     whose instant (epoch milliseconds) is within every bound. Numbers never satisfy it, and
 *     one range never mixes number and string bounds.
 *   - `exists: true`: at least one resolved value is not null. `exists: false` is its exact
 *     negation: every resolved value is null, or there is none (missing key, `[]`, `[null]`).
 *   So `must_not: [{ key: 'tags', match: { value: 'x' } }]` excludes a point whose tags
 *   contain `'x'` among others.
 *
 * Validation (`parseFilter`, in `filter-parser.ts`) is strict, so that a typo never silently
 * widens a query: unknown properties, wrong types, an empty `any`, non-finite numbers, a range
 * without bounds or with mixed or unparsable bounds, a condition with more than one of `match`
 * / `range` / `exists`, groups nested deeper than {@link MAX_FILTER_DEPTH} levels and more than
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
  Match,
  MatchValue,
  Payload,
  Range,
} from './filter-types.js';
import { compilePayloadPath, type PayloadPath, somePayloadValue } from './payload-path.js';

export { MAX_FILTER_CONDITIONS, MAX_FILTER_DEPTH, parseFilter } from './filter-parser.js';
export type {
  Condition,
  DatetimeRange,
  FieldCondition,
  Filter,
  FilterPredicate,
  Interval,
  Match,
  MatchValue,
  Payload,
  Range,
  RowPayload,
} from './filter-types.js';

/** How to compile: the analyzer of each full-text field. */
export interface CompileOptions {
  /** The analyzer of `key`'s full-text index, or undefined when it has none (English is used). */
  readonly analyzerFor?: (key: string) => Analyzer | undefined;
}

/**
 * Compiles a filter into a predicate, once per query: keys are split, `any` lists of more
 * than a few values become Sets, range bounds are normalized (date-times to epoch
 * milliseconds) and text queries are analyzed, so evaluation over many payloads does no
 * parsing of the filter. `filter` must be valid — what `parseFilter` returns, or a literal
 * that it would accept unchanged; this function does not re-validate.
 * @example
 * const matches = compileFilter({ must: [{ key: 'tags', match: { any: ['cat', 'dog'] } }] });
 * matches({ tags: ['bird', 'cat'] }); // true
 * matches({ tags: 'cow' }); // false
 * matches(undefined); // false
 */
export function compileFilter(filter: Filter, options: CompileOptions = {}): FilterPredicate {
  return compileGroup(filter, options);
}

/** Compiles one condition (a field condition or a nested group), as {@link compileFilter} does. */
export function compileCondition(condition: Condition, options: CompileOptions = {}): FilterPredicate {
  return isFieldCondition(condition) ? compileField(condition, options) : compileGroup(condition, options);
}

/** True for a field condition (it has `key`), false for a nested group. */
export function isFieldCondition(condition: Condition): condition is FieldCondition {
  return 'key' in condition;
}

/** True when the range's bounds are strings (date-times), false when they are numbers. */
export function isDatetimeRange(range: Range | DatetimeRange): range is DatetimeRange {
  const bound = range.gt ?? range.gte ?? range.lt ?? range.lte;
  return typeof bound === 'string';
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

/**
 * The distinct terms of a full-text query, analyzed as the field's text is. Empty when the
 * query has no terms, in which case it matches nothing.
 */
export function queryTerms(query: string, analyze: Analyzer): string[] {
  return [...new Set(analyze(query))];
}

/** The analyzer that text conditions on `key` use under `options`. */
function textAnalyzer(key: string, options: CompileOptions): Analyzer {
  return options.analyzerFor?.(key) ?? namedAnalyzer('english');
}

const matchAll: FilterPredicate = () => true;
const matchNone: FilterPredicate = () => false;

function compileGroup(group: Filter, options: CompileOptions): FilterPredicate {
  const compile = (condition: Condition) => compileCondition(condition, options);
  const must = (group.must ?? []).map(compile);
  const should = (group.should ?? []).map(compile);
  const mustNot = (group.must_not ?? []).map(compile);
  if (must.length === 0 && should.length === 0 && mustNot.length === 0) return matchAll;
  return (payload) => {
    for (let i = 0; i < must.length; i++) if (!must[i](payload)) return false;
    for (let i = 0; i < mustNot.length; i++) if (mustNot[i](payload)) return false;
    if (should.length === 0) return true;
    for (let i = 0; i < should.length; i++) if (should[i](payload)) return true;
    return false;
  };
}

function compileField(condition: FieldCondition, options: CompileOptions): FilterPredicate {
  const path = compilePayloadPath(condition.key);
  if ('exists' in condition) {
    const wanted = condition.exists;
    return (payload) => somePayloadValue(payload, path, isNotNull) === wanted;
  }
  if ('range' in condition) {
    const test = rangeTest(condition.range);
    return (payload) => somePayloadValue(payload, path, test);
  }
  const match = condition.match;
  if ('text' in match) return textTest(match.text, path, textAnalyzer(condition.key, options));
  const test = matchTest(match);
  return (payload) => somePayloadValue(payload, path, test);
}

/** Every distinct term of `query` occurs in the field's text, both analyzed by `analyze`. */
function textTest(query: string, path: PayloadPath, analyze: Analyzer): FilterPredicate {
  const terms = queryTerms(query, analyze);
  if (terms.length === 0) return matchNone;
  return (payload) => {
    const text = fieldText(payload, path);
    if (text === undefined) return false;
    const present = new Set(analyze(text));
    return terms.every((term) => present.has(term));
  };
}

function isNotNull(value: unknown): boolean {
  return value !== null;
}

/** Lists up to this long are scanned; longer ones are looked up in a Set. */
const MATCH_ANY_SCAN_LIMIT = 8;

function matchTest(match: Exclude<Match, { readonly text: string }>): (value: unknown) => boolean {
  if ('value' in match) {
    const wanted = match.value;
    return (value) => value === wanted;
  }
  // Strict equality, `includes` and `Set.has` agree here: the list holds no NaN.
  if (match.any.length <= MATCH_ANY_SCAN_LIMIT) {
    const list: readonly unknown[] = match.any;
    return (value) => list.includes(value);
  }
  const set = new Set<unknown>(match.any);
  return (value) => set.has(value);
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
