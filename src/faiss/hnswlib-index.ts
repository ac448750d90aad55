/**
 * `HnswlibIndex`: hnswlib's `HierarchicalNSW` (Python `hnswlib.Index`, npm `hnswlib-node`)
 * over Quiver's `HnswIndex`, reading and writing hnswlib's `saveIndex` files
 * (`hnswlib/hnswalg.h`), so that an index saved by hnswlib is searched by Quiver with the
 * same results and an index Quiver saves is loaded by hnswlib.
 *
 * The file (all little-endian; size_t is 8 bytes): offsetLevel0, max_elements,
 * cur_element_count, size_data_per_element, label_offset, offsetData (size_t), maxlevel
 * (int32), enterpoint_node (uint32), maxM, maxM0, M (size_t), mult (double),
 * ef_construction (size_t); then cur_element_count level-0 records of
 * size_data_per_element bytes — a uint32 header (link count in the low 16 bits, the
 * deleted mark in bit 0 of byte 2), maxM0 uint32 links, the vector (dim float32), the label
 * (uint64) — then per element a uint32 byte count of its upper lists and those lists
 * (per level: a uint32 count and maxM uint32 links).
 *
 * Spaces, as hnswlib's: `l2` (squared L2), `ip` (1 − ⟨q, x⟩), `cosine` (vectors normalized
 * on add and query, then `ip`). Labels are `BigInt64Array` (hnswlib's size_t labels below
 * 2^63), -1 where fewer than k results exist.
 *
 * Invariants: node i is store row i; `labels[i]` is its label and `byLabel` the inverse for
 * live nodes; marked-deleted nodes stay in the graph (as hnswlib) and are never returned.
 */

import { readFile, writeFile } from 'node:fs/promises';
import { CorruptDataError, InvalidArgumentError } from '../errors.js';
import { searchRows } from '../index/hnsw-batch.js';
import { HnswIndex } from '../index/hnsw-index.js';
import { DistanceKind } from '../kernels/kernels.js';
import { kernels } from '../kernels/load.js';
import { ByteReader, ByteWriter } from './binary-io.js';
import { FLT_MAX, type IdsInput, toIds, toRows, type VectorsInput } from './faiss-index.js';

export type HnswlibSpace = 'l2' | 'ip' | 'cosine';

export interface HnswlibOptions {
  /** Links per node on upper levels (2·M on level 0). hnswlib's default 16. */
  M?: number;
  /** Candidates kept while linking. hnswlib's default 200. */
  efConstruction?: number;
  /** hnswlib's `max_elements` (written to files; grows as needed). Default 0. */
  maxElements?: number;
}

const GRAPH_MAGIC = 0x57534e48;
const GRAPH_VERSION = 1;
const GRAPH_FIXED_WORDS = 13;

export class HnswlibIndex {
  /** Candidates kept at search time (hnswlib's `ef`, default 10; per call: `knnQuery`'s `ef`). */
  ef = 10;
  readonly M: number;
  readonly efConstruction: number;
  maxElements: number;
  private hnsw: HnswIndex;
  private labels = new BigInt64Array(0);
  private readonly byLabel = new Map<bigint, number>();

  /** Python: `p = hnswlib.Index(space, dim); p.init_index(max_elements, M, ef_construction)`. */
  constructor(
    readonly space: HnswlibSpace,
    readonly dim: number,
    options: HnswlibOptions = {},
    graph?: HnswIndex,
  ) {
    if (space !== 'l2' && space !== 'ip' && space !== 'cosine') {
      throw new InvalidArgumentError(`space must be 'l2', 'ip' or 'cosine', got ${String(space)}`);
    }
    if (!Number.isInteger(dim) || dim < 1)
      throw new InvalidArgumentError(`dim must be a positive integer, got ${dim}`);
    this.M = options.M ?? 16;
    this.efConstruction = options.efConstruction ?? 200;
    this.maxElements = options.maxElements ?? 0;
    this.hnsw =
      graph ??
      new HnswIndex(kernels(), dim, space === 'l2' ? DistanceKind.L2 : DistanceKind.IP, {
        M: this.M,
        efConstruction: this.efConstruction,
        ef: this.ef,
      });
  }

  /** Elements stored, deleted ones included (hnswlib's `get_current_count()`). */
  get elementCount(): number {
    return this.hnsw.size;
  }

  /** The labels of the live elements. Python: `p.get_ids_list()`. */
  idsList(): BigInt64Array {
    return BigInt64Array.from(this.byLabel.keys());
  }

  /**
   * Adds vectors under `ids` (default elementCount, elementCount+1, …); an existing label's
   * vector is replaced and re-linked, as hnswlib's `updatePoint`. Python: `p.add_items(data, ids)`.
   */
  addItems(data: VectorsInput, ids?: IdsInput): void {
    const rows = this.prepare(toRows(data, this.dim));
    const n = rows.length / this.dim;
    const list =
      ids === undefined
        ? BigInt64Array.from({ length: n }, (_, i) => BigInt(this.elementCount + i))
        : toIds(ids);
    if (list.length !== n) throw new InvalidArgumentError(`${n} vectors but ${list.length} ids`);
    for (let i = 0; i < n; i++) {
      const row = rows.subarray(i * this.dim, (i + 1) * this.dim);
      const existing = this.byLabel.get(list[i]);
      if (existing !== undefined) {
        this.hnsw.replace(existing, row);
        continue;
      }
      const node = this.hnsw.size;
      this.hnsw.add(row);
      this.setLabel(node, list[i]);
    }
    this.maxElements = Math.max(this.maxElements, this.elementCount);
  }

  /** Hides the element with `label` from searches. Python: `p.mark_deleted(label)`. */
  markDeleted(label: number | bigint): void {
    const id = BigInt(label);
    const node = this.byLabel.get(id);
    if (node === undefined) throw new InvalidArgumentError(`hnswlib index: no element with label ${label}`);
    this.hnsw.delete(node);
    this.byLabel.delete(id);
  }

  /** The stored vectors of `ids` (normalized for `cosine`, as hnswlib stores them). Python: `p.get_items(ids)`. */
  getItems(ids: IdsInput): Float32Array[] {
    return Array.from(toIds(ids), (id) => {
      const node = this.byLabel.get(id);
      if (node === undefined) throw new InvalidArgumentError(`hnswlib index: no element with label ${id}`);
      return this.hnsw.store.row(node);
    });
  }

  /**
   * The k nearest live elements of each query: n×k labels and hnswlib's distances, row-major,
   * -1 / FLT_MAX where fewer than k exist. Python: `labels, distances = p.knn_query(data, k)`.
   */
  async knnQuery(
    data: VectorsInput,
    k = 1,
    ef = this.ef,
  ): Promise<{ labels: BigInt64Array; distances: Float32Array }> {
    if (!Number.isInteger(k) || k < 1)
      throw new InvalidArgumentError(`k must be a positive integer, got ${k}`);
    if (!Number.isInteger(ef) || ef < 1)
      throw new InvalidArgumentError(`ef must be a positive integer, got ${ef}`);
    const rows = this.prepare(toRows(data, this.dim));
    const n = rows.length / this.dim;
    const labels = new BigInt64Array(n * k).fill(-1n);
    const distances = new Float32Array(n * k).fill(FLT_MAX);
    const shift = this.space === 'l2' ? 0 : 1;
    if (this.hnsw.size === 0) return { labels, distances };
    const found = await searchRows(this.hnsw, rows, n, k, { ef, strategy: 'walk' });
    for (let q = 0; q < n; q++) {
      const r = found[q];
      for (let j = 0; j < r.offsets.length; j++) {
        labels[q * k + j] = this.labels[r.offsets[j]];
        distances[q * k + j] = r.distances[j] + shift;
      }
    }
    return { labels, distances };
  }

  /** Releases linear memory; the index must not be used afterwards. */
  dispose(): void {
    this.hnsw.dispose();
  }

  /** hnswlib's `saveIndex` bytes. */
  serialize(): Uint8Array {
    const { M, dim } = this;
    const M0 = 2 * M;
    const n = this.elementCount;
    const graph = this.hnsw.graph;
    const links0 = M0 * 4 + 4;
    const perElement = links0 + dim * 4 + 8;
    const perLevel = M * 4 + 4;
    const w = new ByteWriter();
    w.size(0);
    w.size(Math.max(this.maxElements, n));
    w.size(n);
    w.size(perElement);
    w.size(links0 + dim * 4);
    w.size(links0);
    w.i32(n > 0 ? graph.maxLevel : -1);
    w.u32(n > 0 ? graph.entry : 0xffffffff);
    w.size(M);
    w.size(M0);
    w.size(M);
    w.f64(1 / Math.log(M));
    w.size(this.efConstruction);
    const vectors = this.hnsw.store.view().slice();
    const record = new Uint8Array(perElement);
    const view = new DataView(record.buffer);
    for (let i = 0; i < n; i++) {
      record.fill(0);
      const links = graph.links(i, 0);
      view.setUint32(0, links.length | (graph.isDeleted(i) ? 1 << 16 : 0), true);
      links.forEach((v, j) => {
        view.setUint32(4 + j * 4, v, true);
      });
      record.set(new Uint8Array(vectors.buffer, i * dim * 4, dim * 4), links0);
      view.setBigUint64(links0 + dim * 4, BigInt.asUintN(64, this.labels[i]), true);
      w.raw(record);
    }
    for (let i = 0; i < n; i++) {
      const levels = graph.levelOf(i);
      w.u32(levels * perLevel);
      for (let l = 1; l <= levels; l++) {
        const links = graph.links(i, l);
        const block = new Uint32Array(M + 1);
        block[0] = links.length;
        block.set(links, 1);
        w.raw(new Uint8Array(block.buffer));
      }
    }
    return w.bytes();
  }

  /**
   * An index from hnswlib's `saveIndex` bytes. `dim`, when given, must match the file's.
   * @throws CorruptDataError naming `name` for a truncated or inconsistent file.
   */
  static deserialize(bytes: Uint8Array, space: HnswlibSpace, dim?: number, name = '<bytes>'): HnswlibIndex {
    const r = new ByteReader(bytes, name);
    try {
      return HnswlibIndex.parse(r, space, dim);
    } catch (error) {
      if (error instanceof CorruptDataError || error instanceof InvalidArgumentError) throw error;
      throw r.corrupt((error as Error).message);
    }
  }

  private static parse(r: ByteReader, space: HnswlibSpace, dimGiven?: number): HnswlibIndex {
    const offsetLevel0 = r.size('offsetLevel0');
    const maxElements = r.size('max_elements');
    const n = r.size('cur_element_count', 2 ** 32 - 2);
    const perElement = r.size('size_data_per_element', 1 << 30);
    const labelOffset = r.size('label_offset', 1 << 30);
    const offsetData = r.size('offsetData', 1 << 30);
    const maxLevel = r.i32('maxlevel');
    const entry = r.u32('enterpoint_node');
    const maxM = r.size('maxM', 1 << 16);
    const maxM0 = r.size('maxM0', 1 << 17);
    const M = r.size('M', 1 << 16);
    r.f64('mult');
    const efConstruction = r.size('ef_construction', 1 << 30);
    if (offsetLevel0 !== 0) throw r.corrupt(`offsetLevel0 is ${offsetLevel0}, expected 0`);
    if (maxM !== M || maxM0 !== 2 * M || M < 2 || M > 256) {
      throw r.corrupt(
        `M = ${M}, maxM = ${maxM}, maxM0 = ${maxM0}: Quiver reads graphs with maxM = M and maxM0 = 2·M, M in [2, 256]`,
      );
    }
    const links0 = maxM0 * 4 + 4;
    if (offsetData !== links0) throw r.corrupt(`offsetData is ${offsetData}, expected ${links0}`);
    const dataSize = labelOffset - offsetData;
    if (dataSize <= 0 || dataSize % 4 !== 0 || perElement !== labelOffset + 8) {
      throw r.corrupt(
        `element layout (size ${perElement}, label at ${labelOffset}) is not float32 vectors with 8-byte labels`,
      );
    }
    const dim = dataSize / 4;
    if (dimGiven !== undefined && dimGiven !== dim)
      throw r.corrupt(`the file's vectors have ${dim} dimensions, ${dimGiven} expected`);
    if (n > 0 && (entry >= n || maxLevel < 0 || maxLevel > 31))
      throw r.corrupt(`entry point ${entry} / max level ${maxLevel} do not fit ${n} elements`);
    if (n * perElement > r.remaining)
      throw r.corrupt(`truncated: ${n} elements need ${n * perElement} bytes, ${r.remaining} left`);
    const level0 = r.take(n * perElement, 'level-0 records');
    const view = new DataView(level0.buffer);
    const perLevel = maxM * 4 + 4;
    const upper: Uint8Array[] = [];
    const levels = new Uint8Array(n);
    let upperWords = 0;
    for (let i = 0; i < n; i++) {
      const size = r.u32('link list size');
      if (size % perLevel !== 0 || size / perLevel > 31)
        throw r.corrupt(`element ${i}'s link lists have ${size} bytes`);
      levels[i] = size / perLevel;
      upper.push(r.take(size, 'upper link lists'));
      upperWords += levels[i] * (M + 1);
    }
    if (r.remaining !== 0) throw r.corrupt(`${r.remaining} bytes after the last element`);
    if (n > 0 && levels[entry] !== maxLevel)
      throw r.corrupt(`the entry point's level ${levels[entry]} is not the max level ${maxLevel}`);

    const vectors = new Float32Array(n * dim);
    const labels = new BigInt64Array(n);
    const deleted: number[] = [];
    const M0 = 2 * M;
    const levelBytes = Math.ceil(n / 4) * 4;
    const graphBytes = new Uint8Array(
      GRAPH_FIXED_WORDS * 4 + levelBytes + (n * (M0 + 1) + upperWords + Math.ceil(n / 32)) * 4,
    );
    const words = new Uint32Array(graphBytes.buffer);
    const kind = space === 'l2' ? DistanceKind.L2 : DistanceKind.IP;
    words.set([
      GRAPH_MAGIC,
      GRAPH_VERSION,
      dim,
      kind,
      M,
      efConstruction,
      1,
      1,
      n,
      n > 0 ? entry : 0,
      n > 0 ? maxLevel : -1 >>> 0,
      0,
      upperWords,
    ]);
    graphBytes.set(levels, GRAPH_FIXED_WORDS * 4);
    let at = (GRAPH_FIXED_WORDS * 4 + levelBytes) / 4;
    const copyList = (src: DataView, offset: number, width: number, node: number) => {
      const count = src.getUint32(offset, true) & 0xffff;
      if (count > width) throw new Error(`element ${node} has ${count} links, at most ${width} fit`);
      words[at] = count;
      for (let j = 0; j < count; j++) {
        const v = src.getUint32(offset + 4 + j * 4, true);
        if (v >= n) throw new Error(`element ${node} links to ${v}, beyond ${n} elements`);
        words[at + 1 + j] = v;
      }
      at += width + 1;
    };
    for (let i = 0; i < n; i++) {
      const base = i * perElement;
      copyList(view, base, M0, i);
      if ((view.getUint8(base + 2) & 1) === 1) deleted.push(i);
      vectors.set(new Float32Array(level0.buffer.slice(base + offsetData, base + labelOffset)), i * dim);
      labels[i] = view.getBigInt64(base + labelOffset, true);
    }
    for (let i = 0; i < n; i++) {
      const v = new DataView(upper[i].buffer);
      for (let l = 0; l < levels[i]; l++) copyList(v, l * perLevel, M, i);
    }
    const index = new HnswlibIndex(
      space,
      dim,
      { M, efConstruction, maxElements },
      n > 0 ? HnswIndex.deserialize(kernels(), graphBytes, vectors) : undefined,
    );
    index.hnsw.checkIntegrity();
    for (let i = 0; i < n; i++) index.setLabel(i, labels[i]);
    for (const i of deleted) {
      index.hnsw.delete(i);
      index.byLabel.delete(labels[i]);
    }
    return index;
  }

  private setLabel(node: number, label: bigint): void {
    if (node >= this.labels.length) {
      const next = new BigInt64Array(Math.max(node + 1, this.labels.length * 2, 16));
      next.set(this.labels);
      this.labels = next;
    }
    this.labels[node] = label;
    this.byLabel.set(label, node);
  }

  /** Rows normalized for `cosine` (hnswlib's `normalize_vector`), as they are stored and queried. */
  private prepare(rows: Float32Array): Float32Array {
    if (this.space !== 'cosine') return rows;
    const out = new Float32Array(rows.length);
    for (let at = 0; at < rows.length; at += this.dim) {
      let s = 0;
      for (let j = 0; j < this.dim; j++) s += rows[at + j] * rows[at + j];
      const inv = 1 / (Math.sqrt(s) + 1e-30);
      for (let j = 0; j < this.dim; j++) out[at + j] = rows[at + j] * inv;
    }
    return out;
  }
}

/** Loads an hnswlib index file. Python: `p = hnswlib.Index(space, dim); p.load_index(path)`. */
export async function readHnswlib(path: string, space: HnswlibSpace, dim?: number): Promise<HnswlibIndex> {
  return HnswlibIndex.deserialize(await readFile(path), space, dim, path);
}

/** Saves an index as hnswlib's file. Python: `p.save_index(path)`. */
export async function writeHnswlib(index: HnswlibIndex, path: string): Promise<void> {
  await writeFile(path, index.serialize());
}
