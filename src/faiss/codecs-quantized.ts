/**
 * FAISS file forms of the quantized indexes (field order of FAISS 1.7.3's
 * `index_write.cpp`, which every later FAISS reads):
 * - IxPq (IndexPQ): header, ProductQuantizer (d, M, nbits as size_t; centroids f32[]),
 *   codes u8[], search_type int32, encode_signs u8, polysemous_ht int32.
 * - IxSQ (IndexScalarQuantizer): header, ScalarQuantizer (qtype int32, rangestat int32,
 *   rangestat_arg f32, d and code_size size_t, trained f32[]), codes u8[].
 * - IxHe (IndexLSH): header, nbits int32, rotate_data u8, train_thresholds u8,
 *   thresholds f32[], code_size int32, the rotation as a VectorTransform ('rrot', have_bias
 *   u8, A f32[], b f32[], d_in int32, d_out int32, is_trained u8), codes u8[].
 */
import type { ByteReader, ByteWriter } from './binary-io.js';
import type { IndexCodec } from './codecs-basic.js';
import { expectEqual, readHeader, writeHeader } from './file-header.js';
import { IndexLSH } from './lsh.js';
import { IndexPQ } from './pq.js';
import type { ProductQuantizer } from './product-quantizer.js';
import { IndexScalarQuantizer, QT_8bit } from './scalar-quantizer.js';

export interface PqFields {
  d: number;
  M: number;
  nbits: number;
  centroids: Float32Array;
}

export function readPq(r: ByteReader): PqFields {
  const d = r.size('PQ d', 1 << 20);
  const M = r.size('PQ M', 1 << 20);
  const nbits = r.size('PQ nbits', 64);
  if (nbits !== 8) throw r.corrupt(`PQ with ${nbits}-bit codes is not supported (Quiver reads 8-bit PQ)`);
  if (M < 1 || d % M !== 0) throw r.corrupt(`PQ M = ${M} does not divide d = ${d}`);
  return { d, M, nbits, centroids: r.vecF32('PQ centroids') };
}

export function writePq(w: ByteWriter, pq: ProductQuantizer): void {
  w.size(pq.d);
  w.size(pq.M);
  w.size(pq.nbits);
  w.vec(pq.centroids);
}

export const pqCodec: IndexCodec = {
  fourccs: ['IxPq'],
  read(r) {
    const h = readHeader(r);
    const pq = readPq(r);
    expectEqual(r, 'PQ dimension', pq.d, h.d);
    const codes = r.vecU8('PQ codes');
    r.i32('search_type');
    r.u8('encode_signs');
    r.i32('polysemous_ht');
    expectEqual(r, 'PQ code bytes', codes.length, h.ntotal * pq.M);
    const index = new IndexPQ(h.d, pq.M, 8, h.metricType);
    if (pq.centroids.length > 0) index.pq.setCentroids(pq.centroids);
    index.setCodes(codes);
    return index;
  },
  writes: (index) => index instanceof IndexPQ,
  write(w, index) {
    const pq = index as IndexPQ;
    w.fourcc('IxPq');
    writeHeader(w, pq);
    writePq(w, pq.pq);
    w.vec(pq.codes());
    w.i32(0); // ST_PQ
    w.u8(0);
    w.i32(pq.pq.M * 8 + 1); // FAISS's default polysemous_ht (nbits·M + 1)
  },
};

export const sqCodec: IndexCodec = {
  fourccs: ['IxSQ'],
  read(r) {
    const h = readHeader(r);
    const qtype = r.i32('SQ qtype');
    r.i32('SQ rangestat');
    r.f32('SQ rangestat_arg');
    const d = r.size('SQ d', 1 << 20);
    const codeSize = r.size('SQ code_size', 1 << 22);
    const trained = r.vecF32('SQ trained');
    const codes = r.vecU8('SQ codes');
    if (qtype !== QT_8bit)
      throw r.corrupt(`scalar quantizer type ${qtype} is not supported (Quiver reads QT_8bit = 0)`);
    expectEqual(r, 'SQ dimension', d, h.d);
    expectEqual(r, 'SQ code size', codeSize, h.d);
    expectEqual(r, 'SQ code bytes', codes.length, h.ntotal * h.d);
    const index = new IndexScalarQuantizer(h.d, QT_8bit, h.metricType);
    if (trained.length > 0) index.setTrained(trained);
    index.setCodes(codes);
    return index;
  },
  writes: (index) => index instanceof IndexScalarQuantizer,
  write(w, index) {
    const sq = index as IndexScalarQuantizer;
    w.fourcc('IxSQ');
    writeHeader(w, sq);
    w.i32(QT_8bit);
    w.i32(0); // RS_minmax
    w.f32(0);
    w.size(sq.d);
    w.size(sq.codeSize);
    w.vec(sq.trained);
    w.vec(sq.codes());
  },
};

export const lshCodec: IndexCodec = {
  fourccs: ['IxHe'],
  read(r) {
    const h = readHeader(r);
    const nbits = r.i32('LSH nbits');
    const rotateData = r.bool('rotate_data');
    const trainThresholds = r.bool('train_thresholds');
    const thresholds = r.vecF32('LSH thresholds');
    const codeSize = r.i32('LSH code_size');
    const vt = r.fourcc('rotation fourcc');
    if (vt !== 'rrot') throw r.corrupt(`IndexLSH's rotation must be 'rrot', got '${vt}'`);
    const haveBias = r.bool('have_bias');
    const A = r.vecF32('rotation A');
    const b = r.vecF32('rotation b');
    const dIn = r.i32('d_in');
    const dOut = r.i32('d_out');
    r.bool('is_trained');
    const codes = r.vecU8('LSH codes');
    if (nbits < 1 || nbits > 1 << 16) throw r.corrupt(`LSH nbits ${nbits} is out of range`);
    expectEqual(r, 'LSH code size', codeSize, (nbits + 7) >> 3);
    expectEqual(r, 'rotation d_in', dIn, h.d);
    expectEqual(r, 'rotation d_out', dOut, nbits);
    if (haveBias && b.some((v) => v !== 0)) throw r.corrupt('an LSH rotation with a bias is not supported');
    if (rotateData) expectEqual(r, 'rotation size', A.length, nbits * h.d);
    expectEqual(r, 'LSH code bytes', codes.length, h.ntotal * codeSize);
    if (!rotateData && nbits > h.d) throw r.corrupt(`LSH without rotation has nbits ${nbits} > d ${h.d}`);
    const index = new IndexLSH(h.d, nbits, rotateData, trainThresholds);
    index.setState({ rotation: A, thresholds });
    index.setCodes(codes);
    return index;
  },
  writes: (index) => index instanceof IndexLSH,
  write(w, index) {
    const lsh = index as IndexLSH;
    w.fourcc('IxHe');
    writeHeader(w, lsh);
    w.i32(lsh.nbits);
    w.bool(lsh.rotateData);
    w.bool(lsh.trainThresholds);
    w.vec(lsh.thresholds);
    w.i32(lsh.codeSize);
    w.fourcc('rrot');
    w.bool(false);
    w.vec(lsh.rotation);
    w.vec(new Float32Array(0));
    w.i32(lsh.d);
    w.i32(lsh.nbits);
    w.bool(lsh.rotateData);
    w.vec(lsh.codes());
  },
};
