/**
 * `with_payload` and `with_vector` as Qdrant takes them, over the engine's booleans:
 * - `with_payload`: `true`/`false`, a list of payload keys to keep, or `{ include }` /
 *   `{ exclude }` (each a key or a list of keys). The engine returns whole payloads; the
 *   selection is applied to each returned point here. Keys are dotted paths
 *   (`meta.author`); a kept path keeps its parents' structure, an excluded one is removed
 *   wherever it resolves.
 * - `with_vector`: `true`/`false`, or a list of named vector fields to return.
 */
import type { Payload } from '../payload/filter.js';

export type WithPayload = boolean | string[] | { include?: string | string[]; exclude?: string | string[] };
export type WithVector = boolean | string[];

/** What the engine is asked for, and what is kept of its answer. */
export interface Projection {
  withPayload: boolean;
  withVector: boolean;
  /** Payload keys to keep (all when undefined). */
  include?: string[];
  /** Payload keys to drop. */
  exclude?: string[];
  /** Named vectors to keep (all when undefined). */
  vectors?: string[];
}

const list = (v: string | string[] | undefined) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

export function projection(
  withPayload: WithPayload | undefined,
  withVector: WithVector | undefined,
  payloadDefault: boolean,
): Projection {
  const out: Projection = { withPayload: payloadDefault, withVector: false };
  if (Array.isArray(withPayload)) {
    out.withPayload = true;
    out.include = withPayload;
  } else if (typeof withPayload === 'object' && withPayload !== null) {
    out.withPayload = true;
    out.include = list(withPayload.include);
    out.exclude = list(withPayload.exclude);
  } else if (typeof withPayload === 'boolean') {
    out.withPayload = withPayload;
  }
  if (Array.isArray(withVector)) {
    out.withVector = withVector.length > 0;
    out.vectors = withVector;
  } else if (withVector === true) {
    out.withVector = true;
  }
  return out;
}

/** The payload a point is returned with, after `include` and `exclude`. */
export function projectPayload(payload: Payload, p: Projection): Payload {
  let out = payload;
  if (p.include !== undefined) {
    out = {};
    for (const key of p.include) copyPath(payload, out, key.split('.'));
  }
  if (p.exclude !== undefined && p.exclude.length > 0) {
    out = structuredClone(out);
    for (const key of p.exclude) deletePath(out, key.split('.'));
  }
  return out;
}

/** The named vectors a point is returned with (those in `p.vectors`, when given). */
export function projectVectors<V>(vectors: Record<string, V>, p: Projection): Record<string, V> {
  if (p.vectors === undefined) return vectors;
  const out: Record<string, V> = {};
  for (const name of p.vectors) if (Object.hasOwn(vectors, name)) out[name] = vectors[name];
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function copyPath(from: Record<string, unknown>, to: Record<string, unknown>, path: string[]): void {
  const [head, ...rest] = path;
  if (!Object.hasOwn(from, head)) return;
  const value = from[head];
  if (rest.length === 0) {
    to[head] = value;
    return;
  }
  if (Array.isArray(value)) {
    // A path through an array keeps the key from each element that is an object.
    const kept = value.filter(isObject).map((element) => {
      const copy: Record<string, unknown> = {};
      copyPath(element, copy, rest);
      return copy;
    });
    to[head] = kept;
    return;
  }
  if (!isObject(value)) return;
  const child = isObject(to[head]) ? (to[head] as Record<string, unknown>) : {};
  copyPath(value, child, rest);
  if (Object.keys(child).length > 0) to[head] = child;
}

function deletePath(from: unknown, path: string[]): void {
  if (Array.isArray(from)) {
    for (const element of from) deletePath(element, path);
    return;
  }
  if (!isObject(from)) return;
  const [head, ...rest] = path;
  if (!Object.hasOwn(from, head)) return;
  if (rest.length === 0) delete from[head];
  else deletePath(from[head], rest);
}
