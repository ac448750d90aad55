/**
 * Building and loading the approximate index of a sealed segment's `onDisk` field
 * (ondisk-config.ts): `HNSW<M>,SQ8` whose graph and codes live in the segment's arena while
 * the rows stay in the segment file.
 *
 * A build needs every row at once (the graph is linked on full-precision vectors, exactly as
 * `HNSW<M>,SQ8` in memory, so both give the same graph for the same rows and seed). It reads
 * the rows from the file into a temporary arena of their own, builds the in-memory
 * `HnswSq8Index` there (on the build workers), serializes it, copies its codes into the
 * segment's arena, and releases the arena, whose memory the garbage collector then returns;
 * the segment's arena only ever receives the graph and the codes (`OnDiskHnswSq8Index.load`).
 * The index file holds the same body as in memory, so an index file is one format.
 */
import { CorruptDataError } from '../errors.js';
import { buildIndex } from '../index/factory.js';
import type { IndexRecipe } from '../index/factory-grammar.js';
import { parseIndexFactory } from '../index/factory-grammar.js';
import { OnDiskSq8Codes } from '../index/ondisk-codes.js';
import { chunkRows } from '../index/ondisk-flat-index.js';
import { OnDiskHnswSq8Index } from '../index/ondisk-hnsw-index.js';
import { Sq8FamilyIndex } from '../index/sq8-family.js';
import { VectorStore } from '../index/vector-store.js';
import type { MemoryArenas } from '../kernels/arenas.js';
import type { SealedSegment } from '../segment/sealed-segment.js';
import { SEGMENT_OVERHEAD_BYTES } from './segment-bytes.js';

/**
 * Builds the on-disk index of `field` of `segment` by `recipe` (an `HNSW<M>,SQ8` recipe);
 * undefined when the segment is too small to train on (it then stays on exact scans).
 * The temporary arena is released whatever happens.
 */
export async function buildOnDiskIndex(
  arenas: MemoryArenas,
  segment: SealedSegment,
  field: number,
  recipe: IndexRecipe,
  options: { efConstruction?: number; ef?: number; shuffle?: boolean },
): Promise<OnDiskHnswSq8Index | undefined> {
  const rows = segment.diskRows(field);
  if (rows === undefined) throw new RangeError(`field ${field} of segment ${segment.id} is not kept on disk`);
  const d = rows.dimension;
  const placement = arenas.place(SEGMENT_OVERHEAD_BYTES + rows.count * (d * 4) * 2 + rows.count * 256, {
    fresh: true,
  });
  const distance = segment.layout(field).distance;
  let body: Uint8Array;
  // The built index's codes, copied into the segment's arena (not re-encoded from the file).
  let codes: OnDiskSq8Codes | undefined;
  try {
    const store = new VectorStore(placement.kernels, d, rows.count);
    try {
      const step = chunkRows(d);
      const buffer = new Float32Array(step * d);
      for (let first = 0; first < rows.count; first += step) {
        const n = Math.min(step, rows.count - first);
        await rows.readRangeAsync(first, n, buffer);
        store.append(buffer.subarray(0, n * d));
      }
      const built = await buildIndex(placement.kernels, recipe, store, distance, options);
      if (built === undefined) return undefined;
      try {
        body = built.serialize();
        if (built instanceof Sq8FamilyIndex) {
          codes = OnDiskSq8Codes.of(segment.kernels, body, d, rows.count, distance).codes;
          codes.copyFrom(built.codeBytes());
        }
      } catch (err) {
        codes?.dispose();
        throw err;
      } finally {
        built.dispose();
      }
    } finally {
      store.dispose();
    }
  } finally {
    placement.release();
  }
  return OnDiskHnswSq8Index.load(segment.kernels, body, rows, distance, { ef: options.ef, codes });
}

/**
 * The on-disk index of `field` of `segment` from an index file of type `indexType` (`key`
 * names it in errors), with `codes` when they were encoded as the segment file was read
 * (taken over, and freed when this throws; else encoded here from the rows).
 * @throws CorruptDataError when the type is not `HNSW<M>,SQ8` or the body does not fit.
 */
export function loadOnDiskIndex(
  segment: SealedSegment,
  field: number,
  indexType: string,
  body: Uint8Array,
  key: string,
  codes?: OnDiskSq8Codes,
): OnDiskHnswSq8Index {
  const rows = segment.diskRows(field);
  if (rows === undefined) {
    codes?.dispose();
    throw new RangeError(`field ${field} of segment ${segment.id} is not kept on disk`);
  }
  try {
    checkOnDiskIndexType(indexType, key);
  } catch (error) {
    codes?.dispose();
    throw error;
  }
  let index: OnDiskHnswSq8Index;
  try {
    index = OnDiskHnswSq8Index.load(segment.kernels, body, rows, segment.layout(field).distance, { codes });
  } catch (error) {
    throw new CorruptDataError(key, (error as Error).message);
  }
  try {
    index.checkGraph();
    return index;
  } catch (error) {
    index.dispose();
    throw new CorruptDataError(key, (error as Error).message);
  }
}

/**
 * Throws `CorruptDataError` naming `key` unless `indexType` is one an onDisk field loads
 * (`HNSW<M>,SQ8`).
 */
export function checkOnDiskIndexType(indexType: string, key: string): void {
  let recipe: IndexRecipe | undefined;
  try {
    recipe = parseIndexFactory(indexType);
  } catch {
    recipe = undefined;
  }
  if (recipe?.family !== 'hnsw' || recipe.storage !== 'sq8') {
    throw new CorruptDataError(
      key,
      `an onDisk field needs an HNSW<M>,SQ8 index, the file holds '${indexType}'`,
    );
  }
}
