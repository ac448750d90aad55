/**
 * Where a collection's segments live in memory: each sealed segment in one arena of the
 * database (`MemoryArenas`), placed by an estimate of its bytes (segment-bytes.ts), and the
 * checks that keep a write from being acknowledged when applying it would run out of memory.
 *
 * Invariants:
 * - A sealed segment holds at most `segmentRows(segmentSize)` rows, so that its estimate
 *   fits in one arena; seal and compaction cut their output by it.
 * - A build that still runs out of its arena's wasm32 memory (`RangeError`) is retried once
 *   in a fresh arena; any other failure, or a second one, releases the placement and throws.
 */
import { CapacityError } from '../errors.js';
import { WASM32_BYTES } from '../kernels/allocator.js';
import type { MemoryArenas, Placement } from '../kernels/arenas.js';
import type { GrowingSegment } from '../segment/growing-segment.js';
import type { SealedSegment } from '../segment/sealed-segment.js';
import { segmentBytes, segmentRowLimit } from './segment-bytes.js';

export class SegmentPlacement {
  /**
   * `rowBytes`: the estimated linear memory of one sealed row of the collection;
   * `fileRowBytes`: its bytes in a segment file when the file size is bounded (onDisk), else 0.
   */
  constructor(
    readonly arenas: MemoryArenas,
    readonly rowBytes: number,
    readonly fileRowBytes = 0,
  ) {}

  /** Rows a sealed segment holds at most: `segmentSize`, fewer when that many would not fit in an arena. */
  segmentRows(segmentSize: number): number {
    return segmentRowLimit(segmentSize, this.rowBytes, this.arenas.arenaBytes, this.fileRowBytes);
  }

  /**
   * Builds a segment of `rows` rows in an arena with room for its estimate, and once more
   * in a fresh arena if that arena's wasm32 memory runs out.
   */
  build(rows: number, build: (placement: Placement) => SealedSegment): SealedSegment {
    const bytes = segmentBytes(this.rowBytes, rows);
    for (const fresh of [false, true]) {
      const placement = this.arenas.place(bytes, { fresh });
      try {
        return build(placement);
      } catch (err) {
        placement.release();
        if (fresh || !(err instanceof RangeError)) throw err;
      }
    }
    throw new Error('unreachable');
  }

  /** `build` for a segment built asynchronously (read from its file into place, segment-read.ts). */
  async buildAsync(
    rows: number,
    build: (placement: Placement) => Promise<SealedSegment>,
  ): Promise<SealedSegment> {
    const bytes = segmentBytes(this.rowBytes, rows);
    for (const fresh of [false, true]) {
      const placement = this.arenas.place(bytes, { fresh });
      try {
        return await build(placement);
      } catch (err) {
        placement.release();
        if (fresh || !(err instanceof RangeError)) throw err;
      }
    }
    throw new Error('unreachable');
  }

  /**
   * Throws `CapacityError` unless appending `count` rows to `growing` fits the memory budget
   * and its arena's wasm32 memory (counting every block it appends as new memory): asked
   * before a write is committed, so an acknowledged write can be applied.
   */
  checkRoom(growing: GrowingSegment, count: number): void {
    const top = growing.kernels.allocator.heapTop;
    const end = top + growing.appendBytes(count);
    if (end > WASM32_BYTES) {
      throw new CapacityError(
        end - top,
        WASM32_BYTES - top,
        `writing ${count} points (the growing segment's arena would pass the 4 GiB of one wasm32 memory: flush, or write smaller batches)`,
      );
    }
    const needed = end - growing.kernels.memory.buffer.byteLength;
    if (needed > 0) this.arenas.checkRoom(needed, `writing ${count} points`);
  }
}
