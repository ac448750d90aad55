/**
 * FAISS's `IndexFlatCodes`: the base of `IndexPQ`, `IndexScalarQuantizer` and `IndexLSH`.
 * Vector i is stored as code i, `codeSize` bytes at codes[i·codeSize]; a search scores every
 * code against the query (each family's own estimate: ADC sums, decoded distances, Hamming
 * distances) and keeps the k best.
 *
 * Invariants: `codes` holds exactly `ntotal` codes in its first ntotal·codeSize bytes;
 * `removeIds` compacts them, so the labels after a removed vector shift down (as FAISS).
 */
import { parallelSearch, worthParallel } from './batch-pool.js';
import { NotTrainedError } from './errors.js';
import { type Hits, type IdsInput, Index, METRIC_L2, type SearchParameters, toIds } from './faiss-index.js';
import { TopK } from './top-k.js';

/** Scores one code (at a byte offset) for one query. */
export type CodeScorer = (codes: Uint8Array, at: number) => number;

export abstract class CodeIndex extends Index {
  /** Bytes per code. */
  abstract readonly codeSize: number;
  private buf = new Uint8Array(0);
  private count = 0;

  get ntotal(): number {
    return this.count;
  }

  /** The codes, ntotal·codeSize bytes (a copy). */
  codes(): Uint8Array {
    return this.buf.slice(0, this.count * this.codeSize);
  }

  /** Replaces the codes (from a file). @throws Error when not whole codes. */
  setCodes(codes: Uint8Array): void {
    if (codes.length % this.codeSize !== 0)
      throw new Error(`${codes.length} code bytes are not whole codes of ${this.codeSize}`);
    this.buf = codes.slice();
    this.count = codes.length / this.codeSize;
    this.changed();
  }

  /** Whether larger scores are better (inner product), rather than smaller. */
  protected get largestFirst(): boolean {
    return this.metricType !== METRIC_L2;
  }

  /** Encodes n rows into `out` at byte `at`. */
  protected abstract encodeRows(rows: Float32Array, n: number, out: Uint8Array, at: number): void;

  /** The scorer of one query. */
  protected abstract scorer(query: Float32Array): CodeScorer;

  /** Decodes code `i` into d floats. */
  protected abstract decodeCode(codes: Uint8Array, at: number): Float32Array;

  protected addRows(rows: Float32Array, n: number): void {
    if (!this.isTrained) throw new NotTrainedError(this.className, 'add');
    const size = this.codeSize;
    if ((this.count + n) * size > this.buf.length) {
      const next = new Uint8Array(Math.max((this.count + n) * size, this.buf.length * 2));
      next.set(this.buf.subarray(0, this.count * size));
      this.buf = next;
    }
    this.encodeRows(rows, n, this.buf, this.count * size);
    this.count += n;
    this.changed();
  }

  protected searchOne(query: Float32Array, k: number): Hits {
    const score = this.scorer(query);
    const top = new TopK(k, this.largestFirst);
    const size = this.codeSize;
    for (let i = 0; i < this.count; i++) top.push(score(this.buf, i * size), i);
    return top.result();
  }

  protected rangeOne(query: Float32Array, radius: number): Hits {
    const score = this.scorer(query);
    const largest = this.largestFirst;
    const dist: number[] = [];
    const labels: bigint[] = [];
    for (let i = 0; i < this.count; i++) {
      const s = score(this.buf, i * this.codeSize);
      if (largest ? s > radius : s < radius) {
        dist.push(s);
        labels.push(BigInt(i));
      }
    }
    return { distances: Float32Array.from(dist), labels: BigInt64Array.from(labels) };
  }

  override removeIds(ids: IdsInput): number {
    const drop = new Set(toIds(ids));
    const size = this.codeSize;
    let j = 0;
    for (let i = 0; i < this.count; i++) {
      if (drop.has(BigInt(i))) continue;
      if (i !== j) this.buf.copyWithin(j * size, i * size, (i + 1) * size);
      j++;
    }
    const removed = this.count - j;
    this.count = j;
    this.changed();
    return removed;
  }

  reset(): void {
    this.buf = new Uint8Array(0);
    this.count = 0;
    this.changed();
  }

  /** Large batches are split among worker threads (`batch-pool.ts`). */
  protected override searchBatch(
    rows: Float32Array,
    n: number,
    k: number,
    params: SearchParameters,
  ): Promise<Hits[]> {
    if (worthParallel(n, this.ntotal)) return parallelSearch(this, this.version, rows, n, k, params);
    return super.searchBatch(rows, n, k, params);
  }

  override reconstruct(key: number | bigint): Float32Array {
    return this.decodeCode(this.buf, this.checkKey(key) * this.codeSize);
  }
}
