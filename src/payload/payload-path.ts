/**
 * Dotted-path resolution into payloads: the one place that decides which values a key such
 * as `meta.author.name` refers to, so that filter evaluation and payload indexes agree.
 *
 * A payload is JSON-like data (plain objects, arrays, strings, numbers, booleans, null).
 * Resolving a key yields zero or more values, by these rules:
 * - A key is split on `.` into segments, each non-empty. There is no escaping: a property
 *   whose own name contains a dot cannot be addressed.
 * - An array is never a value itself. Wherever the walk meets an array — along the path or
 *   at its end — it continues with every element, recursively for arrays of arrays. So
 *   `tags` on `{ tags: ['a', 'b'] }` resolves to `'a'` and `'b'`, `authors.name` on
 *   `{ authors: [{ name: 'x' }, { name: 'y' }] }` resolves to `'x'` and `'y'`, and
 *   `tags` on `{ tags: [] }` resolves to nothing (Qdrant's semantics).
 * - Only own properties count: `constructor` or `__proto__` never resolve to members of
 *   `Object.prototype`.
 * - A segment applied to a string, number, boolean or null, a missing property, and a
 *   property (or array element) holding `undefined` all resolve to nothing.
 * - `null` is a value: `a` on `{ a: null }` resolves to `null`. What null means is up to the
 *   caller (a filter's `exists` does not count it).
 */
import { InvalidArgumentError } from '../errors.js';

/** A validated key, split once so that evaluation over many payloads does no string work. */
export interface PayloadPath {
  /** The dotted key as given, e.g. `meta.author.name`. */
  readonly key: string;
  /** `key` split on `.`; never empty, and no segment is empty. */
  readonly segments: readonly string[];
  /**
   * `checkOwn[i]` is true when `segments[i]` names a property reachable through
   * `Object.prototype` (`constructor`, `__proto__`, `toString`, …). Only those reads pay for
   * an ownership check; for every other name a plain read cannot see an inherited value.
   */
  readonly checkOwn: readonly boolean[];
}

/**
 * `key` without `[]` array steps (Qdrant's syntax: `diet[].food`, `tags[]`), which say what
 * resolution does anyway (arrays are always expanded): the one spelling under which filters,
 * payload indexes and declarations meet.
 * @example
 * normalizePayloadKey('country.cities[].population'); // 'country.cities.population'
 */
export function normalizePayloadKey(key: string): string {
  return key.replace(/\[\](?=\.|$)/g, '');
}

/** True when `key` is a dotted path of one or more non-empty segments (`a`, `meta.author`). */
export function isValidPayloadKey(key: string): boolean {
  return key.length > 0 && !key.startsWith('.') && !key.endsWith('.') && !key.includes('..');
}

/**
 * Splits a dotted key into a {@link PayloadPath}, `[]` array steps dropped
 * ({@link normalizePayloadKey}).
 * @throws InvalidArgumentError if the key is empty or has an empty segment.
 * @example
 * const path = compilePayloadPath('meta.author');
 * payloadValues({ meta: [{ author: 'ann' }, { author: 'bob' }] }, path); // ['ann', 'bob']
 */
export function compilePayloadPath(given: string): PayloadPath {
  const key = normalizePayloadKey(given);
  if (!isValidPayloadKey(key)) {
    throw new InvalidArgumentError(
      `payload key: expected a dotted path of non-empty names such as "meta.author", got ${JSON.stringify(given)}`,
    );
  }
  const segments = key.split('.');
  return { key, segments, checkOwn: segments.map((segment) => segment in Object.prototype) };
}

/**
 * True when at least one value that `path` resolves to in `payload` passes `test`. Stops at
 * the first such value; `test` never sees an array or `undefined`. An undefined payload
 * resolves to nothing.
 */
export function somePayloadValue(
  payload: unknown,
  path: PayloadPath,
  test: (value: unknown) => boolean,
): boolean {
  return someFrom(payload, path, 0, test);
}

/**
 * Every value `path` resolves to in `payload`, in document order (array elements in order).
 * @example
 * payloadValues({ tags: ['a', ['b', null]] }, compilePayloadPath('tags')); // ['a', 'b', null]
 */
export function payloadValues(payload: unknown, path: PayloadPath): unknown[] {
  const values: unknown[] = [];
  someFrom(payload, path, 0, (value) => {
    values.push(value);
    return false;
  });
  return values;
}

/** Walks `node`, which the first `depth` segments of `path` led to. */
function someFrom(
  node: unknown,
  path: PayloadPath,
  depth: number,
  test: (value: unknown) => boolean,
): boolean {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      if (someFrom(node[i], path, depth, test)) return true;
    }
    return false;
  }
  if (node === undefined) return false;
  if (depth === path.segments.length) return test(node);
  if (typeof node !== 'object' || node === null) return false;
  const segment = path.segments[depth];
  const child = (node as Record<string, unknown>)[segment];
  if (child === undefined || (path.checkOwn[depth] && !Object.hasOwn(node, segment))) return false;
  return someFrom(child, path, depth + 1, test);
}

/**
 * True when at least one LEAF that `path` resolves to in `payload` passes `test`: arrays
 * along the path are expanded as {@link somePayloadValue} does, but the value at the end of
 * the path is passed as it is, an array included (`{ tags: [] }` has the leaf `[]`, and
 * `{ tags: ['a'] }` the leaf `['a']`). What is_empty, is_null, values_count and nested
 * conditions count, as Qdrant does. Stops at the first leaf that passes.
 * @example
 * someLeafValue({ a: [{ b: [1, 2] }, { b: null }] }, compilePayloadPath('a.b'), (leaf) => leaf === null); // true
 */
export function someLeafValue(
  payload: unknown,
  path: PayloadPath,
  test: (leaf: unknown) => boolean,
): boolean {
  return someLeafFrom(payload, path, 0, test);
}

function someLeafFrom(
  node: unknown,
  path: PayloadPath,
  depth: number,
  test: (leaf: unknown) => boolean,
): boolean {
  if (node === undefined) return false;
  if (depth === path.segments.length) return test(node);
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      if (someLeafFrom(node[i], path, depth, test)) return true;
    }
    return false;
  }
  if (typeof node !== 'object' || node === null) return false;
  const segment = path.segments[depth];
  const child = (node as Record<string, unknown>)[segment];
  if (child === undefined || (path.checkOwn[depth] && !Object.hasOwn(node, segment))) return false;
  return someLeafFrom(child, path, depth + 1, test);
}
