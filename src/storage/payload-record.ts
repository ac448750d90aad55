/**
 * Encoding of payload-update WAL rows (kind `WalKind.PAYLOAD`, docs/format.md "WAL record
 * bodies"): UTF-8 JSON naming the operation and the ids it applies to. One row holds one
 * call, so replaying the WAL re-applies a call whole or (when its row never committed) not at
 * all. Ids are resolved before logging (a filter is logged as the ids it matched), so replay
 * does not depend on what a filter would match at replay time.
 *
 * The row holds no vector bytes: a payload change never rewrites vectors.
 */
import { CorruptDataError } from '../errors.js';
import { fromUtf8, utf8 } from './binary.js';

/** What one payload-update call does to each selected point's payload. */
export type PayloadOperation =
  /** Merges `payload`'s keys into the payload (into the object at dotted path `key` when given). */
  | { op: 'set'; payload: Record<string, unknown>; key?: string }
  /** Replaces the whole payload by `payload`. */
  | { op: 'overwrite'; payload: Record<string, unknown> }
  /** Removes the given dotted paths. */
  | { op: 'delete_keys'; keys: string[] }
  /** Removes the whole payload. */
  | { op: 'clear' };

export interface PayloadRecord {
  ids: (string | number)[];
  operation: PayloadOperation;
}

export function encodePayloadRecord(record: PayloadRecord): Uint8Array {
  return utf8(JSON.stringify({ ids: record.ids, ...record.operation }));
}

/** Parses a payload-update row body (throws `CorruptDataError` naming `where` when malformed). */
export function decodePayloadRecord(body: Uint8Array, where: string): PayloadRecord {
  const fail = (reason: string): never => {
    throw new CorruptDataError(where, `payload record: ${reason}`);
  };
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(fromUtf8(body));
  } catch {
    return fail('not valid UTF-8 JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray(parsed.ids)) fail('lacks ids');
  const { ids, op, payload, key, keys } = parsed;
  const isObject = typeof payload === 'object' && payload !== null && !Array.isArray(payload);
  let operation: PayloadOperation;
  if (op === 'set' && isObject && (key === undefined || typeof key === 'string')) {
    operation = { op, payload: payload as Record<string, unknown> };
    if (key !== undefined) operation.key = key as string;
  } else if (op === 'overwrite' && isObject) {
    operation = { op, payload: payload as Record<string, unknown> };
  } else if (op === 'delete_keys' && Array.isArray(keys) && keys.every((k) => typeof k === 'string')) {
    operation = { op, keys: keys as string[] };
  } else if (op === 'clear') {
    operation = { op };
  } else {
    return fail(`unknown or malformed operation ${JSON.stringify(op)}`);
  }
  return { ids: ids as (string | number)[], operation };
}
