/**
 * FAISS file forms of the flat, HNSW and id-map indexes:
 * - IxF2 / IxFI / IxFl (the latter for METRIC_L1): header, then the vectors as `WRITEXBVECTOR` (a size_t count of
 *   4-byte words, n·d, then the floats).
 * - IHNf: header, `write_HNSW` (assign_probas f64[], cum_nneighbor_per_level i32[],
 *   levels i32[], offsets size_t[], neighbors i32[], then entry_point, max_level,
 *   efConstruction, efSearch, upper_beam as int32), then the storage index (IxF2 / IxFI).
 * - IxMp / IxM2: header, the wrapped index, then id_map as int64[].
 */
import type { ByteReader, ByteWriter } from './binary-io.js';
import type { Index } from './faiss-index.js';
import { METRIC_INNER_PRODUCT, METRIC_L2 } from './faiss-index.js';
import { expectEqual, readHeader, writeHeader } from './file-header.js';
import { IndexFlat, IndexFlatIP, IndexFlatL2 } from './flat.js';
import { IndexHNSWFlat } from './hnsw.js';
import { IndexIDMap, IndexIDMap2 } from './id-map.js';

export type ReadNested = (r: ByteReader) => Index;
export type WriteNested = (w: ByteWriter, index: Index) => void;

/** How one family of index classes is read from and written to a FAISS file. */
export interface IndexCodec {
  /** The fourccs it reads (the first is the one it writes, unless `write` says otherwise). */
  fourccs: readonly string[];
  read(r: ByteReader, fourcc: string, nested: ReadNested): Index;
  writes(index: Index): boolean;
  write(w: ByteWriter, index: Index, nested: WriteNested): void;
}

function readFlatBody(r: ByteReader, fourcc: string): IndexFlat {
  const h = readHeader(r);
  if (fourcc === 'IxF2') expectEqual(r, 'IxF2 metric', h.metricType, METRIC_L2);
  if (fourcc === 'IxFI') expectEqual(r, 'IxFI metric', h.metricType, 0);
  const words = r.size('flat vector length');
  expectEqual(r, 'flat vector floats', words, h.ntotal * h.d);
  const floats = new Float32Array(r.take(words * 4, 'flat vectors').buffer);
  const index =
    fourcc === 'IxF2'
      ? new IndexFlatL2(h.d)
      : fourcc === 'IxFI'
        ? new IndexFlatIP(h.d)
        : new IndexFlat(h.d, h.metricType);
  if (floats.length > 0) index.add(floats);
  return index;
}

export const flatCodec: IndexCodec = {
  fourccs: ['IxF2', 'IxFI', 'IxFl'],
  read: (r, fourcc) => readFlatBody(r, fourcc),
  writes: (index) => index instanceof IndexFlat,
  write(w, index) {
    const flat = index as IndexFlat;
    w.fourcc(
      flat.metricType === METRIC_L2 ? 'IxF2' : flat.metricType === METRIC_INNER_PRODUCT ? 'IxFI' : 'IxFl',
    );
    writeHeader(w, flat);
    const rows = flat.vectors();
    w.size(rows.length);
    w.raw(new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength));
  },
};

export const hnswCodec: IndexCodec = {
  fourccs: ['IHNf'],
  read(r, _fourcc, nested) {
    const h = readHeader(r);
    const graph = {
      assignProbas: r.vecF64('assign_probas'),
      cumNeighborsPerLevel: r.vecI32('cum_nneighbor_per_level'),
      levels: r.vecI32('levels'),
      offsets: r.vecSize('offsets'),
      neighbors: r.vecI32('neighbors'),
      entryPoint: r.i32('entry_point'),
      maxLevel: r.i32('max_level'),
      efConstruction: r.i32('efConstruction'),
      efSearch: r.i32('efSearch'),
      upperBeam: r.i32('upper_beam'),
    };
    const storage = nested(r);
    try {
      if (!(storage instanceof IndexFlat))
        throw r.corrupt(`IHNf storage must be a flat index, got ${storage.className}`);
      expectEqual(r, 'HNSW storage dimension', storage.d, h.d);
      expectEqual(r, 'HNSW storage size', storage.ntotal, h.ntotal);
      expectEqual(r, 'HNSW levels', graph.levels.length, h.ntotal);
      return IndexHNSWFlat.fromFaissGraph(h.d, h.metricType, graph, storage.vectors());
    } finally {
      storage.dispose();
    }
  },
  writes: (index) => index instanceof IndexHNSWFlat,
  write(w, index) {
    const hnsw = index as IndexHNSWFlat;
    const g = hnsw.toFaissGraph();
    w.fourcc('IHNf');
    writeHeader(w, hnsw);
    w.vec(g.assignProbas);
    w.vec(g.cumNeighborsPerLevel);
    w.vec(g.levels);
    w.vecSize(g.offsets);
    w.vec(g.neighbors);
    for (const v of [g.entryPoint, g.maxLevel, g.efConstruction, g.efSearch, g.upperBeam]) w.i32(v);
    const storage = new IndexFlat(hnsw.d, hnsw.metricType);
    try {
      const rows = hnsw.vectors();
      if (rows.length > 0) storage.add(rows);
      flatCodec.write(w, storage, () => {});
    } finally {
      storage.dispose();
    }
  },
};

export const idMapCodec: IndexCodec = {
  fourccs: ['IxMp', 'IxM2'],
  read(r, fourcc, nested) {
    const h = readHeader(r);
    const inner = nested(r);
    let ids: BigInt64Array;
    try {
      ids = r.vecI64('id_map');
      expectEqual(r, 'id map dimension', inner.d, h.d);
      expectEqual(r, 'id map size', ids.length, inner.ntotal);
      expectEqual(r, 'id map ntotal', h.ntotal, inner.ntotal);
    } catch (error) {
      inner.dispose();
      throw error;
    }
    return fourcc === 'IxM2' ? new IndexIDMap2(inner, ids) : new IndexIDMap(inner, ids);
  },
  writes: (index) => index instanceof IndexIDMap,
  write(w, index, nested) {
    const map = index as IndexIDMap;
    w.fourcc(map instanceof IndexIDMap2 ? 'IxM2' : 'IxMp');
    writeHeader(w, map);
    nested(w, map.index);
    w.vec(map.idMap);
  },
};
