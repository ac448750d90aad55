/**
 * FAISS file forms of the IVF indexes:
 * - the IVF header: index header, nlist and nprobe (size_t), the quantizer (a nested IxF2 /
 *   IxFI), the direct map (type u8, int64[], and for type 2 a vector of int64 pairs);
 * - IwFl (IndexIVFFlat): IVF header, inverted lists;
 * - IwPQ (IndexIVFPQ): IVF header, by_residual u8, code_size size_t, ProductQuantizer,
 *   inverted lists;
 * - inverted lists 'ilar': nlist and code_size (size_t), the sizes as 'full' (nlist size_t)
 *   or 'sprs' (pairs list, size), then each non-empty list's codes then its int64 ids;
 * - legacy IvFl (read only): the ids of every list inside the IVF header (before the direct
 *   map), then every list's vectors as f32[].
 * The direct map is not kept (Quiver's `reconstruct` scans the lists); Quiver writes none.
 */
import type { ByteReader, ByteWriter } from './binary-io.js';
import type { IndexCodec, ReadNested, WriteNested } from './codecs-basic.js';
import { readPq, writePq } from './codecs-quantized.js';
import { UnsupportedIndexFileError } from './errors.js';
import type { Index } from './faiss-index.js';
import { expectEqual, type IndexHeader, readHeader, writeHeader } from './file-header.js';
import { IndexFlat } from './flat.js';
import { type IndexIVF, IndexIVFFlat } from './ivf.js';
import { IndexIVFPQ } from './ivf-pq.js';

interface IvfHeader extends IndexHeader {
  nlist: number;
  nprobe: number;
  quantizer: IndexFlat;
  legacyIds?: BigInt64Array[];
}

function readIvfHeader(r: ByteReader, nested: ReadNested, legacy: boolean): IvfHeader {
  const h = readHeader(r);
  const nlist = r.size('nlist', 1 << 26);
  const nprobe = r.size('nprobe', 1 << 26);
  const quantizer = nested(r);
  try {
    if (!(quantizer instanceof IndexFlat))
      throw r.corrupt(`the IVF quantizer must be a flat index, got ${quantizer.className}`);
    expectEqual(r, 'quantizer dimension', quantizer.d, h.d);
    if (nlist < 1) throw r.corrupt('nlist is 0');
    if (quantizer.ntotal !== 0 && quantizer.ntotal !== nlist)
      throw r.corrupt(`the quantizer holds ${quantizer.ntotal} centroids, nlist is ${nlist}`);
    const legacyIds = legacy ? Array.from({ length: nlist }, () => r.vecI64('list ids')) : undefined;
    const mapType = r.u8('direct map type');
    r.vecI64('direct map');
    if (mapType === 2) {
      const pairs = r.size('direct map hashtable length');
      r.take(pairs * 16, 'direct map hashtable');
    } else if (mapType > 2) throw r.corrupt(`direct map type ${mapType} is unknown`);
    return { ...h, nlist, nprobe, quantizer, legacyIds };
  } catch (error) {
    quantizer.dispose();
    throw error;
  }
}

function writeIvfHeader(w: ByteWriter, ivf: IndexIVF, nested: WriteNested): void {
  writeHeader(w, ivf);
  w.size(ivf.nlist);
  w.size(ivf.nprobe);
  nested(w, ivf.quantizer);
  w.u8(0);
  w.size(0);
}

function readInvertedLists(r: ByteReader, ivf: IndexIVF): void {
  const h = r.fourcc('inverted lists fourcc');
  if (h === 'il00') throw r.corrupt('the file holds no inverted lists (written without them)');
  if (h !== 'ilar') throw new UnsupportedIndexFileError(r.file, h, ['ilar']);
  const nlist = r.size('invlists nlist', 1 << 26);
  const codeSize = r.size('invlists code_size', 1 << 24);
  expectEqual(r, 'invlists nlist', nlist, ivf.nlist);
  expectEqual(r, 'invlists code_size', codeSize, ivf.codeSize);
  const type = r.fourcc('list type');
  const sizes = new Array<number>(nlist).fill(0);
  if (type === 'full') {
    const s = r.vecSize('list sizes');
    expectEqual(r, 'list sizes', s.length, nlist);
    s.forEach((v, i) => {
      sizes[i] = v;
    });
  } else if (type === 'sprs') {
    const s = r.vecSize('sparse list sizes');
    if (s.length % 2 !== 0) throw r.corrupt('sparse list sizes are not pairs');
    for (let j = 0; j < s.length; j += 2) {
      if (s[j] >= nlist) throw r.corrupt(`sparse list number ${s[j]} is beyond nlist ${nlist}`);
      sizes[s[j]] = s[j + 1];
    }
  } else throw r.corrupt(`list type '${type}' is unknown`);
  for (let l = 0; l < nlist; l++) {
    const n = sizes[l];
    if (n === 0) continue;
    if (n * (codeSize + 8) > r.remaining) throw r.corrupt(`truncated: list ${l} of ${n} entries`);
    const codes = r.take(n * codeSize, 'list codes');
    const ids = new BigInt64Array(r.take(n * 8, 'list ids').buffer);
    ivf.appendToList(l, ids, codes);
  }
}

function writeInvertedLists(w: ByteWriter, ivf: IndexIVF): void {
  w.fourcc('ilar');
  w.size(ivf.nlist);
  w.size(ivf.codeSize);
  const lists = Array.from({ length: ivf.nlist }, (_, l) => ivf.list(l));
  const nonEmpty = lists.filter((l) => l.ids.length > 0).length;
  if (nonEmpty > ivf.nlist / 2) {
    w.fourcc('full');
    w.vecSize(lists.map((l) => l.ids.length));
  } else {
    w.fourcc('sprs');
    const pairs: number[] = [];
    lists.forEach((l, i) => {
      if (l.ids.length > 0) pairs.push(i, l.ids.length);
    });
    w.vecSize(pairs);
  }
  for (const l of lists) {
    if (l.ids.length === 0) continue;
    w.raw(l.codes);
    w.raw(new Uint8Array(l.ids.buffer, l.ids.byteOffset, l.ids.byteLength));
  }
}

/** Checks the lists against the header and sets nprobe (both formats). */
function finish(r: ByteReader, ivf: IndexIVF, h: IvfHeader): Index {
  expectEqual(r, 'IVF ntotal', ivf.ntotal, h.ntotal);
  ivf.nprobe = Math.max(1, h.nprobe);
  return ivf;
}

export const ivfFlatCodec: IndexCodec = {
  fourccs: ['IwFl', 'IvFl'],
  read(r, fourcc, nested) {
    const h = readIvfHeader(r, nested, fourcc === 'IvFl');
    const ivf = new IndexIVFFlat(h.quantizer, h.d, h.nlist, h.metricType);
    try {
      if (h.legacyIds) {
        for (let l = 0; l < h.nlist; l++) {
          const vectors = r.vecF32('legacy list vectors');
          ivf.appendToList(l, h.legacyIds[l], new Uint8Array(vectors.buffer));
        }
      } else readInvertedLists(r, ivf);
      return finish(r, ivf, h);
    } catch (error) {
      ivf.dispose();
      throw error;
    }
  },
  writes: (index) => index instanceof IndexIVFFlat,
  write(w, index, nested) {
    w.fourcc('IwFl');
    writeIvfHeader(w, index as IndexIVF, nested);
    writeInvertedLists(w, index as IndexIVF);
  },
};

export const ivfPqCodec: IndexCodec = {
  fourccs: ['IwPQ'],
  read(r, _fourcc, nested) {
    const h = readIvfHeader(r, nested, false);
    let ivf: IndexIVFPQ | undefined;
    try {
      const byResidual = r.bool('by_residual');
      const codeSize = r.size('code_size', 1 << 20);
      const pq = readPq(r);
      expectEqual(r, 'PQ dimension', pq.d, h.d);
      expectEqual(r, 'IVFPQ code size', codeSize, pq.M);
      ivf = new IndexIVFPQ(h.quantizer, h.d, h.nlist, pq.M, 8, h.metricType);
      ivf.byResidual = byResidual;
      if (pq.centroids.length > 0) ivf.pq.setCentroids(pq.centroids);
      readInvertedLists(r, ivf);
      return finish(r, ivf, h);
    } catch (error) {
      if (ivf) ivf.dispose();
      else h.quantizer.dispose();
      throw error;
    }
  },
  writes: (index) => index instanceof IndexIVFPQ,
  write(w, index, nested) {
    const ivf = index as IndexIVFPQ;
    w.fourcc('IwPQ');
    writeIvfHeader(w, ivf, nested);
    w.bool(ivf.byResidual);
    w.size(ivf.codeSize);
    writePq(w, ivf.pq);
    writeInvertedLists(w, ivf);
  },
};
