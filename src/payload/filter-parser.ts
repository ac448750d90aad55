/**
 * Strict validation of untrusted filters (the language is specified in `filter.ts`): what
 * {@link parseFilter} accepts is exactly what `compileFilter` and payload indexes evaluate, and
 * anything else is rejected with an `InvalidFilterError` whose `path` names the offending part.
 * The values inside conditions are checked by `filter-parse-values.ts`.
 *
 * Accepted input is Qdrant's JSON: `must` / `should` / `must_not` each given as a list of
 * conditions, as one condition, or as null (absent); keys may write array steps as `[]`
 * (`diet[].food`), which Quiver's key resolution does anyway, so they are dropped.
 */
import { InvalidFilterError } from '../errors.js';
import {
  describe,
  expectKnown,
  expectObject,
  parseGeoBoundingBox,
  parseGeoPolygon,
  parseGeoRadius,
  parseMatch,
  parseRange,
  parseValuesCount,
  propertyPath,
  unknownProperty,
} from './filter-parse-values.js';
import type { Condition, FieldCondition, Filter, FilterPointId, MinShould } from './filter-types.js';
import { isValidPayloadKey, normalizePayloadKey } from './payload-path.js';

/** Groups (and nested filters) may nest this many levels deep; the top-level filter is level 1. */
export const MAX_FILTER_DEPTH = 32;

/** At most this many conditions (field conditions and nested groups, at every level) per filter. */
export const MAX_FILTER_CONDITIONS = 10_000;

/** The longest string id, as the engine's id rules have it (db/validate.ts). */
export const MAX_FILTER_ID_LENGTH = 256;

/**
 * Validates an untrusted filter (e.g. parsed JSON from a request) and returns a typed deep
 * copy that shares nothing with `input`, in normal form: group parts as lists, keys without
 * `[]` steps.
 * @throws InvalidFilterError with `path` at the offending part if `input` breaks any rule of
 * the filter language (see the module comment).
 * @example
 * const filter = parseFilter(JSON.parse('{"must":{"key":"year","range":{"gte":2020}}}'));
 * // { must: [{ key: 'year', range: { gte: 2020 } }] }
 * parseFilter({ must: [{ key: 'year', range: {} }] }); // throws: filter.must[0].range: expected …
 */
export function parseFilter(input: unknown): Filter {
  return new FilterParser().group(input, 'filter', 1, false);
}

const GROUP_PROPERTIES = ['must', 'should', 'must_not', 'min_should'] as const;
const FIELD_KINDS = [
  'match',
  'range',
  'exists',
  'geo_radius',
  'geo_bounding_box',
  'geo_polygon',
  'values_count',
  'is_empty',
  'is_null',
] as const;
const SPECIAL_CONDITIONS = ['is_empty', 'is_null', 'has_id', 'nested'] as const;
const CONDITION_FORMS =
  'a condition: { key, match | range | exists | geo_radius | geo_bounding_box | geo_polygon | values_count | is_empty | is_null }, ' +
  '{ is_empty: { key } }, { is_null: { key } }, { has_id: [ids] }, { nested: { key, filter } } ' +
  'or a nested group { must?, should?, must_not?, min_should? }';

/** One validation pass; counts conditions across the whole filter. */
class FilterParser {
  private conditions = 0;

  /** `nested` is true inside a nested condition's filter, where has_id has no meaning. */
  group(input: unknown, path: string, level: number, nested: boolean): Filter {
    const object = expectObject(input, path, 'a filter group { must?, should?, must_not?, min_should? }');
    if (level > MAX_FILTER_DEPTH) {
      throw new InvalidFilterError(
        `expected groups nested at most ${MAX_FILTER_DEPTH} levels deep, got a group at level ${level}`,
        path,
      );
    }
    const group: {
      must?: Condition[];
      should?: Condition[];
      must_not?: Condition[];
      min_should?: MinShould;
    } = {};
    for (const name of Object.keys(object)) {
      const property = GROUP_PROPERTIES.find((known) => known === name);
      if (property === undefined) throw unknownProperty(name, path, GROUP_PROPERTIES.join(', '));
      const value = object[name];
      if (value === null) continue;
      const at = propertyPath(path, name);
      if (property === 'min_should') group.min_should = this.minShould(value, at, level, nested);
      else group[property] = this.conditionList(value, at, level, nested, true);
    }
    return group;
  }

  private minShould(input: unknown, path: string, level: number, nested: boolean): MinShould {
    const object = expectKnown(input, path, ['conditions', 'min_count'], '{ conditions: [...], min_count }');
    const minCount = object.min_count;
    if (typeof minCount !== 'number' || !Number.isSafeInteger(minCount) || minCount < 1) {
      throw new InvalidFilterError(`expected an integer ≥ 1, got ${describe(minCount)}`, `${path}.min_count`);
    }
    return {
      conditions: this.conditionList(object.conditions, `${path}.conditions`, level, nested, false),
      min_count: minCount,
    };
  }

  /** A list of conditions, or (when `single` is allowed) one condition standing for a list of one. */
  private conditionList(
    input: unknown,
    path: string,
    level: number,
    nested: boolean,
    single: boolean,
  ): Condition[] {
    if (!Array.isArray(input)) {
      if (single && typeof input === 'object' && input !== null)
        return [this.counted(input, path, level, nested)];
      throw new InvalidFilterError(
        `expected an array of conditions${single ? ' or one condition' : ''}, got ${describe(input)}`,
        path,
      );
    }
    const conditions: Condition[] = [];
    // A loop, not `map`: `map` skips the holes of a sparse array, which must be rejected.
    for (let i = 0; i < input.length; i++)
      conditions.push(this.counted(input[i], `${path}[${i}]`, level, nested));
    return conditions;
  }

  private counted(input: unknown, path: string, level: number, nested: boolean): Condition {
    if (++this.conditions > MAX_FILTER_CONDITIONS) {
      throw new InvalidFilterError(
        `expected at most ${MAX_FILTER_CONDITIONS} conditions in the whole filter, got more`,
        path,
      );
    }
    return this.condition(input, path, level, nested);
  }

  private condition(input: unknown, path: string, level: number, nested: boolean): Condition {
    const object = expectObject(input, path, CONDITION_FORMS);
    const names = Object.keys(object);
    if (names.includes('key')) return fieldCondition(object, names, path);
    const special = SPECIAL_CONDITIONS.find((name) => names.includes(name));
    if (special === undefined) {
      // A field condition without its key is reported as such, not as an unknown group part.
      if (names.some((name) => FIELD_KINDS.includes(name as never)))
        return fieldCondition(object, names, path);
      return this.group(object, path, level + 1, nested);
    }
    for (const name of names) {
      if (name !== special) throw unknownProperty(name, path, `only ${special} in a ${special} condition`);
    }
    const at = `${path}.${special}`;
    switch (special) {
      case 'is_empty':
        return { is_empty: { key: parseKeyHolder(object.is_empty, at) } };
      case 'is_null':
        return { is_null: { key: parseKeyHolder(object.is_null, at) } };
      case 'has_id':
        if (nested) {
          throw new InvalidFilterError(
            'has_id cannot be used inside a nested filter (array elements have no ids)',
            at,
          );
        }
        return { has_id: parseIds(object.has_id, at) };
      case 'nested': {
        const inner = expectKnown(object.nested, at, ['key', 'filter'], '{ key, filter }');
        return {
          nested: {
            key: parseKey(inner.key, `${at}.key`),
            filter: this.group(inner.filter, `${at}.filter`, level + 1, true),
          },
        };
      }
    }
  }
}

function fieldCondition(object: Record<string, unknown>, names: string[], path: string): FieldCondition {
  let kind: (typeof FIELD_KINDS)[number] | undefined;
  for (const name of names) {
    if (name === 'key') continue;
    const known = FIELD_KINDS.find((candidate) => candidate === name);
    if (known === undefined) throw unknownProperty(name, path, `key and one of ${FIELD_KINDS.join(', ')}`);
    if (kind !== undefined) {
      throw new InvalidFilterError(
        `expected exactly one of ${FIELD_KINDS.join(', ')}, got ${kind} and ${name}`,
        path,
      );
    }
    kind = known;
  }
  const key = parseKey(object.key, `${path}.key`);
  const at = `${path}.${kind}`;
  switch (kind) {
    case 'match':
      return { key, match: parseMatch(object.match, at) };
    case 'range':
      return { key, range: parseRange(object.range, at) };
    case 'exists':
    case 'is_empty':
    case 'is_null': {
      const wanted = object[kind];
      if (typeof wanted !== 'boolean')
        throw new InvalidFilterError(`expected true or false, got ${describe(wanted)}`, at);
      return { key, [kind]: wanted } as FieldCondition;
    }
    case 'geo_radius':
      return { key, geo_radius: parseGeoRadius(object.geo_radius, at) };
    case 'geo_bounding_box':
      return { key, geo_bounding_box: parseGeoBoundingBox(object.geo_bounding_box, at) };
    case 'geo_polygon':
      return { key, geo_polygon: parseGeoPolygon(object.geo_polygon, at) };
    case 'values_count':
      return { key, values_count: parseValuesCount(object.values_count, at) };
    case undefined:
      throw new InvalidFilterError(`expected exactly one of ${FIELD_KINDS.join(', ')}, got none`, path);
  }
}

/** `{ key }`, the operand of is_empty and is_null. */
function parseKeyHolder(input: unknown, path: string): string {
  const object = expectKnown(input, path, ['key'], '{ key }');
  return parseKey(object.key, `${path}.key`);
}

/** A dotted key, with `[]` array steps (Qdrant's syntax) dropped: `a[].b` → `a.b`. */
function parseKey(input: unknown, path: string): string {
  const key = typeof input === 'string' ? normalizePayloadKey(input) : undefined;
  if (key === undefined || !isValidPayloadKey(key)) {
    throw new InvalidFilterError(
      `expected a dotted path of non-empty names such as "meta.author", got ${describe(input)}`,
      path,
    );
  }
  return key;
}

/** Point ids by the engine's rules: non-negative safe integers, or strings of 1..256 characters. */
function parseIds(input: unknown, path: string): FilterPointId[] {
  if (!Array.isArray(input)) {
    throw new InvalidFilterError(`expected an array of point ids, got ${describe(input)}`, path);
  }
  return input.map((id, i) => {
    const valid =
      (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) ||
      (typeof id === 'string' && id.length >= 1 && id.length <= MAX_FILTER_ID_LENGTH);
    if (!valid) {
      throw new InvalidFilterError(
        `expected a point id (a non-negative integer or a string of 1 to ${MAX_FILTER_ID_LENGTH} characters), got ${describe(id)}`,
        `${path}[${i}]`,
      );
    }
    return id as FilterPointId;
  });
}
