/**
 * FAISS's `IndexIVF` (inverted lists over a coarse quantizer) and `IndexIVFFlat`.
 *
 * The coarse quantizer is a flat index of `nlist` centroids (`IndexFlatL2` or
 * `IndexFlatIP`, the IVF's metric); a vector goes to the list of its nearest centroid (by
 * that metric) with its id and its code; a query scans the `nprobe` lists nearest to it and
 * keeps the k best. Training learns the centroids with Quiver's k-means (wasm; 10
 * iterations, at most 256 points per centroid, as FAISS's IVF), unless the quantizer already
 * holds nlist vectors.
 *
 * Invariants:
 * - list l holds `sizes[l]` entries: ids[l][0..size) and codes[l][0..size·codeSize);
 *   `ntotal` is the sum of the sizes. Ids are the caller's (`addWithIds`) or ntotal, ntotal+1, …
 *   (`add`), and are what searches return: removing does not renumber (as FAISS's IVF).
 * - `centroids` mirrors the quantizer's vectors (nlist·d floats) once trained.
 */
import { InvalidArgumentError } from '../errors.js';
import { kmeans } from '../index/kmeans.js';
import { kernels } from '../kernels/load.js';
import { parallelSearch, worthParallel } from './batch-pool.js';
import { NotTrainedError } from './errors.js';
import {
  type Hits,
  type IdsInput,
  Index,
  METRIC_L2,
  type MetricType,
  type SearchParameters,
  toIds,
  toRows,
  type VectorsInput,
} from './faiss-index.js';
import { IndexFlat } from './flat.js';
import { TopK } from './top-k.js';

const KMEANS_ITERATIONS = 10;

/** One probed list: its number and the query's coarse distance to its centroid. */
export interface Probe {
  list: number;
  coarse: number;
}

/** Scores one entry of a probed list. */
export type ListScorer = (codes: Uint8Array, at: number) => number;

export abstract class IndexIVF extends Index {
  /** Lists probed by default (FAISS's default 1); per call: `params.nprobe`. */
  nprobe = 1;
  /** Bytes per entry's code. */
  abstract readonly codeSize: number;
  protected centroids: Float32Array<ArrayBufferLike> = new Float32Array(0);
  private ids: BigInt64Array[];
  private codeLists: Uint8Array[];
  private sizes: Int32Array;
  private count = 0;

  constructor(
    /** The coarse quantizer (owned: disposed with the IVF). */
    readonly quantizer: Index,
    d: number,
    readonly nlist: number,
    metricType: MetricType = METRIC_L2,
  ) {
    super(d, metricType);
    if (!(quantizer instanceof IndexFlat)) {
      throw new InvalidArgumentError(
        `the IVF quantizer must be an IndexFlatL2 / IndexFlatIP, got ${quantizer.className}`,
      );
    }
    if (quantizer.d !== d)
      throw new InvalidArgumentError(`quantizer dimension ${quantizer.d} differs from d = ${d}`);
    if (!Number.isInteger(nlist) || nlist < 1)
      throw new InvalidArgumentError(`nlist must be a positive integer, got ${nlist}`);
    this.ids = Array.from({ length: nlist }, () => new BigInt64Array(0));
    this.codeLists = Array.from({ length: nlist }, () => new Uint8Array(0));
    this.sizes = new Int32Array(nlist);
    if (quantizer.ntotal === nlist) this.centroids = (quantizer as IndexFlat).vectors();
  }

  get ntotal(): number {
    return this.count;
  }

  override get isTrained(): boolean {
    return this.quantizer.ntotal === this.nlist;
  }

  /**
   * Learns the centroids (unless the quantizer holds nlist vectors already), then what the
   * codes need. Python: `index.train(xt)`.
   * @throws InvalidArgumentError for fewer rows than lists.
   */
  override async train(x: VectorsInput): Promise<void> {
    const rows = toRows(x, this.d);
    const n = rows.length / this.d;
    if (this.quantizer.ntotal !== this.nlist) {
      if (n < this.nlist)
        throw new InvalidArgumentError(
          `${this.className}.train needs at least nlist = ${this.nlist} rows, got ${n}`,
        );
      const c = await kmeans(kernels(), rows, this.d, this.nlist, {
        iterations: KMEANS_ITERATIONS,
        seed: 1234,
      });
      this.quantizer.reset();
      this.quantizer.add(c);
      this.centroids = c;
    }
    await this.trainCodes(rows, n);
    this.changed();
  }

  /** Python: `index.add_with_ids(xb, ids)`. */
  override addWithIds(x: VectorsInput, ids: IdsInput): void {
    const rows = toRows(x, this.d);
    const list = toIds(ids);
    if (list.length * this.d !== rows.length)
      throw new InvalidArgumentError(`${rows.length / this.d} vectors but ${list.length} ids`);
    this.insert(rows, list);
  }

  /** Removes the entries with these ids; other ids do not change. Python: `index.remove_ids(ids)`. */
  override removeIds(ids: IdsInput): number {
    const drop = new Set(toIds(ids));
    let removed = 0;
    for (let l = 0; l < this.nlist; l++) {
      const size = this.sizes[l];
      const ids = this.ids[l];
      const codes = this.codeLists[l];
      let j = 0;
      for (let i = 0; i < size; i++) {
        if (drop.has(ids[i])) continue;
        if (i !== j) {
          ids[j] = ids[i];
          codes.copyWithin(j * this.codeSize, i * this.codeSize, (i + 1) * this.codeSize);
        }
        j++;
      }
      removed += size - j;
      this.sizes[l] = j;
    }
    this.count -= removed;
    this.changed();
    return removed;
  }

  reset(): void {
    this.sizes.fill(0);
    this.count = 0;
    this.changed();
  }

  /** The vector stored under id `key` (a scan of the lists). Python: `index.reconstruct(key)`. */
  override reconstruct(key: number | bigint): Float32Array {
    const id = BigInt(key);
    for (let l = 0; l < this.nlist; l++) {
      for (let i = 0; i < this.sizes[l]; i++)
        if (this.ids[l][i] === id) return this.decodeEntry(l, this.codeLists[l], i * this.codeSize);
    }
    throw new InvalidArgumentError(`${this.className}: no vector with id ${key}`);
  }

  override dispose(): void {
    this.quantizer.dispose();
  }

  /** Entries in list `l`. */
  listSize(l: number): number {
    return this.sizes[l];
  }

  /**
   * Entries [from, from + count) of list `l`, decoded, with their ids: what reading every
   * vector needs, list by list in one pass (`reconstruct` finds one id by scanning all lists).
   */
  decodeList(l: number, from: number, count: number): { ids: BigInt64Array; vectors: Float32Array } {
    const end = Math.min(this.sizes[l], from + count);
    const ids = this.ids[l].slice(from, end);
    const vectors = new Float32Array(ids.length * this.d);
    for (let i = from; i < end; i++)
      vectors.set(this.decodeEntry(l, this.codeLists[l], i * this.codeSize), (i - from) * this.d);
    return { ids, vectors };
  }

  /** The entries of list `l`: ids and codes (copies). */
  list(l: number): { ids: BigInt64Array; codes: Uint8Array } {
    const size = this.sizes[l];
    return { ids: this.ids[l].slice(0, size), codes: this.codeLists[l].slice(0, size * this.codeSize) };
  }

  /** List `l`'s code buffer (live, with capacity slack; valid until the list grows). */
  protected listBytes(l: number): Uint8Array {
    return this.codeLists[l];
  }

  /** Appends entries to list `l` (from a file). @throws Error when codes and ids disagree. */
  appendToList(l: number, ids: BigInt64Array, codes: Uint8Array): void {
    if (codes.length !== ids.length * this.codeSize)
      throw new Error(`list ${l}: ${codes.length} code bytes for ${ids.length} ids`);
    this.reserve(l, this.sizes[l] + ids.length);
    this.ids[l].set(ids, this.sizes[l]);
    this.codeLists[l].set(codes, this.sizes[l] * this.codeSize);
    this.sizes[l] += ids.length;
    this.count += ids.length;
    this.changed();
  }

  /** Learns what the codes need (PQ codebooks); IVF-Flat needs nothing. */
  protected async trainCodes(_rows: Float32Array, _n: number): Promise<void> {}

  /** Writes the code of `x` (in list `l`) at out[at..]. */
  protected abstract encode(x: Float32Array, l: number, out: Uint8Array, at: number): void;

  /** The scorer of list `probe.list` for `query`. */
  protected abstract listScorer(query: Float32Array, probe: Probe): ListScorer;

  /** The vector an entry of list `l` stands for. */
  protected abstract decodeEntry(l: number, codes: Uint8Array, at: number): Float32Array;

  /** Large batches are split among worker threads (`batch-pool.ts`), with nprobe made explicit. */
  protected override searchBatch(
    rows: Float32Array,
    n: number,
    k: number,
    params: SearchParameters,
  ): Promise<Hits[]> {
    const explicit = { ...params, nprobe: params.nprobe ?? this.nprobe };
    if (worthParallel(n, this.ntotal)) return parallelSearch(this, this.version, rows, n, k, explicit);
    return super.searchBatch(rows, n, k, explicit);
  }

  protected addRows(rows: Float32Array, n: number): void {
    const ids = new BigInt64Array(n);
    for (let i = 0; i < n; i++) ids[i] = BigInt(this.count + i);
    this.insert(rows, ids);
  }

  protected searchOne(query: Float32Array, k: number, params: SearchParameters): Hits {
    const top = new TopK(k, this.metricType !== METRIC_L2);
    const probes = this.probes(query, params.nprobe ?? this.nprobe);
    // A candidate's handle is probe number · 2^32 + position in its list.
    probes.forEach((probe, p) => {
      const score = this.listScorer(query, probe);
      const codes = this.codeLists[probe.list];
      for (let i = 0; i < this.sizes[probe.list]; i++)
        top.push(score(codes, i * this.codeSize), p * 2 ** 32 + i);
    });
    return top.result((h) => this.ids[probes[Math.floor(h / 2 ** 32)].list][h % 2 ** 32]);
  }

  protected rangeOne(query: Float32Array, radius: number, params: SearchParameters): Hits {
    const dist: number[] = [];
    const labels: bigint[] = [];
    const l2 = this.metricType === METRIC_L2;
    for (const probe of this.probes(query, params.nprobe ?? this.nprobe)) {
      const score = this.listScorer(query, probe);
      for (let i = 0; i < this.sizes[probe.list]; i++) {
        const s = score(this.codeLists[probe.list], i * this.codeSize);
        if (l2 ? s < radius : s > radius) {
          dist.push(s);
          labels.push(this.ids[probe.list][i]);
        }
      }
    }
    return { distances: Float32Array.from(dist), labels: BigInt64Array.from(labels) };
  }

  /** The query's distance to centroid `l` by the quantizer's metric. */
  protected coarseDistance(query: Float32Array, l: number): number {
    const c = this.centroids;
    const o = l * this.d;
    let s = 0;
    if (this.quantizer.metricType === METRIC_L2) {
      for (let j = 0; j < this.d; j++) {
        const t = query[j] - c[o + j];
        s += t * t;
      }
    } else for (let j = 0; j < this.d; j++) s += query[j] * c[o + j];
    return s;
  }

  /** The `nprobe` lists nearest to `query`, best first. */
  protected probes(query: Float32Array, nprobe: number): Probe[] {
    const top = new TopK(Math.min(nprobe, this.nlist), this.quantizer.metricType !== METRIC_L2);
    for (let l = 0; l < this.nlist; l++) top.push(this.coarseDistance(query, l), l);
    const r = top.result();
    return Array.from(r.labels, (l, i) => ({ list: Number(l), coarse: r.distances[i] }));
  }

  private insert(rows: Float32Array, ids: BigInt64Array): void {
    if (!this.isTrained) throw new NotTrainedError(this.className, 'add');
    if (this.centroids.length !== this.nlist * this.d)
      this.centroids = (this.quantizer as IndexFlat).vectors();
    const n = ids.length;
    const code = new Uint8Array(this.codeSize);
    for (let i = 0; i < n; i++) {
      const x = rows.subarray(i * this.d, (i + 1) * this.d);
      const l = this.probes(x, 1)[0].list;
      this.encode(x, l, code, 0);
      this.appendToList(l, ids.subarray(i, i + 1), code);
    }
  }

  private reserve(l: number, entries: number): void {
    if (entries <= this.ids[l].length) return;
    const cap = Math.max(entries, this.ids[l].length * 2, 8);
    const ids = new BigInt64Array(cap);
    ids.set(this.ids[l].subarray(0, this.sizes[l]));
    const codes = new Uint8Array(cap * this.codeSize);
    codes.set(this.codeLists[l].subarray(0, this.sizes[l] * this.codeSize));
    this.ids[l] = ids;
    this.codeLists[l] = codes;
  }
}

export class IndexIVFFlat extends IndexIVF {
  readonly className: string = 'IndexIVFFlat';

  /** Python: `faiss.IndexIVFFlat(quantizer, d, nlist, metric)`. */
  constructor(quantizer: Index, d: number, nlist: number, metricType: MetricType = METRIC_L2) {
    super(quantizer, d, nlist, metricType);
  }

  get codeSize(): number {
    return this.d * 4;
  }

  protected encode(x: Float32Array, _l: number, out: Uint8Array, at: number): void {
    out.set(new Uint8Array(x.buffer, x.byteOffset, x.byteLength), at);
  }

  /** Scans the list's vectors through one float view of its code bytes (4-byte aligned: they start a buffer). */
  protected listScorer(query: Float32Array, probe: Probe): ListScorer {
    const d = this.d;
    const l2 = this.metricType === METRIC_L2;
    const bytes = this.listBytes(probe.list);
    const v = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2);
    return (_codes, at) => {
      const o = at >> 2;
      let s = 0;
      if (l2) {
        for (let j = 0; j < d; j++) {
          const t = query[j] - v[o + j];
          s += t * t;
        }
      } else for (let j = 0; j < d; j++) s += query[j] * v[o + j];
      return s;
    };
  }

  protected decodeEntry(_l: number, codes: Uint8Array, at: number): Float32Array {
    return new Float32Array(codes.buffer.slice(codes.byteOffset + at, codes.byteOffset + at + this.d * 4));
  }
}
