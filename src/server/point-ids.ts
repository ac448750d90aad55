/**
 * Point ids as Qdrant's REST API takes them: unsigned integers, or UUIDs in any of the forms
 * Qdrant parses (hyphenated, the 32-hex "simple" form, upper or lower case, in braces or as
 * a `urn:uuid:` URN), canonicalized to the lower-case hyphenated form, so one UUID written
 * two ways is one point. As a Quiver extension, any other string (1–256 characters) is an id
 * as it is: `quiverdb/client` keeps the embedded engine's arbitrary string ids.
 *
 * The same rule applies wherever an id is read: points of an upsert, ids to retrieve or
 * delete, a scroll's `offset`, recommend examples, a query by id, the `has_id` condition of
 * a filter (at any depth, `nested` filters included), and the id in a `GET …/points/{id}` path.
 */
import type { PointId } from '../db/types.js';

const HYPHENATED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SIMPLE = /^[0-9a-f]{32}$/i;

/** The canonical form of an id: a UUID in any accepted form becomes lower-case hyphenated; anything else is unchanged. */
export function canonicalId<T>(id: T): T | string {
  if (typeof id !== 'string' || id.length < 32 || id.length > 45) return id;
  let text: string = id;
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1);
  else if (/^urn:uuid:/i.test(text)) text = text.slice(9);
  if (HYPHENATED.test(text)) return text.toLowerCase();
  if (SIMPLE.test(text)) {
    const h = text.toLowerCase();
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  return id;
}

/** Each id of a list canonicalized (values that are not ids pass through, for the engine to refuse). */
export function canonicalIds<T>(ids: readonly T[]): (T | string)[] {
  return ids.map(canonicalId);
}

/**
 * The id in a URL path: digits are an unsigned integer (as in Qdrant, so `/points/7` is
 * point 7, never the string `'7'`), a UUID is canonicalized, and any other text is a string id.
 */
export function pathId(text: string): PointId {
  if (/^\d{1,16}$/.test(text)) {
    const n = Number(text);
    if (Number.isSafeInteger(n)) return n;
  }
  return canonicalId(text);
}

/**
 * A copy of a filter with the ids of every `has_id` condition canonicalized, at any depth
 * (groups, `nested` filters) up to 64 levels: deeper than the engine's filter parser accepts,
 * which refuses what lies below as it is. Anything that is not a plain object or array is
 * returned as it is, for the parser to judge.
 */
export function canonicalFilter(filter: unknown, depth = 0): unknown {
  if (depth > 64) return filter;
  if (Array.isArray(filter)) return filter.map((f) => canonicalFilter(f, depth + 1));
  if (typeof filter !== 'object' || filter === null) return filter;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filter)) {
    out[key] =
      key === 'has_id' && Array.isArray(value) ? canonicalIds(value) : canonicalFilter(value, depth + 1);
  }
  return out;
}
