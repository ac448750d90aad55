/**
 * Strict validation of untrusted filters (the language is specified in `filter.ts`): what
 * {@link parseFilter} accepts is exactly what `compileFilter` and payload indexes evaluate, and
 * anything else is rejected with an `InvalidFilterError` whose `path` names the offending part.
 */
import { InvalidFilterError } from '../errors.js';
import { parseDatetime } from './datetime.js';
import type {
  Condition,
  DatetimeRange,
  FieldCondition,
  Filter,
  Match,
  MatchValue,
  Range,
} from './filter-types.js';
import { isValidPayloadKey } from './payload-path.js';

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

const GROUP_PROPERTIES = ['must', 'should', 'must_not'] as const;
const FIELD_PROPERTIES = new Set(['key', 'match', 'range', 'exists']);
const RANGE_BOUNDS = ['gt', 'gte', 'lt', 'lte'] as const;
const SCALAR = 'a string, a finite number or a boolean';
const SCALARS = 'strings, finite numbers or booleans';
const DATETIME_EXAMPLE = '2024-01-31T12:00:00Z';

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
  const object = expectObject(input, path, '{ value }, { any } or { text }');
  const names = Object.keys(object);
  for (const name of names) {
    if (name !== 'value' && name !== 'any' && name !== 'text') {
      throw unknownProperty(name, path, 'value, any or text');
    }
  }
  if (names.length !== 1) {
    throw new InvalidFilterError(
      `expected exactly one of value, any, text, got ${names.length === 0 ? 'none' : names.join(' and ')}`,
      path,
    );
  }
  if (names[0] === 'value') return { value: parseMatchValue(object.value, `${path}.value`) };
  if (names[0] === 'text') {
    if (typeof object.text !== 'string') {
      throw new InvalidFilterError(
        `expected a string to search for, got ${describe(object.text)}`,
        `${path}.text`,
      );
    }
    return { text: object.text };
  }
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

/**
 * Number bounds or date-time bounds, never both: the first bound given decides which, and a
 * later bound of the other kind is reported as the error.
 */
function parseRange(input: unknown, path: string): Range | DatetimeRange {
  const object = expectObject(input, path, 'an object with at least one of gt, gte, lt, lte');
  const range: { gt?: number | string; gte?: number | string; lt?: number | string; lte?: number | string } =
    {};
  let kind: 'number' | 'string' | undefined;
  for (const name of Object.keys(object)) {
    const bound = RANGE_BOUNDS.find((known) => known === name);
    if (bound === undefined) throw unknownProperty(name, path, 'gt, gte, lt, lte');
    const value = object[name];
    const valid =
      (typeof value === 'number' && Number.isFinite(value) && kind !== 'string') ||
      (typeof value === 'string' && parseDatetime(value) !== undefined && kind !== 'number');
    if (!valid) {
      const expected =
        kind === undefined
          ? `a finite number or an RFC 3339 date-time such as "${DATETIME_EXAMPLE}"`
          : kind === 'number'
            ? 'a finite number, as the other bounds of this range'
            : `an RFC 3339 date-time such as "${DATETIME_EXAMPLE}", as the other bounds of this range`;
      throw new InvalidFilterError(`expected ${expected}, got ${describe(value)}`, propertyPath(path, name));
    }
    kind = typeof value === 'number' ? 'number' : 'string';
    range[bound] = value as number | string;
  }
  if (kind === undefined) {
    throw new InvalidFilterError('expected at least one of gt, gte, lt, lte, got none', path);
  }
  return range as Range | DatetimeRange;
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
