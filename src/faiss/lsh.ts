/**
 * `IndexLSH`: FAISS's random-projection LSH. A vector is projected by the rotation matrix A
 * (nbits × d, row-major; FAISS's `rrot`, applied as y = A·x), or, without rotation, cut to
 * its first nbits components; thresholds (medians learned by `train` when
 * `trainThresholds`) are subtracted; bit j of the code is y_j ≥ 0, packed LSB first, as
 * FAISS's `fvecs2bitvecs`. Search ranks codes by Hamming distance to the query's code and
 * reports it as the distance (FAISS's IndexLSH does not re-rank).
 *
 * Quiver draws its own rotation (Gaussian rows orthonormalized, seeded) when it creates an
 * index; an index read from a file keeps FAISS's matrix, so codes and searches are FAISS's.
 */

import { InvalidArgumentError } from '../errors.js';
import { SeededRandom } from '../eval/random.js';
import { CodeIndex, type CodeScorer } from './code-index.js';
import { UnsupportedOperationError } from './errors.js';
import { METRIC_L2, toRows, type VectorsInput } from './faiss-index.js';

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, v) => {
  let c = 0;
  for (let x = v; x; x >>= 1) c += x & 1;
  return c;
});

export interface LshState {
  rotation: Float32Array<ArrayBufferLike>;
  thresholds: Float32Array;
}

export class IndexLSH extends CodeIndex {
  readonly className: string = 'IndexLSH';
  /** A, nbits × d row-major, when `rotateData`; empty otherwise. */
  rotation: Float32Array<ArrayBufferLike>;
  /** Per-bit thresholds (nbits floats) once trained with `trainThresholds`; empty otherwise. */
  thresholds: Float32Array<ArrayBufferLike> = new Float32Array(0);

  /** Python: `faiss.IndexLSH(d, nbits, rotate_data=True, train_thresholds=False)`. */
  constructor(
    d: number,
    readonly nbits: number,
    readonly rotateData = true,
    readonly trainThresholds = false,
    seed = 5,
  ) {
    super(d, METRIC_L2);
    if (!Number.isInteger(nbits) || nbits < 1)
      throw new InvalidArgumentError(`nbits must be a positive integer, got ${nbits}`);
    if (!rotateData && nbits > d)
      throw new InvalidArgumentError(`without rotation nbits (${nbits}) must be at most d (${d})`);
    this.rotation = rotateData ? randomRotation(nbits, d, seed) : new Float32Array(0);
  }

  get codeSize(): number {
    return (this.nbits + 7) >> 3;
  }

  override get isTrained(): boolean {
    return !this.trainThresholds || this.thresholds.length === this.nbits;
  }

  /** Learns the per-bit medians when `trainThresholds`. Python: `index.train(xt)`. */
  override async train(x: VectorsInput): Promise<void> {
    const rows = toRows(x, this.d);
    const n = rows.length / this.d;
    if (!this.trainThresholds) return;
    if (n < 1) throw new InvalidArgumentError(`${this.className}.train needs at least one row`);
    const projected = new Float32Array(n * this.nbits);
    for (let i = 0; i < n; i++)
      projected.set(this.project(rows.subarray(i * this.d, (i + 1) * this.d), false), i * this.nbits);
    const t = new Float32Array(this.nbits);
    const column = new Float32Array(n);
    for (let j = 0; j < this.nbits; j++) {
      for (let i = 0; i < n; i++) column[i] = projected[i * this.nbits + j];
      column.sort();
      t[j] = n % 2 === 1 ? column[n >> 1] : Math.fround((column[n / 2 - 1] + column[n / 2]) / 2);
    }
    this.thresholds = t;
    this.changed();
  }

  /** Installs FAISS's rotation and thresholds (from a file). @throws Error on a size mismatch. */
  setState(state: LshState): void {
    if (this.rotateData && state.rotation.length !== this.nbits * this.d) {
      throw new Error(`LSH: rotation has ${state.rotation.length} floats, expected ${this.nbits * this.d}`);
    }
    if (state.thresholds.length !== 0 && state.thresholds.length !== this.nbits) {
      throw new Error(`LSH: ${state.thresholds.length} thresholds, expected ${this.nbits}`);
    }
    this.rotation = this.rotateData ? state.rotation : new Float32Array(0);
    this.thresholds = state.thresholds;
    this.changed();
  }

  /** LSH codes do not decode to vectors. */
  override reconstruct(key: number | bigint): Float32Array {
    throw new UnsupportedOperationError(this.className, `reconstruct(${key})`, 'LSH codes keep only signs');
  }

  protected override get largestFirst(): boolean {
    return false;
  }

  /** y = A·x (or x's first nbits components), minus the thresholds when trained. */
  private project(x: Float32Array, withThresholds = true): Float32Array {
    const y = new Float32Array(this.nbits);
    if (this.rotateData) {
      const A = this.rotation;
      for (let j = 0; j < this.nbits; j++) {
        let s = 0;
        for (let i = 0; i < this.d; i++) s += A[j * this.d + i] * x[i];
        y[j] = s;
      }
    } else y.set(x.subarray(0, this.nbits));
    if (withThresholds && this.thresholds.length === this.nbits)
      for (let j = 0; j < this.nbits; j++) y[j] -= this.thresholds[j];
    return y;
  }

  private code(x: Float32Array, out: Uint8Array, at: number): void {
    const y = this.project(x);
    for (let b = 0; b < this.codeSize; b++) {
      let w = 0;
      for (let j = 0; j < 8 && b * 8 + j < this.nbits; j++) if (y[b * 8 + j] >= 0) w |= 1 << j;
      out[at + b] = w;
    }
  }

  protected encodeRows(rows: Float32Array, n: number, out: Uint8Array, at: number): void {
    for (let i = 0; i < n; i++)
      this.code(rows.subarray(i * this.d, (i + 1) * this.d), out, at + i * this.codeSize);
  }

  protected scorer(query: Float32Array): CodeScorer {
    const q = new Uint8Array(this.codeSize);
    this.code(query, q, 0);
    const size = this.codeSize;
    return (codes, at) => {
      let s = 0;
      for (let b = 0; b < size; b++) s += POPCOUNT[codes[at + b] ^ q[b]];
      return s;
    };
  }

  protected decodeCode(): Float32Array {
    throw new UnsupportedOperationError(this.className, 'reconstruct');
  }
}

/**
 * A random nbits × d matrix with orthonormal rows (nbits ≤ d) or orthonormal columns
 * (nbits > d): Gaussian entries from `seed`, Gram–Schmidt on the shorter side, as FAISS's
 * `RandomRotationMatrix` is shaped (its generator differs).
 */
export function randomRotation(nbits: number, d: number, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  const A = new Float64Array(nbits * d);
  for (let i = 0; i < A.length; i++) A[i] = rng.gaussian();
  const rowsOrthonormal = nbits <= d;
  const count = rowsOrthonormal ? nbits : d;
  const len = rowsOrthonormal ? d : nbits;
  const at = (v: number, i: number) => (rowsOrthonormal ? v * d + i : i * d + v);
  for (let v = 0; v < count; v++) {
    for (let u = 0; u < v; u++) {
      let dot = 0;
      for (let i = 0; i < len; i++) dot += A[at(v, i)] * A[at(u, i)];
      for (let i = 0; i < len; i++) A[at(v, i)] -= dot * A[at(u, i)];
    }
    let norm = 0;
    for (let i = 0; i < len; i++) norm += A[at(v, i)] ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < len; i++) A[at(v, i)] /= norm;
  }
  return Float32Array.from(A);
}
