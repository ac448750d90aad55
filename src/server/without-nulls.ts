/**
 * Qdrant's clients send optional fields as `null` (`with_payload: null`, `using: null`,
 * `filter: null`) where Qdrant takes null as absent. So the server drops `null` properties
 * of request bodies before validation, at any depth, except where a null is data: inside
 * payloads (`payload`, `payloads`), vectors (`vector`, `vectors`) and filters (`filter`,
 * whose parser judges them).
 */
const KEPT = new Set(['payload', 'payloads', 'vector', 'vectors', 'filter']);

/**
 * Levels below which nothing is changed: no request schema nests deeper, so a body that does
 * is refused by its schema either way, and a hostile body (thousands of `[`) costs no stack.
 */
export const MAX_DEPTH = 64;

export function withoutNulls(body: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return body;
  if (Array.isArray(body)) return body.map((v) => withoutNulls(v, depth + 1));
  if (typeof body !== 'object' || body === null) return body;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (value === null) continue;
    out[key] = KEPT.has(key) ? value : withoutNulls(value, depth + 1);
  }
  return out;
}
