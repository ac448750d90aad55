/**
 * UUID strings in payloads and filters: the canonical form that a `uuid` payload index
 * stores and that matches on a uuid-indexed key compare, so that the same UUID written in
 * upper case, without hyphens, in braces or as a URN is one value.
 *
 * Accepted (case-insensitive): `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, the same 32 hex
 * digits without hyphens, `{…hyphenated…}` and `urn:uuid:…hyphenated…` — the forms Rust's
 * `uuid` crate (Qdrant's) parses. The canonical form is lower-case and hyphenated.
 */

const HYPHENATED = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i;
const SIMPLE = /^([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/i;

/**
 * The canonical form of a UUID string, or undefined when `text` is not a UUID.
 * @example
 * canonicalUuid('{550E8400-E29B-41D4-A716-446655440000}'); // '550e8400-e29b-41d4-a716-446655440000'
 * canonicalUuid('not-a-uuid'); // undefined
 */
export function canonicalUuid(text: string): string | undefined {
  let body = text;
  if (body.length === 38 && body.startsWith('{') && body.endsWith('}')) body = body.slice(1, -1);
  else if (body.length === 45 && body.slice(0, 9).toLowerCase() === 'urn:uuid:') body = body.slice(9);
  const parts = (body.length === 36 ? HYPHENATED : SIMPLE).exec(body);
  return parts === null ? undefined : parts.slice(1).join('-').toLowerCase();
}

/** A payload value as a uuid-indexed key compares it: a UUID string canonical, anything else as it is. */
export function uuidComparable(value: unknown): unknown {
  return typeof value === 'string' ? (canonicalUuid(value) ?? value) : value;
}
