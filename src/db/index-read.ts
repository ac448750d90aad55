/**
 * Reading an HNSW index file into place: the graph's level-0 lists, upper lists and deleted
 * bits go from the file straight into their blocks in the segment's arena (no buffer of the
 * whole file, no copy), checksummed chunk by chunk as they arrive (segment-read.ts's
 * `readRegions`), in file order, so the CRC-32 of the file is the one `decodeIndexFile`
 * checks.
 *
 * Same checks, same errors: the header (`indexFileLayout`), the CRC-32, the owner segment and
 * rows (`checkIndexFile`), the graph's fields and levels (`HnswGraph.place`), all as
 * `CorruptDataError` naming the file; the caller then runs `checkIntegrity` as for any index.
 * A file whose graph fields do not describe a graph this build places (another index type,
 * a body too short, fields `HnswGraph.place` refuses) is left to the whole-file path
 * (`undefined`), which reports what is wrong in the order it always did (checksum first).
 * On failure the graph is freed after every read in flight has settled.
 */
import { CorruptDataError } from '../errors.js';
import { parseIndexFactory } from '../index/factory-grammar.js';
import { HnswGraph } from '../index/hnsw-graph.js';
import { HnswIndex } from '../index/hnsw-index.js';
import { checkLevel0Async, level0Bitset } from '../index/hnsw-integrity.js';
import { WasmKernels } from '../kernels/wasm-kernels.js';
import { KernelWorkerPool } from '../kernels/worker-pool.js';
import type { SealedSegment } from '../segment/sealed-segment.js';
import { crc32 } from '../storage/binary.js';
import { checkIndexFile, indexFileLayout, MAX_INDEX_HEAD_BYTES } from '../storage/index-file.js';
import type { ObjectReader, ObjectStore } from '../storage/object-store.js';
import { openObject, readRegions, readsInPlace, WORKER_CHECK_BYTES, workerChecksum } from './segment-read.js';

/**
 * `readHnswInPlace` of the index file `key` of `store` (which opens objects for positioned
 * reads), with the file's bytes. @throws CorruptDataError naming `key` (also when it is missing).
 */
export async function loadHnswInPlace(
  store: ObjectStore,
  key: string,
  segment: SealedSegment,
  field: number,
): Promise<{ index: HnswIndex; level0Checked: number; bytes: number } | undefined> {
  const reader = await openObject(store, key);
  try {
    const placed = await readHnswInPlace(reader, key, segment, field);
    return placed && { ...placed, bytes: reader.size };
  } finally {
    await reader.close();
  }
}

/**
 * The plain HNSW index of `field` of `segment` read from the index file `file` into place,
 * or undefined when this file is not one to read so (see the module comment); with the
 * nodes whose level-0 lists were checked as they arrived (hnsw-integrity.ts), which
 * its `checkIntegrity(level0Checked)` skips.
 * @throws CorruptDataError naming `file`.
 */
export async function readHnswInPlace(
  reader: ObjectReader,
  file: string,
  segment: SealedSegment,
  field: number,
  chunkBytes?: number,
  workerBytes = WORKER_CHECK_BYTES,
): Promise<{ index: HnswIndex; level0Checked: number } | undefined> {
  const kernels = segment.kernels;
  if (!(kernels instanceof WasmKernels) || !readsInPlace(kernels)) return undefined;
  const readAt = (position: number, target: Uint8Array) => reader.read(position, target);
  const head = new Uint8Array(Math.min(reader.size, MAX_INDEX_HEAD_BYTES));
  await readAt(0, head);
  const layout = indexFileLayout(head, reader.size, file);
  if (!isPlainHnsw(layout.indexType) || layout.bodyLength < HnswGraph.FIXED_BYTES) return undefined;
  const prefixEnd = layout.bodyOffset + HnswGraph.FIXED_BYTES;
  let prefix = head;
  if (prefixEnd > head.length) {
    prefix = new Uint8Array(prefixEnd);
    await readAt(0, prefix);
  }
  const fixed = new Uint32Array(prefix.slice(layout.bodyOffset, prefixEnd).buffer);
  let placed: ReturnType<typeof HnswGraph.place>;
  try {
    placed = HnswGraph.place(kernels, fixed, layout.bodyLength, segment.store(field), layout.bodyOffset);
  } catch {
    return undefined;
  }
  // The level-0 lists (region 1) are checked as they arrive, on the kernel workers, while the
  // rest is read: at most one check per worker in flight, each with a bitset of its own, and
  // each covering every list that arrived since the last one was handed out (at least
  // `workerBytes` of them). When a check fails, none counts, and `checkIntegrity` then checks
  // every list and reports the failure (after the checksum and the header, as it would have);
  // the lists left unchecked here it checks at once.
  const graph = placed.graph;
  const listBytes = (2 * fixed[4] + 1) * 4;
  const bitsets: number[] = [];
  const free: number[] = [];
  let arrived = 0;
  let handed = 0;
  let failed = false;
  const checks: Promise<void>[] = [];
  const dispatch = () => {
    while (!failed && arrived > handed && (arrived - handed) * listBytes >= workerBytes) {
      if (free.length === 0) {
        if (bitsets.length >= KernelWorkerPool.of('search').maxWorkers) return;
        const made = level0Bitset(graph);
        if (made === undefined) return; // no room: these lists are left to `checkIntegrity`
        bitsets.push(made);
        free.push(made);
      }
      const seen = free.pop() as number;
      const from = handed;
      handed = arrived;
      checks.push(
        checkLevel0Async(graph, from, handed, seen).then(
          (bad) => {
            if (bad >= 0) failed = true;
            free.push(seen);
            dispatch();
          },
          () => {
            failed = true;
          },
        ),
      );
    }
  };
  const onArrival = (region: number, end: number) => {
    if (region !== 1) return;
    arrived = Math.max(arrived, Math.floor(end / listBytes));
    dispatch();
  };
  /** Waits for every check, also those handed out meanwhile; frees the bitsets; whether all passed. */
  const checked = async () => {
    for (let i = 0; i < checks.length; i++) await checks[i];
    for (const b of bitsets) graph.kernels.free(b);
    bitsets.length = 0;
    return !failed;
  };
  const reading = readRegions(
    readAt,
    prefixEnd,
    placed.regions,
    crc32(prefix.subarray(0, prefixEnd)),
    chunkBytes,
    onArrival,
    workerChecksum(kernels, workerBytes),
  );
  try {
    const crc = await reading;
    const stored = new Uint8Array(4);
    await readAt(reader.size - 4, stored);
    checkIndexFile(
      layout,
      crc,
      new DataView(stored.buffer).getUint32(0, true),
      file,
      segment.id,
      segment.rows,
    );
    // The lists are read by the checks until they settle; nothing changes the graph before.
    const allPassed = await checked();
    try {
      placed.finish();
    } catch (err) {
      throw new CorruptDataError(file, (err as Error).message);
    }
    return { index: HnswIndex.overGraphOf(placed.graph), level0Checked: allPassed ? handed : 0 };
  } catch (err) {
    await reading.catch(() => undefined);
    await checked();
    placed.graph.dispose();
    throw err;
  }
}

/** Whether an index file's type names a plain HNSW graph over the segment's vectors. */
function isPlainHnsw(type: string): boolean {
  if (type === 'hnsw') return true;
  try {
    const recipe = parseIndexFactory(type);
    return recipe.family === 'hnsw' && recipe.storage === 'flat';
  } catch {
    return false;
  }
}
