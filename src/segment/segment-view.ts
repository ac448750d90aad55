/**
 * What a collection's search fan-out sees of any segment, sealed or growing: rows by dense
 * offset, each with an id, a payload and one vector per vector field, an index per field
 * over the rows, payload indexes, and which rows are still live. Read-only: writes go
 * through `GrowingSegment` and `Tombstones`.
 *
 * Vector fields: a collection with one unnamed vector has one field (number 0) that every
 * row has; a collection with named vectors has one field per name, in declaration order,
 * and a row may lack any of them (its slot then holds zeros and `present` excludes it).
 */
import type { Bitset } from '../index/bitset.js';
import type { VectorIndexRead } from '../index/vector-index.js';
import type { DistanceKind } from '../kernels/kernels.js';
import type { SegmentPayloadIndex } from '../payload/payload-index.js';

export type PointId = string | number;
export type StoredPayload = Record<string, unknown> | null;

/** The shape of one vector field in a segment. */
export interface FieldLayout {
  /** '' for the single unnamed vector. */
  name: string;
  /** Row length in f32 slots (bits / 32 for binary metrics). */
  dimension: number;
  distance: DistanceKind;
  /** Whether sealed segments keep the field's vectors on disk (the collection's `onDisk`). */
  onDisk?: boolean;
  /**
   * Whether the field's sealed segments are searched by a graph walk (an HNSW index, in
   * memory or on disk): seals then lay their rows out in the locality order of the first such
   * field (locality-order.ts). Not stored: it follows from the collection's config.
   */
  walked?: boolean;
}

export interface SegmentView {
  /** Rows 0..rows-1, live or not. */
  readonly rows: number;
  readonly liveCount: number;
  readonly payloadIndex: SegmentPayloadIndex;
  /** The index searches of field `field` use. */
  fieldIndex(field: number): VectorIndexRead;
  /** The rows that have a vector in `field`, or undefined when every row has one. */
  present(field: number): Bitset | undefined;
  id(offset: number): PointId;
  payload(offset: number): StoredPayload;
  /** A copy of the stored vector of `field` (zeros when the row lacks it). */
  vector(offset: number, field?: number): Float32Array;
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
