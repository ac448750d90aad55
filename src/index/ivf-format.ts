/**
 * The serialized body of an IVF index (little-endian; spec in docs/format.md, "IVF"):
 *
 *     u32 version (1) · u32 coding (0 Flat, 1 SQ8, 2 PQ) · u32 dimension · u32 distance
 *     u32 nlist · u32 m (PQ, else 0) · u32 count · u32 default nprobe
 *     f32 centroids[nlist · dimension]
 *     u32 list sizes[nlist]
 *     u32 ids[count]                 row offsets in list order
 *     codec                          SQ8 params (8·dimension bytes) or PQ codebooks
 *                                    (`PqCodec.serialize`); nothing for Flat
 *     u8 codes[count · code bytes]   SQ8 / PQ only; Flat lists are rebuilt from the store
 *
 * Invariant: `readIvfBody(writeIvfBody(b))` equals `b`; `readIvfBody` checks every length,
 * count and range it can without the codec (the ids' permutation is checked when the lists
 * load) and throws an Error saying what is wrong.
 */
import { DistanceKind } from '../kernels/kernels.js';
import type { IvfCoding } from './factory-grammar.js';
import { codecLength } from './ivf-coding.js';

export const IVF_FORMAT_VERSION = 1;
const HEADER_WORDS = 8;
const MAX_NLIST = 1 << 20;

export interface IvfBody {
  coding: IvfCoding;
  dimension: number;
  distance: DistanceKind;
  nlist: number;
  count: number;
  defaultNprobe: number;
  centroids: Float32Array;
  sizes: Uint32Array;
  ids: Uint32Array;
  codec: Uint8Array;
  /** Codes in list order (SQ8, PQ); undefined for Flat. */
  codes: Uint8Array | undefined;
}

const CODINGS = ['flat', 'sq8', 'pq'] as const;

/** Bytes per row of the codes section: 0 for Flat (not stored). */
function storedCodeBytes(coding: IvfCoding, dimension: number): number {
  if (coding.type === 'flat') return 0;
  return coding.type === 'sq8' ? dimension : coding.m;
}

/** Bytes of a body with these shape fields. */
function bodyLength(coding: IvfCoding, dimension: number, nlist: number, count: number): number {
  const lists = nlist * (dimension + 1) * 4 + count * 4;
  return (
    HEADER_WORDS * 4 + lists + codecLength(coding, dimension) + count * storedCodeBytes(coding, dimension)
  );
}

export function writeIvfBody(b: IvfBody): Uint8Array {
  const out = new Uint8Array(bodyLength(b.coding, b.dimension, b.nlist, b.count));
  const view = new DataView(out.buffer);
  const header = [
    IVF_FORMAT_VERSION,
    CODINGS.indexOf(b.coding.type),
    b.dimension,
    b.distance,
    b.nlist,
    b.coding.type === 'pq' ? b.coding.m : 0,
    b.count,
    b.defaultNprobe,
  ];
  let at = 0;
  for (const v of header) {
    view.setUint32(at, v, true);
    at += 4;
  }
  for (const v of b.centroids) {
    view.setFloat32(at, v, true);
    at += 4;
  }
  for (const list of [b.sizes, b.ids]) {
    for (const v of list) {
      view.setUint32(at, v, true);
      at += 4;
    }
  }
  out.set(b.codec, at);
  at += b.codec.length;
  if (b.codes) out.set(b.codes, at);
  return out;
}

/** The body's fields. @throws Error naming the first thing that is wrong. */
export function readIvfBody(bytes: Uint8Array): IvfBody {
  if (bytes.length < HEADER_WORDS * 4)
    throw new Error(`ivf: body of ${bytes.length} bytes is shorter than its header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const word = (i: number) => view.getUint32(i * 4, true);
  const [version, codingNumber, dimension, distance, nlist, m, count, defaultNprobe] = Array.from(
    { length: HEADER_WORDS },
    (_, i) => word(i),
  );
  if (version !== IVF_FORMAT_VERSION) throw new Error(`ivf: unsupported body version ${version}`);
  if (codingNumber >= CODINGS.length) throw new Error(`ivf: unknown coding ${codingNumber}`);
  if (distance > 2 && distance !== DistanceKind.L1) throw new Error(`ivf: unknown distance kind ${distance}`);
  if (dimension < 1 || dimension > 1 << 16) throw new Error(`ivf: invalid dimension ${dimension}`);
  if (nlist < 1 || nlist > MAX_NLIST) throw new Error(`ivf: invalid nlist ${nlist}`);
  if (defaultNprobe < 1 || defaultNprobe > nlist)
    throw new Error(`ivf: default nprobe ${defaultNprobe} outside 1..${nlist}`);
  const type = CODINGS[codingNumber];
  if (type === 'pq' ? m < 1 || dimension % m !== 0 : m !== 0) {
    throw new Error(`ivf: m = ${m} does not fit coding ${type} of dimension ${dimension}`);
  }
  const coding: IvfCoding = type === 'pq' ? { type, m } : { type };
  const codecBytes = codecLength(coding, dimension);
  const codeBytes = storedCodeBytes(coding, dimension);
  const expected = bodyLength(coding, dimension, nlist, count);
  if (bytes.length !== expected) {
    throw new Error(
      `ivf: body of ${bytes.length} bytes, expected ${expected} for ${count} rows in ${nlist} lists`,
    );
  }
  let at = HEADER_WORDS * 4;
  const centroids = new Float32Array(nlist * dimension);
  for (let i = 0; i < centroids.length; i++, at += 4) {
    centroids[i] = view.getFloat32(at, true);
    if (!Number.isFinite(centroids[i])) throw new Error(`ivf: centroid value ${i} is not finite`);
  }
  const sizes = new Uint32Array(nlist);
  for (let i = 0; i < nlist; i++, at += 4) sizes[i] = view.getUint32(at, true);
  const ids = new Uint32Array(count);
  for (let i = 0; i < count; i++, at += 4) ids[i] = view.getUint32(at, true);
  const codec = bytes.slice(at, at + codecBytes);
  at += codecBytes;
  const codes = codeBytes === 0 ? undefined : bytes.slice(at, at + count * codeBytes);
  return {
    coding,
    dimension,
    distance: distance as DistanceKind,
    nlist,
    count,
    defaultNprobe,
    centroids,
    sizes,
    ids,
    codec,
    codes,
  };
}
