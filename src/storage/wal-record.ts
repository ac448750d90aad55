/**
 * Encoding of the bodies of WAL rows (docs/format.md, "WAL records"). The catalog stores
 * them as BLOBs; SQLite guards their integrity, so they carry no checksum of their own.
 *
 * Upsert: u32 JSON length L | L bytes UTF-8 JSON `{ "ids": [...], "payloads": [...] }` |
 *         zero padding to a multiple of 4 | ids.length × dimension f32 vectors.
 * Delete: UTF-8 JSON `{ "ids": [...] }`.
 */
import { CorruptDataError } from '../errors.js';
import { alignUp, bytesOf, copyFloat32, fromUtf8, utf8 } from './binary.js';

export const WalKind = { UPSERT: 1, DELETE: 2 } as const;

export interface UpsertRecord {
  ids: (string | number)[];
  payloads: (Record<string, unknown> | null)[];
  vectors: Float32Array;
}

export interface DeleteRecord {
  ids: (string | number)[];
}

export function encodeUpsert(record: UpsertRecord): Uint8Array {
  const json = utf8(JSON.stringify({ ids: record.ids, payloads: record.payloads }));
  const vecAt = alignUp(4 + json.length, 4);
  const out = new Uint8Array(vecAt + record.vectors.byteLength);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  out.set(bytesOf(record.vectors), vecAt);
  return out;
}

export function decodeUpsert(body: Uint8Array, where: string): UpsertRecord {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const length = view.getUint32(0, true);
  const vecAt = alignUp(4 + length, 4);
  if (vecAt > body.length || (body.length - vecAt) % 4 !== 0)
    throw new CorruptDataError(where, 'truncated upsert record');
  const { ids, payloads } = JSON.parse(fromUtf8(body.subarray(4, 4 + length)));
  return { ids, payloads, vectors: copyFloat32(body, vecAt, body.length - vecAt) };
}

export function encodeDelete(record: DeleteRecord): Uint8Array {
  return utf8(JSON.stringify({ ids: record.ids }));
}

export function decodeDelete(body: Uint8Array): DeleteRecord {
  return JSON.parse(fromUtf8(body));
}
