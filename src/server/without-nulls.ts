/**
 * Qdrant's clients send optional fields as `null` (`with_payload: null`, `using: null`,
 * `filter: null`) where Qdrant takes null as absent. So the server drops `null` properties
 * of request bodies before validation, at any depth, except where a null is data: inside
 * payloads (`payload`, `payloads`), vectors (`vector`, `vectors`) and filters (`filter`,
 * whose parser judges them).
 */
const KEPT = new Set(['payload', 'payloads', 'vector', 'vectors', 'filter']);

export function withoutNulls(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(withoutNulls);
  if (typeof body !== 'object' || body === null) return body;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (value === null) continue;
    out[key] = KEPT.has(key) ? value : withoutNulls(value);
  }
  return out;
}
