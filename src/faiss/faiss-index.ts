/**
 * The base class of Quiver's FAISS API (`quiverdb/faiss`): FAISS's `faiss.Index` contract
 * in TypeScript's conventions, over Quiver's indexes and kernels.
 *
 * Conventions (FAISS's, unless said otherwise):
 * - Vectors come as one `Float32Array` of n·d floats (row-major, as a NumPy array), or as
 *   arrays of numbers / of rows; they are converted once, here.
 * - `search(x, k)` resolves to `{ distances, labels }`, n×k row-major: `distances` a
 *   `Float32Array`, `labels` a `BigInt64Array` (FAISS's int64 labels, exact beyond 2^53).
 *   Where fewer than k results exist, labels are -1 and distances +3.4028235e38 for L2
 *   (-3.4028235e38 for inner product), as FAISS fills them.
 * - Distances: squared L2 for `METRIC_L2` (ascending), inner product for
 *   `METRIC_INNER_PRODUCT` (descending); `IndexFlat` also takes `METRIC_L1` (Manhattan,
 *   ascending), which the other classes refuse.
 * - `search` is asynchronous: a batch of queries is answered by the kernel worker pool (or
 *   worker threads), so both cores work and the event loop stays free.
 * - `rangeSearch` returns FAISS's `lims` (n+1 offsets), `distances` and `labels`: the hits
 *   of query i are entries lims[i]..lims[i+1]-1, L2 distances < radius (IP > radius); their
 *   order within a query is unspecified, as in FAISS.
 * - An index owns linear memory: call `dispose()` when done (FAISS frees in its destructor).
 */
import { InvalidArgumentError } from '../errors.js';
import { UnsupportedOperationError } from './errors.js';

/** FAISS's `faiss.METRIC_INNER_PRODUCT` (0). */
export const METRIC_INNER_PRODUCT = 0;
/** FAISS's `faiss.METRIC_L2` (1). */
export const METRIC_L2 = 1;
/** FAISS's `faiss.METRIC_L1` (2): Manhattan distance, `IndexFlat` only. */
export const METRIC_L1 = 2;
export type MetricType = typeof METRIC_INNER_PRODUCT | typeof METRIC_L2 | typeof METRIC_L1;

/** n·d floats row-major, or an array of rows. */
export type VectorsInput = Float32Array | ArrayLike<number> | ArrayLike<ArrayLike<number>>;
/** Ids as FAISS's int64: a `BigInt64Array`, or numbers / bigints. */
export type IdsInput = BigInt64Array | ArrayLike<number | bigint>;

/** Search-time parameters (FAISS's `SearchParametersIVF` / `SearchParametersHNSW`). */
export interface SearchParameters {
  /** IVF: inverted lists probed (default: the index's `nprobe`). */
  nprobe?: number;
  /** HNSW: candidates kept at level 0 (default: the index's `efSearch`). */
  efSearch?: number;
}

/** `search`'s answer: n×k distances and labels, row-major. */
export interface SearchResult {
  distances: Float32Array;
  labels: BigInt64Array;
}

/** `rangeSearch`'s answer, FAISS's `lims, D, I`. */
export interface RangeSearchResult {
  /** n+1 offsets: query i's hits are lims[i]..lims[i+1]-1. */
  lims: Uint32Array;
  distances: Float32Array;
  labels: BigInt64Array;
}

/** One query's hits, best first (at most k). */
export interface Hits {
  distances: Float32Array;
  labels: BigInt64Array;
}

/** FAISS's fill for a missing result (`std::numeric_limits<float>::max()`). */
export const FLT_MAX = 3.4028234663852886e38;

const EMPTY_HITS: Hits = { distances: new Float32Array(0), labels: new BigInt64Array(0) };

export abstract class Index {
  /** FAISS's class name (`IndexFlatL2`, …), used in messages. */
  abstract readonly className: string;
  /** Bumped by every change of the indexed data or trained parameters (see `changed`). */
  private mutations = 0;

  constructor(
    /** Dimension of the vectors (FAISS's `index.d`). */
    readonly d: number,
    /** `METRIC_L2`, `METRIC_INNER_PRODUCT` or (flat only) `METRIC_L1` (FAISS's `index.metric_type`). */
    readonly metricType: MetricType,
  ) {
    if (!Number.isInteger(d) || d < 1)
      throw new InvalidArgumentError(`dimension d must be a positive integer, got ${d}`);
    const l1 =
      metricType === METRIC_L1 && (new.target as unknown as { supportsL1?: boolean }).supportsL1 === true;
    if (metricType !== METRIC_L2 && metricType !== METRIC_INNER_PRODUCT && !l1) {
      throw new InvalidArgumentError(
        `${new.target.name}: metricType must be METRIC_L2 (1) or METRIC_INNER_PRODUCT (0)` +
          `${metricType === METRIC_L1 ? ' (METRIC_L1 is for IndexFlat only)' : ''}, got ${String(metricType)}`,
      );
    }
  }

  /** Number of indexed vectors. Python: `index.ntotal`. */
  abstract get ntotal(): number;

  /** Whether `train` has run (or the index needs none). Python: `index.is_trained`. */
  get isTrained(): boolean {
    return true;
  }

  /**
   * Learns the index's parameters from a sample (a no-op for indexes needing none).
   * Python: `index.train(xt)`.
   */
  async train(x: VectorsInput): Promise<void> {
    toRows(x, this.d);
  }

  /**
   * Appends vectors; they get the labels ntotal, ntotal+1, … Python: `index.add(xb)`.
   * @throws NotTrainedError before `train` on an index that needs it.
   */
  add(x: VectorsInput): void {
    const rows = toRows(x, this.d);
    this.addRows(rows, rows.length / this.d);
  }

  /**
   * Appends vectors with the given ids. Only indexes that store ids do (IVF, and any index
   * wrapped in `IndexIDMap`). Python: `index.add_with_ids(xb, ids)`.
   * @throws UnsupportedOperationError on the others (as FAISS), pointing to `IndexIDMap`.
   */
  addWithIds(x: VectorsInput, ids: IdsInput): void {
    toRows(x, this.d);
    toIds(ids);
    throw new UnsupportedOperationError(this.className, 'addWithIds', 'wrap it in IndexIDMap');
  }

  /**
   * The k nearest neighbours of each query. Python: `D, I = index.search(xq, k)`.
   * @example
   * const { distances, labels } = await index.search(queries, 5);
   * @throws InvalidArgumentError for a bad k or parameter, or queries that are not whole rows of d floats.
   */
  async search(x: VectorsInput, k: number, params: SearchParameters = {}): Promise<SearchResult> {
    const rows = toRows(x, this.d);
    if (!Number.isInteger(k) || k < 1)
      throw new InvalidArgumentError(`k must be a positive integer, got ${k}`);
    this.checkParams(params);
    const n = rows.length / this.d;
    const hits =
      this.ntotal === 0 ? new Array<Hits>(n).fill(EMPTY_HITS) : await this.searchBatch(rows, n, k, params);
    const distances = new Float32Array(n * k).fill(
      this.metricType === METRIC_INNER_PRODUCT ? -FLT_MAX : FLT_MAX,
    );
    const labels = new BigInt64Array(n * k).fill(-1n);
    for (let i = 0; i < n; i++) {
      const h = hits[i];
      const m = Math.min(k, h.labels.length);
      distances.set(h.distances.subarray(0, m), i * k);
      labels.set(h.labels.subarray(0, m), i * k);
    }
    return { distances, labels };
  }

  /**
   * Every indexed vector within `radius` of each query: squared L2 < radius, or inner
   * product > radius. Python: `lims, D, I = index.range_search(xq, radius)`.
   */
  async rangeSearch(
    x: VectorsInput,
    radius: number,
    params: SearchParameters = {},
  ): Promise<RangeSearchResult> {
    const rows = toRows(x, this.d);
    if (typeof radius !== 'number' || Number.isNaN(radius)) {
      throw new InvalidArgumentError(`radius must be a number, got ${String(radius)}`);
    }
    this.checkParams(params);
    const n = rows.length / this.d;
    const pending: Array<Hits | Promise<Hits>> = [];
    for (let i = 0; i < n; i++) {
      pending.push(
        this.ntotal === 0
          ? EMPTY_HITS
          : this.rangeOne(rows.subarray(i * this.d, (i + 1) * this.d), radius, params),
      );
    }
    const per = await Promise.all(pending);
    const lims = new Uint32Array(n + 1);
    for (let i = 0; i < n; i++) lims[i + 1] = lims[i] + per[i].labels.length;
    const distances = new Float32Array(lims[n]);
    const labels = new BigInt64Array(lims[n]);
    for (let i = 0; i < n; i++) {
      distances.set(per[i].distances, lims[i]);
      labels.set(per[i].labels, lims[i]);
    }
    return { lims, distances, labels };
  }

  /**
   * Removes the vectors with these labels; the labels of the vectors after them shift down,
   * as in FAISS's flat and code indexes. Returns how many were removed.
   * Python: `index.remove_ids(np.array(ids))`.
   * @throws UnsupportedOperationError for indexes that cannot (HNSW, as in FAISS).
   */
  removeIds(ids: IdsInput): number {
    toIds(ids);
    throw new UnsupportedOperationError(this.className, 'removeIds');
  }

  /** Removes every vector (trained parameters stay). Python: `index.reset()`. */
  abstract reset(): void;

  /**
   * A copy of the vector stored under `key` (decoded, for quantized indexes).
   * Python: `index.reconstruct(key)`.
   * @throws InvalidArgumentError when no vector has that label.
   */
  reconstruct(key: number | bigint): Float32Array {
    throw new UnsupportedOperationError(this.className, `reconstruct(${key})`);
  }

  /** Releases the index's linear memory; it must not be used afterwards. */
  dispose(): void {}

  /** A number that changes whenever the index's content does (copies on workers are keyed by it). */
  get version(): number {
    return this.mutations;
  }

  /** Records a change of content or trained parameters. */
  protected changed(): void {
    this.mutations++;
  }

  /** Appends `n` rows (validated: n·d floats). */
  protected abstract addRows(rows: Float32Array, n: number): void;

  /** One query's k best hits. */
  protected abstract searchOne(
    query: Float32Array,
    k: number,
    params: SearchParameters,
  ): Hits | Promise<Hits>;

  /** One query's hits within `radius`. */
  protected abstract rangeOne(
    query: Float32Array,
    radius: number,
    params: SearchParameters,
  ): Hits | Promise<Hits>;

  /**
   * Every query of a batch; by default all at once, so that indexes answering on the
   * kernel worker pool keep every worker busy.
   */
  protected searchBatch(rows: Float32Array, n: number, k: number, params: SearchParameters): Promise<Hits[]> {
    const out: Array<Hits | Promise<Hits>> = [];
    for (let i = 0; i < n; i++)
      out.push(this.searchOne(rows.subarray(i * this.d, (i + 1) * this.d), k, params));
    return Promise.all(out);
  }

  /** Rejects parameters of the wrong kind or value. */
  protected checkParams(params: SearchParameters): void {
    for (const key of ['nprobe', 'efSearch'] as const) {
      const v = params[key];
      if (v !== undefined && (!Number.isInteger(v) || v < 1)) {
        throw new InvalidArgumentError(`${key} must be a positive integer, got ${v}`);
      }
    }
  }

  /** `key` as a label in 0..ntotal-1. @throws InvalidArgumentError otherwise. */
  protected checkKey(key: number | bigint): number {
    const k = Number(key);
    if (!Number.isInteger(k) || k < 0 || k >= this.ntotal) {
      throw new InvalidArgumentError(
        `${this.className}: no vector with label ${key} (ntotal ${this.ntotal})`,
      );
    }
    return k;
  }

  /** Whether distance `a` ranks before `b` under the metric. */
  protected better(a: number, b: number): boolean {
    return this.metricType === METRIC_INNER_PRODUCT ? a > b : a < b;
  }
}

/** Vectors as n·d row-major floats (a copy only when the input is not already a Float32Array). */
export function toRows(x: VectorsInput, d: number): Float32Array {
  let rows: Float32Array;
  if (x instanceof Float32Array) rows = x;
  else if (x && typeof x === 'object' && 'length' in x) {
    const first = x.length > 0 ? (x as ArrayLike<unknown>)[0] : undefined;
    if (first !== undefined && typeof first === 'object') {
      const list = x as ArrayLike<ArrayLike<number>>;
      rows = new Float32Array(list.length * d);
      for (let i = 0; i < list.length; i++) {
        if (list[i].length !== d) {
          throw new InvalidArgumentError(
            `vector ${i} has ${list[i].length} components, the index has d = ${d}`,
          );
        }
        rows.set(list[i], i * d);
      }
    } else rows = Float32Array.from(x as ArrayLike<number>);
  } else throw new InvalidArgumentError(`vectors must be a Float32Array or an array, got ${typeof x}`);
  if (rows.length % d !== 0) {
    throw new InvalidArgumentError(`${rows.length} floats are not whole vectors of d = ${d}`);
  }
  for (let i = 0; i < rows.length; i++) {
    if (!Number.isFinite(rows[i])) throw new InvalidArgumentError(`component ${i} is not a finite number`);
  }
  return rows;
}

/** Ids as int64. @throws InvalidArgumentError for non-integers or values outside int64. */
export function toIds(ids: IdsInput): BigInt64Array {
  if (ids instanceof BigInt64Array) return ids;
  if (!ids || typeof ids !== 'object' || !('length' in ids)) {
    throw new InvalidArgumentError(`ids must be a BigInt64Array or an array of integers, got ${typeof ids}`);
  }
  const out = new BigInt64Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i];
    if (typeof v === 'number' && !Number.isSafeInteger(v)) {
      throw new InvalidArgumentError(`id ${i} must be an integer (use bigint beyond 2^53), got ${v}`);
    }
    const b = BigInt(v);
    if (b < -(2n ** 63n) || b >= 2n ** 63n) throw new InvalidArgumentError(`id ${i} = ${b} is outside int64`);
    out[i] = b;
  }
  return out;
}
