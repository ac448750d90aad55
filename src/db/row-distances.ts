/**
 * Kernel distances from any vector to a small fixed set of rows (recommendation examples,
 * MMR candidates), computed by the same kernels as every search, so a distance here equals
 * the distance an exact search reports for the same pair.
 */
import { FlatIndex } from '../index/flat-index.js';
import type { Kernels } from '../kernels/kernels.js';
import type { FieldLayout } from '../segment/segment-view.js';

export class RowDistances {
  private readonly index: FlatIndex;
  readonly count: number;

  /** `rows`: vectors of the field described by `layout` (stored form: unit length for cosine, packed bits for binary metrics). */
  constructor(kernels: Kernels, layout: FieldLayout, rows: readonly Float32Array[]) {
    this.index = new FlatIndex(kernels, layout.dimension, layout.distance);
    this.count = rows.length;
    if (rows.length > 0) {
      const all = new Float32Array(rows.length * layout.dimension);
      rows.forEach((row, i) => {
        all.set(row, i * layout.dimension);
      });
      this.index.add(all);
    }
  }

  /** The kernel distance ("lower is better") from `vector` to each row, in row order. */
  from(vector: Float32Array): Float64Array {
    const out = new Float64Array(this.count);
    if (this.count === 0) return out;
    const { offsets, distances } = this.index.search(vector, this.count);
    for (let i = 0; i < offsets.length; i++) out[offsets[i]] = distances[i];
    return out;
  }

  /** Frees the rows' copy in kernel memory; the object is unusable after. */
  dispose(): void {
    this.index.dispose();
  }
}
