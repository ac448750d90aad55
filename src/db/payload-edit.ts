/**
 * What each payload operation does to one payload, and the validation of its arguments.
 *
 * Payloads are never changed in place: every operation returns a new object and copies only
 * the objects along the paths it changes, so a payload object that a segment, a WAL record or
 * a caller still holds never changes under it.
 *
 * Key paths are dotted paths of non-empty names (`meta.author`), as in filters and payload
 * indexes (payload/payload-path.ts):
 * - `set` with `key` merges into the object at that path, creating the objects along it; a
 *   value on the path that is not a plain object (a string, a number, an array, null) is
 *   replaced by a new object;
 * - `delete_keys` removes each path; where the walk meets an array it continues into every
 *   element (so `authors.name` removes `name` from every object of `authors`), like filters
 *   resolve paths; a missing path removes nothing.
 */
import { InvalidArgumentError } from '../errors.js';
import { isValidPayloadKey } from '../payload/payload-path.js';
import type { StoredPayload } from '../segment/segment-view.js';
import type { PayloadOperation } from '../storage/payload-record.js';
import { describe, toPayload } from './validate.js';

type JsonObject = Record<string, unknown>;

/** A payload key path, checked. */
export function checkKeyPath(key: unknown, where: string): string {
  if (typeof key !== 'string' || !isValidPayloadKey(key)) {
    throw new InvalidArgumentError(
      `${where}: expected a dotted path of non-empty names such as "meta.author", got ${describe(key)}`,
    );
  }
  return key;
}

/** The payload argument of set/overwrite: a plain object, copied JSON-clean. */
export function checkPayloadObject(payload: unknown, where: string): JsonObject {
  if (payload === null || payload === undefined) {
    throw new InvalidArgumentError(`${where}: expected a plain object, got ${describe(payload)}`);
  }
  return toPayload(payload, where) as JsonObject;
}

/** The keys argument of deletePayloadKeys: a non-empty array of key paths. */
export function checkKeyPaths(keys: unknown, where: string): string[] {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new InvalidArgumentError(
      `${where}: expected a non-empty array of payload keys, got ${describe(keys)}`,
    );
  }
  return keys.map((k, i) => checkKeyPath(k, `${where}[${i}]`));
}

/** The payload after `operation` (a new object; `payload` is left as it is). */
export function editPayload(payload: StoredPayload, operation: PayloadOperation): StoredPayload {
  switch (operation.op) {
    case 'set':
      return operation.key === undefined
        ? { ...payload, ...operation.payload }
        : mergeAt(payload ?? {}, operation.key.split('.'), 0, operation.payload);
    case 'overwrite':
      return { ...operation.payload };
    case 'delete_keys': {
      if (payload === null) return null;
      let out: unknown = payload;
      for (const key of operation.keys) out = without(out, key.split('.'), 0);
      return out as JsonObject;
    }
    case 'clear':
      return null;
  }
}

/** `node` with `values` merged into the object at `path[depth..]`, objects created as needed. */
function mergeAt(node: JsonObject, path: readonly string[], depth: number, values: JsonObject): JsonObject {
  if (depth === path.length) return { ...node, ...values };
  const child = Object.hasOwn(node, path[depth]) ? node[path[depth]] : undefined;
  const inner = isPlainObject(child) ? child : {};
  return { ...node, [path[depth]]: mergeAt(inner, path, depth + 1, values) };
}

/** `node` without `path[depth..]` (the same object when nothing is removed). */
function without(node: unknown, path: readonly string[], depth: number): unknown {
  if (Array.isArray(node)) {
    let changed = false;
    const out = node.map((element) => {
      const next = without(element, path, depth);
      if (next !== element) changed = true;
      return next;
    });
    return changed ? out : node;
  }
  if (!isPlainObject(node) || !Object.hasOwn(node, path[depth])) return node;
  const name = path[depth];
  if (depth === path.length - 1) {
    const { [name]: _removed, ...rest } = node;
    return rest;
  }
  const next = without(node[name], path, depth + 1);
  return next === node[name] ? node : { ...node, [name]: next };
}

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
