/**
 * Validation of the values inside filter conditions (match, range, values_count, geo shapes)
 * and the error-reporting helpers the filter parser shares (`filter-parser.ts`). Every
 * function returns a typed copy that shares nothing with its input, or throws an
 * `InvalidFilterError` whose `path` names the offending part.
 */
import { InvalidFilterError } from '../errors.js';
import { parseDatetime } from './datetime.js';
import type {
  DatetimeRange,
  GeoBoundingBox,
  GeoLineString,
  GeoPoint,
  GeoPolygon,
  GeoRadius,
  Match,
  MatchValue,
  Range,
  ValuesCount,
} from './filter-types.js';

const RANGE_BOUNDS = ['gt', 'gte', 'lt', 'lte'] as const;
const MATCH_FORMS = ['value', 'any', 'except', 'text', 'text_any', 'phrase'] as const;
const SCALAR = 'a string, a finite number or a boolean';
const SCALARS = 'strings, finite numbers or booleans';
const DATETIME_EXAMPLE = '2024-01-31T12:00:00Z';
/** A ring of a polygon may have at most this many points. */
export const MAX_RING_POINTS = 100_000;

/** `{ value }`, `{ any: [] }`, `{ except: [] }`, `{ text }`, `{ text_any }` or `{ phrase }`. */
export function parseMatch(input: unknown, path: string): Match {
  const object = expectObject(input, path, `one of ${MATCH_FORMS.map((form) => `{ ${form} }`).join(', ')}`);
  const names = Object.keys(object);
  for (const name of names) {
    if (!MATCH_FORMS.includes(name as never)) throw unknownProperty(name, path, MATCH_FORMS.join(', '));
  }
  if (names.length !== 1) {
    throw new InvalidFilterError(
      `expected exactly one of ${MATCH_FORMS.join(', ')}, got ${names.length === 0 ? 'none' : names.join(' and ')}`,
      path,
    );
  }
  const form = names[0] as (typeof MATCH_FORMS)[number];
  const inner = object[form];
  const innerPath = `${path}.${form}`;
  switch (form) {
    case 'value':
      return { value: parseMatchValue(inner, innerPath) };
    case 'any':
      return { any: parseMatchList(inner, innerPath) };
    case 'except':
      return { except: parseMatchList(inner, innerPath) };
    case 'text':
    case 'text_any':
    case 'phrase': {
      if (typeof inner !== 'string') {
        throw new InvalidFilterError(`expected a string to search for, got ${describe(inner)}`, innerPath);
      }
      return { [form]: inner } as Match;
    }
  }
}

/** A list of scalars; empty is allowed (as in Qdrant: `any: []` matches nothing). */
function parseMatchList(input: unknown, path: string): MatchValue[] {
  if (!Array.isArray(input))
    throw new InvalidFilterError(`expected an array of ${SCALARS}, got ${describe(input)}`, path);
  const list: MatchValue[] = [];
  for (let i = 0; i < input.length; i++) list.push(parseMatchValue(input[i], `${path}[${i}]`));
  return list;
}

function parseMatchValue(input: unknown, path: string): MatchValue {
  if (typeof input === 'string' || typeof input === 'boolean') return input;
  if (typeof input === 'number' && Number.isFinite(input)) return input;
  throw new InvalidFilterError(`expected ${SCALAR}, got ${describe(input)}`, path);
}

/**
 * Number bounds or date-time bounds, never both: the first bound given decides which, and a
 * later bound of the other kind is reported as the error. A null bound counts as absent
 * (Qdrant's clients send `"lt": null`).
 */
export function parseRange(input: unknown, path: string): Range | DatetimeRange {
  const object = expectObject(input, path, 'an object with at least one of gt, gte, lt, lte');
  const range: { gt?: number | string; gte?: number | string; lt?: number | string; lte?: number | string } =
    {};
  let kind: 'number' | 'string' | undefined;
  for (const name of Object.keys(object)) {
    const bound = RANGE_BOUNDS.find((known) => known === name);
    if (bound === undefined) throw unknownProperty(name, path, 'gt, gte, lt, lte');
    const value = object[name];
    if (value === null) continue;
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
  if (kind === undefined)
    throw new InvalidFilterError('expected at least one of gt, gte, lt, lte, got none', path);
  return range as Range | DatetimeRange;
}

/** Bounds on a number of values: non-negative integers (null counts as absent), at least one. */
export function parseValuesCount(input: unknown, path: string): ValuesCount {
  const object = expectObject(input, path, 'an object with at least one of gt, gte, lt, lte');
  const count: { gt?: number; gte?: number; lt?: number; lte?: number } = {};
  for (const name of Object.keys(object)) {
    const bound = RANGE_BOUNDS.find((known) => known === name);
    if (bound === undefined) throw unknownProperty(name, path, 'gt, gte, lt, lte');
    const value = object[name];
    if (value === null) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new InvalidFilterError(
        `expected a non-negative integer, got ${describe(value)}`,
        propertyPath(path, name),
      );
    }
    count[bound] = value;
  }
  if (Object.keys(count).length === 0) {
    throw new InvalidFilterError('expected at least one of gt, gte, lt, lte, got none', path);
  }
  return count;
}

/** `{ lon, lat }` in degrees: lon in [-180, 180], lat in [-90, 90]. */
export function parseGeoPoint(input: unknown, path: string): GeoPoint {
  const object = expectObject(input, path, 'a point { lon, lat } in degrees');
  for (const name of Object.keys(object)) {
    if (name !== 'lon' && name !== 'lat') throw unknownProperty(name, path, 'lon, lat');
  }
  const coordinate = (name: 'lon' | 'lat', limit: number): number => {
    const value = object[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < -limit || value > limit) {
      throw new InvalidFilterError(
        `expected a number of degrees in [-${limit}, ${limit}], got ${describe(value)}`,
        `${path}.${name}`,
      );
    }
    return value;
  };
  return { lon: coordinate('lon', 180), lat: coordinate('lat', 90) };
}

/** `{ center: { lon, lat }, radius }` with radius in metres, finite and ≥ 0. */
export function parseGeoRadius(input: unknown, path: string): GeoRadius {
  const object = expectKnown(input, path, ['center', 'radius'], 'a circle { center: { lon, lat }, radius }');
  const radius = object.radius;
  if (typeof radius !== 'number' || !Number.isFinite(radius) || radius < 0) {
    throw new InvalidFilterError(
      `expected a radius in metres, finite and ≥ 0, got ${describe(radius)}`,
      `${path}.radius`,
    );
  }
  return { center: parseGeoPoint(object.center, `${path}.center`), radius };
}

/** `{ top_left, bottom_right }` (a top edge below the bottom edge makes a box that holds nothing, as in Qdrant). */
export function parseGeoBoundingBox(input: unknown, path: string): GeoBoundingBox {
  const object = expectKnown(
    input,
    path,
    ['top_left', 'bottom_right'],
    'a box { top_left: { lon, lat }, bottom_right: { lon, lat } }',
  );
  const topLeft = parseGeoPoint(object.top_left, `${path}.top_left`);
  const bottomRight = parseGeoPoint(object.bottom_right, `${path}.bottom_right`);
  return { top_left: topLeft, bottom_right: bottomRight };
}

/** `{ exterior: { points }, interiors?: [{ points }] }`; each ring closed, of at least 4 points. */
export function parseGeoPolygon(input: unknown, path: string): GeoPolygon {
  const object = expectKnown(
    input,
    path,
    ['exterior', 'interiors'],
    'a polygon { exterior: { points }, interiors? }',
  );
  const exterior = parseRing(object.exterior, `${path}.exterior`);
  if (object.interiors === undefined || object.interiors === null) return { exterior };
  if (!Array.isArray(object.interiors)) {
    throw new InvalidFilterError(
      `expected an array of rings { points }, got ${describe(object.interiors)}`,
      `${path}.interiors`,
    );
  }
  const interiors = object.interiors.map((ring, i) => parseRing(ring, `${path}.interiors[${i}]`));
  return { exterior, interiors };
}

function parseRing(input: unknown, path: string): GeoLineString {
  const object = expectKnown(input, path, ['points'], 'a ring { points: [{ lon, lat }, …] }');
  const list = object.points;
  if (!Array.isArray(list) || list.length < 4 || list.length > MAX_RING_POINTS) {
    throw new InvalidFilterError(
      `expected an array of 4 to ${MAX_RING_POINTS} points { lon, lat }, the last equal to the first, got ${describe(list)}`,
      `${path}.points`,
    );
  }
  const points = list.map((point, i) => parseGeoPoint(point, `${path}.points[${i}]`));
  const first = points[0];
  const last = points[points.length - 1];
  if (first.lon !== last.lon || first.lat !== last.lat) {
    throw new InvalidFilterError(
      'expected a closed ring: the last point must equal the first',
      `${path}.points[${points.length - 1}]`,
    );
  }
  return { points };
}

/** A plain object whose properties are all among `allowed`. */
export function expectKnown(
  input: unknown,
  path: string,
  allowed: readonly string[],
  expected: string,
): Record<string, unknown> {
  const object = expectObject(input, path, expected);
  for (const name of Object.keys(object)) {
    if (!allowed.includes(name)) throw unknownProperty(name, path, allowed.join(', '));
  }
  return object;
}

/** Accepts plain objects only (prototype `Object.prototype` or null), as JSON produces. */
export function expectObject(input: unknown, path: string, expected: string): Record<string, unknown> {
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const prototype = Object.getPrototypeOf(input);
    if (prototype === Object.prototype || prototype === null) return input as Record<string, unknown>;
  }
  throw new InvalidFilterError(`expected ${expected}, got ${describe(input)}`, path);
}

export function unknownProperty(name: string, path: string, allowed: string): InvalidFilterError {
  return new InvalidFilterError(
    `unknown property ${JSON.stringify(name)}; expected only ${allowed}`,
    propertyPath(path, name),
  );
}

/** `filter.must` for identifier-like names, `filter["odd name"]` otherwise. */
export function propertyPath(path: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
}

/** A short description of a given value for error messages. */
export function describe(value: unknown): string {
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
