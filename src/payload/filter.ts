/**
 * The filter language, v1: a JSON filter over point payloads, in the shape of Qdrant's.
 *
 * ```ts
 * { must: [{ key: 'label', match: { value: 'cat' } }],
 *   should: [{ key: 'tags', match: { any: ['a', 'b'] } }, { key: 'year', range: { gte: 2020, lt: 2023 } }],
 *   must_not: [{ key: 'meta.deleted', exists: true }, { must: [ ... a nested group ... ] }] }
 * ```
 *
 * Semantics:
 * - A filter is a group `{ must?, should?, must_not? }`, each an array of conditions; a
 *   condition is a field condition (it has `key`) or a nested group. A group matches when
 *   every `must` condition holds, at least one `should` condition holds (only if `should` is
 *   non-empty), and no `must_not` condition holds. So `{}` and `{ should: [] }` match every
 *   point. An undefined payload behaves like `{}`.
 * - A field condition's `key` is a dotted path; it resolves to zero or more values by the
 *   rules of `payload-path.ts` (arrays along the path or at its end are expanded into their
 *   elements). Except for `exists: false`, a field condition holds when ANY resolved value
 *   satisfies it, so a key that resolves to nothing satisfies no `match` and no `range`.
 *   - `match: { value }`: strict equality with a string, finite number or boolean
 *     (`1` ≠ `'1'`, `true` ≠ `1`).
 *   - `match: { any: [...] }`: equal to at least one of a non-empty list of such scalars.
 *   - `range: { gt?, gte?, lt?, lte? }`: a number value within every bound given (at least
 *     one bound; all finite). Strings, booleans and null never satisfy a range.
 *   - `exists: true`: at least one resolved value is not null. `exists: false` is its exact
 *     negation: every resolved value is null, or there is none (missing key, `[]`, `[null]`).
 *   So `must_not: [{ key: 'tags', match: { value: 'x' } }]` excludes a point whose tags
 *   contain `'x'` among others.
 *
 * Validation ({@link parseFilter}) is strict, so that a typo never silently widens a query:
 * unknown properties, wrong types, an empty `any`, non-finite numbers, a range without
 * bounds, a condition with more than one of `match` / `range` / `exists`, groups nested
 * deeper than {@link MAX_FILTER_DEPTH} levels and more than {@link MAX_FILTER_CONDITIONS}
 * conditions in total are rejected with an `InvalidFilterError` whose `path` names the
 * offending part (`filter.must[1].range.gte`). Only own enumerable properties of plain
 * objects are read, as `JSON.parse` produces them.
 */
import { InvalidFilterError } from '../errors.js';
import { compilePayloadPath, isValidPayloadKey, somePayloadValue } from './payload-path.js';

/** A point's metadata: a JSON-like object. */
export type Payload = Record<string, unknown>;

/** A scalar a payload value can be matched against; numbers are finite. */
export type MatchValue = string | number | boolean;

/** Equality with one scalar, or with any scalar of a non-empty list. */
export type Match = { readonly value: MatchValue } | { readonly any: readonly MatchValue[] };

/** Bounds on a number value; at least one is present, all are finite. */
export interface Range {
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
}

/** A test on the values a dotted `key` resolves to; exactly one of match, range, exists. */
export type FieldCondition =
  | { readonly key: string; readonly match: Match }
  | { readonly key: string; readonly range: Range }
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
export type FilterPredicate = (payload: Payload | undefined) => boolean;

/** Groups may nest this many levels deep; the top-level filter is level 1. */
export const MAX_FILTER_DEPTH = 32;

/** At most this many conditions (field conditions and nested groups, at every level) per filter. */
export const MAX_FILTER_CONDITIONS = 10_000;

/**
 * Validates an untrusted filter (e.g. parsed JSON from a request) and returns a typed deep
 * copy that shares nothing with `input`.
 * @throws InvalidFilterError with `path` at the offending part if `input` breaks any rule of
 * the filter language (see the module comment).
 * @example
 * const filter = parseFilter(JSON.parse('{"must":[{"key":"year","range":{"gte":2020}}]}'));
 * parseFilter({ must: [{ key: 'year', range: {} }] }); // throws: filter.must[0].range: expected …
 */
export function parseFilter(input: unknown): Filter {
  return new FilterParser().group(input, 'filter', 1);
}

/**
 * Compiles a filter into a predicate, once per query: keys are split, `any` lists of more
 * than a few values become Sets and range bounds are normalized, so evaluation over many
 * payloads does no parsing or allocation. `filter` must be valid — what {@link parseFilter}
 * returns, or a literal that it would accept unchanged; this function does not re-validate.
 * @example
 * const matches = compileFilter({ must: [{ key: 'tags', match: { any: ['cat', 'dog'] } }] });
 * matches({ tags: ['bird', 'cat'] }); // true
 * matches({ tags: 'cow' }); // false
 * matches(undefined); // false
 */
export function compileFilter(filter: Filter): FilterPredicate {
  return compileGroup(filter);
}

const matchAll: FilterPredicate = () => true;

function compileGroup(group: Filter): FilterPredicate {
  const must = (group.must ?? []).map(compileCondition);
  const should = (group.should ?? []).map(compileCondition);
  const mustNot = (group.must_not ?? []).map(compileCondition);
  if (must.length === 0 && should.length === 0 && mustNot.length === 0) return matchAll;
  return (payload) => {
    for (let i = 0; i < must.length; i++) if (!must[i](payload)) return false;
    for (let i = 0; i < mustNot.length; i++) if (mustNot[i](payload)) return false;
    if (should.length === 0) return true;
    for (let i = 0; i < should.length; i++) if (should[i](payload)) return true;
    return false;
  };
}

function compileCondition(condition: Condition): FilterPredicate {
  return 'key' in condition ? compileField(condition) : compileGroup(condition);
}

function compileField(condition: FieldCondition): FilterPredicate {
  const path = compilePayloadPath(condition.key);
  if ('exists' in condition) {
    const wanted = condition.exists;
    return (payload) => somePayloadValue(payload, path, isNotNull) === wanted;
  }
  const test = 'range' in condition ? rangeTest(condition.range) : matchTest(condition.match);
  return (payload) => somePayloadValue(payload, path, test);
}

function isNotNull(value: unknown): boolean {
  return value !== null;
}

/** Lists up to this long are scanned; longer ones are looked up in a Set. */
const MATCH_ANY_SCAN_LIMIT = 8;

function matchTest(match: Match): (value: unknown) => boolean {
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

/**
 * Normalizes the bounds to one lower and one upper bound (the stricter of `gt`/`gte` and of
 * `lt`/`lte`); a missing side becomes an inclusive infinity, which every number but NaN passes.
 */
function rangeTest(range: Range): (value: unknown) => boolean {
  let low = Number.NEGATIVE_INFINITY;
  let lowInclusive = true;
  if (range.gte !== undefined) low = range.gte;
  if (range.gt !== undefined && (range.gte === undefined || range.gt >= range.gte)) {
    low = range.gt;
    lowInclusive = false;
  }
  let high = Number.POSITIVE_INFINITY;
  let highInclusive = true;
  if (range.lte !== undefined) high = range.lte;
  if (range.lt !== undefined && (range.lte === undefined || range.lt <= range.lte)) {
    high = range.lt;
    highInclusive = false;
  }
  return (value) =>
    typeof value === 'number' &&
    (lowInclusive ? value >= low : value > low) &&
    (highInclusive ? value <= high : value < high);
}

const GROUP_PROPERTIES = ['must', 'should', 'must_not'] as const;
const FIELD_PROPERTIES = new Set(['key', 'match', 'range', 'exists']);
const RANGE_BOUNDS = ['gt', 'gte', 'lt', 'lte'] as const;
const SCALAR = 'a string, a finite number or a boolean';
const SCALARS = 'strings, finite numbers or booleans';

/** One validation pass; counts conditions across the whole filter. */
class FilterParser {
  private conditions = 0;

  group(input: unknown, path: string, level: number): Filter {
    const object = expectObject(input, path, 'a filter group { must?, should?, must_not? }');
    if (level > MAX_FILTER_DEPTH) {
      throw new InvalidFilterError(
        `expected groups nested at most ${MAX_FILTER_DEPTH} levels deep, got a group at level ${level}`,
        path,
      );
    }
    const group: { must?: Condition[]; should?: Condition[]; must_not?: Condition[] } = {};
    for (const name of Object.keys(object)) {
      const property = GROUP_PROPERTIES.find((known) => known === name);
      if (property === undefined) throw unknownProperty(name, path, 'must, should, must_not');
      group[property] = this.conditionList(object[name], propertyPath(path, name), level);
    }
    return group;
  }

  private conditionList(input: unknown, path: string, level: number): Condition[] {
    if (!Array.isArray(input)) {
      throw new InvalidFilterError(`expected an array of conditions, got ${describe(input)}`, path);
    }
    const conditions: Condition[] = [];
    for (let i = 0; i < input.length; i++) {
      const itemPath = `${path}[${i}]`;
      if (++this.conditions > MAX_FILTER_CONDITIONS) {
        throw new InvalidFilterError(
          `expected at most ${MAX_FILTER_CONDITIONS} conditions in the whole filter, got more`,
          itemPath,
        );
      }
      conditions.push(this.condition(input[i], itemPath, level));
    }
    return conditions;
  }

  private condition(input: unknown, path: string, level: number): Condition {
    const object = expectObject(
      input,
      path,
      'a condition: { key, match | range | exists } or a nested group { must?, should?, must_not? }',
    );
    const names = Object.keys(object);
    if (names.some((name) => FIELD_PROPERTIES.has(name))) return fieldCondition(object, names, path);
    return this.group(object, path, level + 1);
  }
}

function fieldCondition(object: Record<string, unknown>, names: string[], path: string): FieldCondition {
  let kind: 'match' | 'range' | 'exists' | undefined;
  for (const name of names) {
    if (name === 'key') continue;
    if (name !== 'match' && name !== 'range' && name !== 'exists') {
      throw unknownProperty(name, path, 'key and one of match, range, exists');
    }
    if (kind !== undefined) {
      throw new InvalidFilterError(
        `expected exactly one of match, range, exists, got ${kind} and ${name}`,
        path,
      );
    }
    kind = name;
  }
  const key = object.key;
  if (typeof key !== 'string' || !isValidPayloadKey(key)) {
    throw new InvalidFilterError(
      `expected a dotted path of non-empty names such as "meta.author", got ${describe(key)}`,
      `${path}.key`,
    );
  }
  switch (kind) {
    case 'match':
      return { key, match: parseMatch(object.match, `${path}.match`) };
    case 'range':
      return { key, range: parseRange(object.range, `${path}.range`) };
    case 'exists':
      if (typeof object.exists !== 'boolean') {
        throw new InvalidFilterError(
          `expected true or false, got ${describe(object.exists)}`,
          `${path}.exists`,
        );
      }
      return { key, exists: object.exists };
    case undefined:
      throw new InvalidFilterError('expected exactly one of match, range, exists, got none', path);
  }
}

function parseMatch(input: unknown, path: string): Match {
  const object = expectObject(input, path, '{ value } or { any }');
  const names = Object.keys(object);
  for (const name of names) {
    if (name !== 'value' && name !== 'any') throw unknownProperty(name, path, 'value or any');
  }
  if (names.length !== 1) {
    throw new InvalidFilterError(
      `expected exactly one of value, any, got ${names.length === 0 ? 'none' : 'both'}`,
      path,
    );
  }
  if (names[0] === 'value') return { value: parseMatchValue(object.value, `${path}.value`) };
  const list = object.any;
  if (!Array.isArray(list) || list.length === 0) {
    throw new InvalidFilterError(
      `expected a non-empty array of ${SCALARS}, got ${describe(list)}`,
      `${path}.any`,
    );
  }
  const any: MatchValue[] = [];
  for (let i = 0; i < list.length; i++) any.push(parseMatchValue(list[i], `${path}.any[${i}]`));
  return { any };
}

function parseMatchValue(input: unknown, path: string): MatchValue {
  if (typeof input === 'string' || typeof input === 'boolean') return input;
  if (typeof input === 'number' && Number.isFinite(input)) return input;
  throw new InvalidFilterError(`expected ${SCALAR}, got ${describe(input)}`, path);
}

function parseRange(input: unknown, path: string): Range {
  const object = expectObject(input, path, 'an object with at least one of gt, gte, lt, lte');
  const range: { gt?: number; gte?: number; lt?: number; lte?: number } = {};
  for (const name of Object.keys(object)) {
    const bound = RANGE_BOUNDS.find((known) => known === name);
    if (bound === undefined) throw unknownProperty(name, path, 'gt, gte, lt, lte');
    const value = object[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InvalidFilterError(
        `expected a finite number, got ${describe(value)}`,
        propertyPath(path, name),
      );
    }
    range[bound] = value;
  }
  if (Object.keys(range).length === 0) {
    throw new InvalidFilterError('expected at least one of gt, gte, lt, lte, got none', path);
  }
  return range;
}

/** Accepts plain objects only (prototype `Object.prototype` or null), as JSON produces. */
function expectObject(input: unknown, path: string, expected: string): Record<string, unknown> {
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const prototype = Object.getPrototypeOf(input);
    if (prototype === Object.prototype || prototype === null) return input as Record<string, unknown>;
  }
  throw new InvalidFilterError(`expected ${expected}, got ${describe(input)}`, path);
}

function unknownProperty(name: string, path: string, allowed: string): InvalidFilterError {
  return new InvalidFilterError(
    `unknown property ${JSON.stringify(name)}; expected only ${allowed}`,
    propertyPath(path, name),
  );
}

/** `filter.must` for identifier-like names, `filter["odd name"]` otherwise. */
function propertyPath(path: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
}

/** A short description of a given value for error messages. */
function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) {
    return value.length === 0 ? 'an empty array' : `an array of length ${value.length}`;
  }
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
      return Number.isFinite(value) ? `the number ${value}` : String(value);
    case 'boolean':
      return `${value}`;
    case 'object': {
      const prototype = Object.getPrototypeOf(value);
      const name = prototype?.constructor?.name;
      return prototype === Object.prototype || prototype === null || typeof name !== 'string'
        ? 'an object'
        : `an instance of ${name}`;
    }
    default:
      return `a ${typeof value}`;
  }
}
