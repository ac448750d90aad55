/**
 * What searches, gets and scrolls give back: a row of a segment turned into a `Hit` or a
 * `Point`, with copies of its payload and vectors (never views of segment memory, which a
 * later compaction may free), vectors in the form users gave them (bytes for binary metrics).
 */
import type { SegmentView } from '../segment/segment-view.js';
import type { StoredVectorField } from './collection-config.js';
import { outputVector } from './metric.js';
import type { ScoredRow } from './text-search.js';
import type { Hit, Point, StoredVector } from './types.js';

/** What a caller asked to get back with each hit. */
export interface OutputOptions {
  withPayload?: unknown;
  withVector?: unknown;
}

export class PointOutput {
  /**
   * @param fields the collection's vector fields, in field order
   * @param named whether points carry named `vectors` rather than one `vector`
   */
  constructor(
    private readonly fields: readonly StoredVectorField[],
    private readonly named: boolean,
  ) {}

  /** Scored rows as hits, payload and vectors only when asked for (`=== true`). */
  hits(found: readonly ScoredRow[], _field: number, opts: OutputOptions): Hit[] {
    return found.map((c) => {
      const hit: Hit = { id: c.view.id(c.offset), score: c.score };
      if (opts.withPayload === true) hit.payload = clonePayload(c.view.payload(c.offset));
      if (opts.withVector === true) this.attachVectors(hit, c.view, c.offset);
      return hit;
    });
  }

  point(view: SegmentView, offset: number, withPayload: boolean, withVector: boolean): Point {
    const point: Point = { id: view.id(offset) };
    if (withPayload) point.payload = clonePayload(view.payload(offset));
    if (withVector) this.attachVectors(point, view, offset);
    return point;
  }

  /** Sets `vector` (one unnamed vector) or `vectors` (the named ones the row has). */
  private attachVectors(target: Point | Hit, view: SegmentView, offset: number): void {
    if (!this.named) {
      target.vector = this.stored(view, offset, 0);
      return;
    }
    const vectors: Record<string, StoredVector> = {};
    this.fields.forEach((f, n) => {
      if (view.present(n)?.has(offset) ?? true) vectors[f.name] = this.stored(view, offset, n);
    });
    target.vectors = vectors;
  }

  /** The vector of `field` at `offset` as users get it back (bytes for binary metrics). */
  private stored(view: SegmentView, offset: number, field: number): StoredVector {
    const f = this.fields[field];
    return outputVector(f.metric, f.dimension, view.vector(offset, field));
  }
}

function clonePayload(payload: Record<string, unknown> | null): Record<string, unknown> {
  return payload === null ? {} : structuredClone(payload);
}
