/**
 * Encoding of the bodies of WAL rows (docs/format.md, "WAL records"). The catalog stores
 * them as BLOBs; SQLite guards their integrity, so they carry no checksum of their own.
 *
 * Upsert: u32 JSON length L | L bytes UTF-8 JSON `{ "ids": [...], "payloads": [...] }` |
 *         zero padding to a multiple of 4 | ids.length × dimension f32 vectors.
 * Upsert with named vectors: the same layout, JSON `{ "ids", "payloads", "fields": [{ "name",
 *         "dimension", "present": "0110…" }] }` (one character per row), then for each field in
 *         order ids.length × dimension f32 (zeros where the row lacks the vector).
 * Delete: UTF-8 JSON `{ "ids": [...] }`.
 * Payload update: see payload-record.ts.
 */
import { CorruptDataError } from '../errors.js';
import { alignUp, bytesOf, copyFloat32, fromUtf8, utf8 } from './binary.js';

/** Row kinds; `PAYLOAD` rows are encoded by payload-record.ts. */
export const WalKind = { UPSERT: 1, DELETE: 2, UPSERT_FIELDS: 3, PAYLOAD: 4 } as const;

export interface UpsertRecord {
  ids: (string | number)[];
  payloads: (Record<string, unknown> | null)[];
  vectors: Float32Array;
}

/** One named vector field of an upsert: `vectors` holds every row (zeros where `present[i]` is false). */
export interface UpsertField {
  name: string;
  dimension: number;
  vectors: Float32Array;
  present: boolean[];
}

export interface UpsertFieldsRecord {
  ids: (string | number)[];
  payloads: (Record<string, unknown> | null)[];
  fields: UpsertField[];
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

export function encodeUpsertFields(record: UpsertFieldsRecord): Uint8Array {
  const fields = record.fields.map((f) => ({
    name: f.name,
    dimension: f.dimension,
    present: f.present.map((p) => (p ? '1' : '0')).join(''),
  }));
  const json = utf8(JSON.stringify({ ids: record.ids, payloads: record.payloads, fields }));
  const vecAt = alignUp(4 + json.length, 4);
  const total = record.fields.reduce((sum, f) => sum + f.vectors.byteLength, 0);
  const out = new Uint8Array(vecAt + total);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  let at = vecAt;
  for (const f of record.fields) {
    out.set(bytesOf(f.vectors), at);
    at += f.vectors.byteLength;
  }
  return out;
}

export function decodeUpsertFields(body: Uint8Array, where: string): UpsertFieldsRecord {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const length = view.getUint32(0, true);
  let at = alignUp(4 + length, 4);
  if (at > body.length) throw new CorruptDataError(where, 'truncated upsert record');
  const head = JSON.parse(fromUtf8(body.subarray(4, 4 + length)));
  const rows = head.ids.length;
  const fields: UpsertField[] = head.fields.map((f: { name: string; dimension: number; present: string }) => {
    const bytes = rows * f.dimension * 4;
    if (at + bytes > body.length || f.present.length !== rows) {
      throw new CorruptDataError(where, 'truncated upsert record');
    }
    const vectors = copyFloat32(body, at, bytes);
    at += bytes;
    return {
      name: f.name,
      dimension: f.dimension,
      vectors,
      present: Array.from(f.present, (c) => c === '1'),
    };
  });
  if (at !== body.length) throw new CorruptDataError(where, 'upsert record has trailing bytes');
  return { ids: head.ids, payloads: head.payloads, fields };
}

export function encodeDelete(record: DeleteRecord): Uint8Array {
  return utf8(JSON.stringify({ ids: record.ids }));
}

export function decodeDelete(body: Uint8Array): DeleteRecord {
  return JSON.parse(fromUtf8(body));
}
