/**
 * Reading a segment file into place: the vectors go from the file straight into their store
 * in the segment's arena, with no copy in between, and are checksummed as they arrive.
 *
 * Why. Loading a segment was: read the file into a buffer, check every section's CRC-32,
 * then copy the vectors into linear memory; the CRC and the copy (which also commits the
 * arena's pages) ran on the event loop after the read, so loading ran at a fraction of the
 * disk's speed. Here the header is read first; then the small sections (meta, ids,
 * payloads, presence) and, in chunks of {@link CHUNK_BYTES} with {@link IN_FLIGHT} in
 * flight, each vector section into its store's memory (the kernel commits the pages inside
 * the read, on the thread pool). The event loop only checksums each chunk as it arrives (in
 * file order, continuing the section's CRC) and parses the ids and payloads while the rest is
 * read.
 *
 * The checks are exactly `decodeSegment`'s (segment-file.ts shares them): magic, version,
 * header checksum, section positions, zero padding, every section's CRC-32, and the sections'
 * contents; a failure is a `CorruptDataError` naming the file, and frees the stores, after
 * every read in flight has settled (a read never writes into memory given back).
 *
 * It needs a shared memory (a view of it stays valid when the arena grows during the read)
 * and a store that reads in place (`ObjectStore.readInto`); otherwise loading reads the whole
 * file with `get` and decodes it.
 */

import { CorruptDataError } from '../errors.js';
import { PHASE_ALIGN, phasedAddress, VectorStore } from '../index/vector-store.js';
import type { Placement } from '../kernels/arenas.js';
import type { Kernels } from '../kernels/kernels.js';
import { WasmKernels } from '../kernels/wasm-kernels.js';
import { CRC32 } from '../kernels/worker-crc.js';
import { KernelWorkerPool } from '../kernels/worker-pool.js';
import type { SegmentPayloadIndex } from '../payload/payload-index.js';
import { openRowsAt, type RowsOpener } from '../segment/ondisk-vectors.js';
import { SealedSegment } from '../segment/sealed-segment.js';
import type { FieldLayout, StoredPayload } from '../segment/segment-view.js';
import { crc32, fromUtf8 } from '../storage/binary.js';
import { crc32Combine } from '../storage/crc32-combine.js';
import type { SegmentEntry } from '../storage/manifest.js';
import type { ObjectReader, ObjectStore } from '../storage/object-store.js';
import {
  checkSectionCrc,
  checkZeroPadding,
  decodeSegmentBody,
  isVectorSection,
  MAX_SEGMENT_HEADER_BYTES,
  SectionKind,
  type SegmentData,
  type SegmentSection,
  segmentFields,
  segmentLayout,
  verifySection,
} from '../storage/segment-file.js';
import type { SegmentPlacement } from './segment-placement.js';

/**
 * Reads of this size are issued {@link IN_FLIGHT} at a time: more than the thread pool's four
 * threads, so that the disk keeps reading while the event loop is busy (parsing the ids) and
 * cannot issue the next read; not so many that other file work waits long behind them.
 */
const CHUNK_BYTES = 16 * 2 ** 20;
const IN_FLIGHT = 8;

/** Reads bytes [position, position + target.length) of one file into `target`. */
export type ReadAt = (position: number, target: Uint8Array) => Promise<void>;

/** A segment file read into place: its rows, and the stores that hold its vector fields' rows. */
export interface PlacedSegment {
  /** The fields' `vectors` are views of `filled`'s memory (empty for fields streamed). */
  data: SegmentData;
  /** Per field, the store holding its rows; undefined for a field streamed. */
  filled: (VectorStore | undefined)[];
  /** Per field, the byte offset of its rows in the file. */
  offsets: number[];
}

/**
 * What becomes of the rows of a field streamed (kept on disk) as they pass through linear
 * memory: `n` f32 rows at `rowsPtr`, rows `first`..`first + n - 1` of the field, which stay
 * in place until the promise settles (chunks of one field may be handed over in any order).
 */
export type RowsSink = (rowsPtr: number, first: number, n: number) => Promise<void>;

/** Opens `key` of `store` for positioned reads (`store.openReader`); `CorruptDataError` when it is missing. */
export async function openObject(store: ObjectStore, key: string): Promise<ObjectReader> {
  try {
    return await store.openReader!(key);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CorruptDataError(key, 'file is missing');
    throw err;
  }
}

/**
 * The segment of manifest `entry` read from its file in `store` (which opens objects for
 * positioned reads) into place in an arena of `placement` (retried in a fresh arena as
 * `SegmentPlacement.build` does), and the file's bytes; `decodeWhole` builds it from the whole
 * file instead in an arena whose memory is not shared.
 */
export async function loadSegmentInPlace(
  store: ObjectStore,
  entry: SegmentEntry,
  placement: SegmentPlacement,
  payloadIndexOf: (payloads: readonly StoredPayload[]) => SegmentPayloadIndex,
  decodeWhole: (placement: Placement) => Promise<SealedSegment>,
  disk?: DiskFieldReads,
): Promise<{ segment: SealedSegment; bytes: number }> {
  const reader = await openObject(store, entry.file);
  try {
    const segment = await placement.buildAsync(entry.rows, async (placed) => {
      if (!readsInPlace(placed.kernels)) return decodeWhole(placed);
      const sinks = disk?.start(placed.kernels);
      try {
        const streamed = new Map<number, RowsSink | undefined>();
        disk?.layout.forEach((f, i) => {
          if (f.onDisk) streamed.set(i, sinks?.sinks.get(i));
        });
        const read = await readSegmentInPlace(
          (position, target) => reader.read(position, target),
          reader.size,
          entry.file,
          placed.kernels,
          CHUNK_BYTES,
          WORKER_CHECK_BYTES,
          streamed,
        );
        const rows = disk ? openRowsAt(disk.opener, read.offsets, disk.layout, entry.rows) : [];
        return SealedSegment.build(
          placed.kernels,
          entry.id,
          read.data,
          payloadIndexOf,
          placed.release,
          rows,
          read.filled,
        );
      } catch (err) {
        sinks?.abort();
        throw err;
      }
    });
    return { segment, bytes: reader.size };
  } finally {
    await reader.close();
  }
}

/**
 * How a segment with fields kept on disk (`layout[i].onDisk`) is read into place: those
 * fields' rows are streamed (checked and handed to a sink, not kept) and then read through
 * `opener` at their offset in the file.
 */
export interface DiskFieldReads {
  layout: readonly FieldLayout[];
  opener: RowsOpener;
  /**
   * Called once per attempt at placing the segment (a retry goes to a fresh arena): the sinks
   * of fields kept on disk (by index; a field without one is only checked) in `kernels`, and
   * `abort`, which frees what they made when the attempt fails.
   */
  start(kernels: Kernels): { sinks: ReadonlyMap<number, RowsSink>; abort(): void };
}

/** Whether segments can be read into `kernels`' memory in place (it is a shared memory). */
export function readsInPlace(kernels: Kernels): boolean {
  return kernels.memory.buffer instanceof SharedArrayBuffer;
}

/**
 * Reads and verifies the segment file `file` of `size` bytes through `readAt`, its vector
 * fields into new stores in `kernels` (see the module comment), in reads of `chunkBytes`.
 * The fields in `streamed` (by index; those kept on disk) get no store: their rows pass
 * through a few chunks of scratch memory, are checksummed there and handed to their sink
 * (`streamRows`), so the file is read once, whatever the fields' size.
 * @throws CorruptDataError naming `file`; RangeError when `kernels`' memory cannot hold the rows.
 */
export async function readSegmentInPlace(
  readAt: ReadAt,
  size: number,
  file: string,
  kernels: Kernels,
  chunkBytes = CHUNK_BYTES,
  workerBytes = WORKER_CHECK_BYTES,
  streamed: ReadonlyMap<number, RowsSink | undefined> = new Map(),
): Promise<PlacedSegment> {
  const head = new Uint8Array(Math.min(size, MAX_SEGMENT_HEADER_BYTES + 16));
  await readAt(0, head);
  const layout = segmentLayout(head, size, file);
  checkZeroPadding(head, layout.headerEnd, layout.sections[0]?.offset ?? size, file);
  const bodies = new Map<number, Uint8Array>();
  const small = layout.sections.filter((s) => !isVectorSection(s.kind));
  const read = await Promise.all(small.map((s) => readSection(readAt, s, file)));
  small.forEach((s, i) => {
    bodies.set(s.kind, read[i]);
  });
  const meta = parseMeta(bodies.get(SectionKind.META), file);
  const specs = segmentFields(layout, meta, (kind) => sectionOf(bodies, kind, file), file);
  const filled: (VectorStore | undefined)[] = [];
  const offsets: number[] = [];
  const streamedKinds = new Set<number>();
  const reads: Promise<void>[] = [];
  const checksum = workerChecksum(kernels, workerBytes);
  try {
    for (const [field, spec] of specs.entries()) {
      const section = layout.sections.findLast((s) => s.kind === spec.kind);
      if (!section) throw new CorruptDataError(file, `missing section ${spec.kind}`);
      const expected = layout.count * spec.dimension * 4;
      if (section.length !== expected) {
        throw new CorruptDataError(
          file,
          `vector section ${spec.kind} has ${section.length} bytes, expected ${expected}`,
        );
      }
      offsets.push(section.offset);
      if (streamed.has(field)) {
        filled.push(undefined);
        streamedKinds.add(spec.kind);
        const sink = streamed.get(field);
        const read = streamRows(readAt, section, spec.dimension, kernels, file, chunkBytes, checksum, sink);
        read.catch(() => undefined); // observed below
        reads.push(read);
        continue;
      }
      // Row 0 lies where the file's rows do modulo a page, so that the reads can go direct.
      const store = new VectorStore(kernels, spec.dimension, layout.count, section.offset % PHASE_ALIGN);
      filled.push(store);
      const target: { view?: Uint8Array } = {};
      const read = store.appendFilled(layout.count, (bytes) => {
        target.view = bytes;
        return readChecked(readAt, section, bytes, file, chunkBytes, checksum);
      });
      reads.push(read);
      // `appendFilled` hands over the view before its first await, unless it failed first
      // (then this throws its error).
      if (target.view === undefined) await read;
      bodies.set(spec.kind, target.view ?? new Uint8Array(0));
    }
    // Ids and payloads are parsed while the vectors are read.
    const data = decodeSegmentBody(
      layout,
      bodies,
      file,
      (bytes) => new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4),
      streamedKinds,
    );
    await Promise.all(reads);
    return { data, filled, offsets };
  } catch (err) {
    await Promise.allSettled(reads);
    for (const store of filled) store?.dispose();
    throw err;
  }
}

/**
 * Reads the vector section `section` (rows of `dimension` f32) through scratch memory in
 * `kernels`: chunks of whole rows, {@link IN_FLIGHT} at a time, each checksummed (`checksum`,
 * on a worker when large) and handed to `sink` while it is in memory, then its slot reused;
 * then the padding. The section's CRC-32 is joined from the chunks' in file order.
 * @throws CorruptDataError naming `file` when a checksum or the padding is wrong.
 */
async function streamRows(
  readAt: ReadAt,
  section: SegmentSection,
  dimension: number,
  kernels: Kernels,
  file: string,
  chunkBytes: number,
  checksum: ChunkChecksum | undefined,
  sink: RowsSink | undefined,
): Promise<void> {
  const rowBytes = dimension * 4;
  // Chunks of whole rows and whole pages, in slots that lie where the file's rows do modulo
  // a page, so that the reads can go direct (storage/whole-file-read.ts).
  const rowsPerPage = PHASE_ALIGN / gcd(rowBytes, PHASE_ALIGN);
  const rowsPerChunk = Math.max(1, Math.floor(chunkBytes / rowBytes / rowsPerPage)) * rowsPerPage;
  const step = rowsPerChunk * rowBytes;
  const chunks = Math.ceil(section.length / step);
  const slots = Math.min(IN_FLIGHT, chunks);
  const sums: number[] = new Array(chunks).fill(0);
  const scratch = slots > 0 ? kernels.alloc(slots * step + PHASE_ALIGN) : 0;
  const base = phasedAddress(scratch, section.offset);
  try {
    let next = 0;
    const lane = async (slot: number) => {
      const at = base + slot * step;
      while (next < chunks) {
        const i = next++;
        const length = Math.min(step, section.length - i * step);
        // A view made now: the memory may have grown (and its buffer been replaced) meanwhile.
        const bytes = new Uint8Array(kernels.memory.buffer, at, length);
        await readAt(section.offset + i * step, bytes);
        const [sum] = await Promise.all([
          checksum ? checksum(bytes) : crc32(bytes),
          sink?.(at, i * rowsPerChunk, length / rowBytes),
        ]);
        sums[i] = sum;
      }
    };
    const lanes = Array.from({ length: slots }, (_, slot) => lane(slot));
    const settled = await Promise.allSettled(lanes);
    for (const result of settled) if (result.status === 'rejected') throw result.reason;
  } finally {
    if (slots > 0) kernels.free(scratch);
  }
  let crc = 0;
  for (let i = 0; i < chunks; i++)
    crc = crc32Combine(crc, sums[i], Math.min(step, section.length - i * step));
  await checkVectorSection(readAt, section, crc, file);
}

/** Reads a section and its padding into JS memory and verifies both; returns its body. */
async function readSection(readAt: ReadAt, section: SegmentSection, file: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(section.end - section.offset);
  await readAt(section.offset, bytes);
  const body = bytes.subarray(0, section.length);
  verifySection(section, body, bytes.subarray(section.length), file);
  return body;
}

/**
 * Reads a vector section into `target` (its bytes in a store), its CRC-32 continued over
 * each chunk as it arrives (`readRegions`); then reads and checks its padding.
 */
async function readChecked(
  readAt: ReadAt,
  section: SegmentSection,
  target: Uint8Array,
  file: string,
  chunkBytes: number,
  checksum: ChunkChecksum | undefined,
): Promise<void> {
  const crc = await readRegions(readAt, section.offset, [target], 0, chunkBytes, undefined, checksum);
  await checkVectorSection(readAt, section, crc, file);
}

/** Reads and checks a vector section's padding, then checks `crc` (its body's CRC-32) against the header's. */
async function checkVectorSection(
  readAt: ReadAt,
  section: SegmentSection,
  crc: number,
  file: string,
): Promise<void> {
  const padding = new Uint8Array(section.end - section.offset - section.length);
  if (padding.length > 0) await readAt(section.offset + section.length, padding);
  verifySection(section, undefined, padding, file);
  checkSectionCrc(section, crc, file);
}

/**
 * Reads the bytes at `position` of a file into `regions`, one after the other as they lie in
 * the file, in chunks of at most `chunkBytes` with {@link IN_FLIGHT} in flight, and returns the
 * CRC-32 of those bytes continued from `crc`: each chunk is checksummed as soon as it and
 * every chunk before it are in, while later ones are still being read. `arrived(region, end)`
 * is then called: bytes [0, end) of `regions[region]` and every region before it are in.
 */
export async function readRegions(
  readAt: ReadAt,
  position: number,
  regions: readonly Uint8Array[],
  crc: number,
  chunkBytes = CHUNK_BYTES,
  arrived?: (region: number, end: number) => void,
  checksum?: ChunkChecksum,
): Promise<number> {
  const chunks: { at: number; bytes: Uint8Array; region: number; end: number }[] = [];
  let at = position;
  regions.forEach((region, index) => {
    for (let from = 0; from < region.length; from += chunkBytes) {
      const end = Math.min(region.length, from + chunkBytes);
      chunks.push({ at, bytes: region.subarray(from, end), region: index, end });
      at += end - from;
    }
  });
  const done = new Uint8Array(chunks.length);
  let next = 0;
  let checked = 0;
  let sum = crc;
  // With `checksum`, each chunk is summed apart as it arrives (on the workers, in parallel)
  // and the sums are joined in file order at the end (`crc32Combine`).
  const sums: Promise<number>[] = [];
  const reader = async () => {
    while (next < chunks.length) {
      const i = next++;
      await readAt(chunks[i].at, chunks[i].bytes);
      done[i] = 1;
      while (checked < chunks.length && done[checked] === 1) {
        const chunk = chunks[checked++];
        if (checksum) {
          const part = checksum(chunk.bytes);
          part.catch(() => undefined); // observed below, once every chunk is read
          sums.push(part);
        } else sum = crc32(chunk.bytes, sum);
        arrived?.(chunk.region, chunk.end);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, chunks.length) }, reader));
  } finally {
    // Nothing may still read the regions once this settles (a failed read frees them).
    await Promise.allSettled(sums);
  }
  if (!checksum) return sum;
  const each = await Promise.all(sums);
  for (let i = 0; i < each.length; i++) sum = crc32Combine(sum, each[i], chunks[i].bytes.length);
  return sum;
}

/** The CRC-32 of `bytes` alone, computed elsewhere (a kernel worker). */
export type ChunkChecksum = (bytes: Uint8Array) => Promise<number>;

/**
 * Bytes from which a chunk is checked on a kernel worker rather than here: a smaller one is
 * checked faster than a message takes (and a file of a few chunks would wait for a worker to
 * start, about 0.3 s the first time).
 */
export const WORKER_CHECK_BYTES = 4 * 2 ** 20;

/**
 * Checksums on a kernel worker (for chunks of `workerBytes` or more) for regions in `kernels`' shared memory (`CRC32` of
 * kernels/worker-crc.ts), or undefined when its memory is not shared (checked here, then).
 */
export function workerChecksum(
  kernels: Kernels,
  workerBytes = WORKER_CHECK_BYTES,
): ChunkChecksum | undefined {
  if (!(kernels instanceof WasmKernels) || !readsInPlace(kernels)) return undefined;
  const pool = KernelWorkerPool.of('search');
  return (bytes) =>
    bytes.buffer instanceof SharedArrayBuffer && bytes.byteLength >= workerBytes
      ? pool.run(kernels, CRC32, [bytes.byteOffset, bytes.byteLength, 0])
      : Promise.resolve(crc32(bytes));
}

function sectionOf(bodies: ReadonlyMap<number, Uint8Array>, kind: number, file: string): Uint8Array {
  const body = bodies.get(kind);
  if (!body) throw new CorruptDataError(file, `missing section ${kind}`);
  return body;
}

function parseMeta(body: Uint8Array | undefined, file: string): unknown {
  if (!body) throw new CorruptDataError(file, `missing section ${SectionKind.META}`);
  try {
    return JSON.parse(fromUtf8(body));
  } catch {
    throw new CorruptDataError(file, `section ${SectionKind.META} is not valid JSON`);
  }
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
