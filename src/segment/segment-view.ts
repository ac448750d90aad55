/**
 * What a collection's search fan-out sees of any segment, sealed or growing: rows by dense
 * offset, each with an id, a payload and a vector, an index over the rows, and which rows
 * are still live. Read-only: writes go through `GrowingSegment` and `Tombstones`.
 */
import type { Bitset } from '../index/bitset.js';
import type { VectorIndexRead } from '../index/vector-index.js';

export type PointId = string | number;
export type StoredPayload = Record<string, unknown> | null;

export interface SegmentView {
  /** Rows 0..rows-1, live or not. */
  readonly rows: number;
  readonly liveCount: number;
  readonly index: VectorIndexRead;
  id(offset: number): PointId;
  payload(offset: number): StoredPayload;
  /** A copy of the stored vector. */
  vector(offset: number): Float32Array;
  isLive(offset: number): boolean;
  /** The live rows as a bitset of `rows` bits, or undefined when every row is live. */
  liveRows(): Bitset | undefined;
  /**
   * Present on segments whose rows and index never change (sealed ones): keeps their
   * memory alive until the returned function is called, so a search may run on a worker
   * thread meanwhile. Growing segments lack it and are searched on the calling thread.
   */
  retain?(): () => void;
}
