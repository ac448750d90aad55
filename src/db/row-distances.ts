/**
 * Kernel distances from any vector to a small fixed set of rows (recommendation examples,
 * MMR candidates), computed by the kernels' `scan`, which returns bit for bit what their
 * top-k search does for the same pair, so a distance here equals the one an exact search
 * reports. The rows, one query slot and the output live in kernel memory from construction
 * to `dispose`, so each `from` call allocates nothing there.
 */
import type { DistanceKind, Kernels } from '../kernels/kernels.js';
import type { FieldLayout } from '../segment/segment-view.js';

export class RowDistances {
  readonly count: number;
  private readonly dimension: number;
  private readonly kind: DistanceKind;
  /** One block: the rows, then the query slot, then `count` output floats (0 when there are no rows). */
  private readonly block: number;

  /** `rows`: vectors of the field described by `layout` (stored form: unit length for cosine, packed bits for binary metrics). */
  constructor(
    private readonly kernels: Kernels,
    layout: FieldLayout,
    rows: readonly Float32Array[],
  ) {
    this.count = rows.length;
    this.dimension = layout.dimension;
    this.kind = layout.distance;
    const floats = (rows.length + 1) * layout.dimension + rows.length;
    this.block = rows.length === 0 ? 0 : kernels.alloc(floats * 4);
    if (rows.length > 0) {
      const all = kernels.f32(this.block, rows.length * layout.dimension);
      rows.forEach((row, i) => {
        all.set(row, i * layout.dimension);
      });
    }
  }

  /** The kernel distance ("lower is better") from `vector` to each row, in row order. */
  from(vector: Float32Array): Float32Array {
    if (this.count === 0) return new Float32Array(0);
    const { kernels, count, dimension } = this;
    const query = this.block + count * dimension * 4;
    const out = query + dimension * 4;
    kernels.f32(query, dimension).set(vector);
    kernels.scan(this.kind, query, this.block, count, dimension, out);
    return kernels.f32(out, count).slice();
  }

  /** Frees the block; the object is unusable after. */
  dispose(): void {
    this.kernels.free(this.block);
  }
}
