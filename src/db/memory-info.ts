/**
 * What a collection holds in memory and on disk, for `info()`: per vector field, the bytes
 * of its vectors and of its approximate indexes and value partitions in linear memory (the
 * arenas), and its share of the collection's files; for the collection, those summed, the
 * payloads' estimated bytes in the JS heap, and the arenas its segments live in.
 *
 * Vectors count each store's allocated capacity (the growing segment's stores grow by
 * doubling); an index counts its own bytes, never the store it borrows. A segment file
 * holds every field's vectors: each field is charged its share by row length.
 */
import type { VectorIndexRead } from '../index/vector-index.js';
import type { SealedSegment } from '../segment/sealed-segment.js';
import type { CollectionStorage } from './collection-storage.js';
import type { CollectionMemoryInfo, DiskInfo, FieldMemoryInfo } from './types.js';

export interface StorageUsage {
  memory: CollectionMemoryInfo;
  disk: DiskInfo;
  /** Per vector field, in field order. */
  fields: { memory: FieldMemoryInfo; disk: DiskInfo }[];
}

/** Memory and disk use of `storage`'s segments (payload bytes estimated from their JSON). */
export function storageUsage(storage: CollectionStorage): StorageUsage {
  const set = storage.set;
  const layout = set.layout;
  const fields = layout.map(() => ({
    memory: { bytes: 0, vectors: 0, index: 0 } as FieldMemoryInfo,
    disk: { bytes: 0 } as DiskInfo,
  }));
  const arenas = new Set<number>([set.growing.kernels.arenaId]);
  const totalFloats = layout.reduce((sum, f) => sum + f.dimension, 0);
  let payload = 0;
  for (const part of set.sealed) {
    const segment = part.segment;
    arenas.add(segment.kernels.arenaId);
    const segmentFile = storage.fileBytesOf(storage.segmentFile(segment.id));
    layout.forEach((f, i) => {
      const store = segment.store(i);
      const m = fields[i].memory;
      m.vectors += store.byteLength;
      if (segment.isIndexed(i)) m.index += indexBytes(segment.index(i), store.byteLength);
      fields[i].disk.bytes +=
        Math.round((segmentFile * f.dimension) / Math.max(1, totalFloats)) +
        storage.fileBytesOf(part.indexFiles[i]);
    });
    payload += sealedPayloadBytes(segment);
  }
  for (const part of set.sealed) {
    part.segment.partitionBytesByField().forEach((bytes, i) => {
      fields[i].memory.index += bytes;
    });
  }
  layout.forEach((_, i) => {
    fields[i].memory.vectors += set.growing.fieldIndex(i).memoryBytes;
  });
  const sealedRows = set.sealed.reduce((sum, p) => sum + p.rows, 0);
  const rows = sealedRows + set.growing.rows;
  for (let offset = 0; offset < set.growing.rows; offset++)
    payload += payloadBytes(set.growing.payload(offset));
  let vectors = 0;
  let index = 0;
  for (const f of fields) {
    f.memory.bytes = f.memory.vectors + f.memory.index;
    f.memory.bytesPerVector = rows === 0 ? 0 : Math.round(f.memory.bytes / rows);
    f.disk.bytesPerVector = sealedRows === 0 ? 0 : Math.round(f.disk.bytes / sealedRows);
    vectors += f.memory.vectors;
    index += f.memory.index;
  }
  const perRow = (bytes: number, n: number) => (n === 0 ? 0 : Math.round(bytes / n));
  return {
    memory: {
      bytes: vectors + index + payload,
      vectors,
      index,
      bytesPerVector: perRow(vectors + index, rows),
      payload,
      arenas: arenas.size,
    },
    disk: {
      bytes: storage.diskBytes,
      bytesPerVector: perRow(
        fields.reduce((sum, f) => sum + f.disk.bytes, 0),
        sealedRows,
      ),
    },
    fields,
  };
}

/**
 * Bytes an index structure holds beyond the store it borrows (HNSW counts its store in
 * `memoryBytes`) and beyond the scratch its searches have allocated so far (which depends
 * on the searches run, not on the data: a restored snapshot reports what the original does).
 */
function indexBytes(index: VectorIndexRead, storeBytes: number): number {
  const {
    memoryBytes = 0,
    graph,
    hnsw,
  } = index as {
    memoryBytes?: number;
    graph?: { scratchBytes: number };
    hnsw?: { graph: { scratchBytes: number } };
  };
  const scratch = (graph ?? hnsw?.graph)?.scratchBytes ?? 0;
  const borrowed = index.type === 'hnsw' ? storeBytes : 0;
  return Math.max(0, memoryBytes - borrowed - scratch);
}

/** Payload bytes of each sealed segment (immutable), computed once. */
const sealedPayloads = new WeakMap<SealedSegment, number>();

function sealedPayloadBytes(segment: SealedSegment): number {
  let bytes = sealedPayloads.get(segment);
  if (bytes === undefined) {
    bytes = 0;
    for (const p of segment.payloads) bytes += payloadBytes(p);
    sealedPayloads.set(segment, bytes);
  }
  return bytes;
}

/** Estimated heap bytes of a payload: its JSON length (two bytes a character, as V8 strings at worst). */
function payloadBytes(payload: unknown): number {
  if (payload === null || payload === undefined) return 0;
  return JSON.stringify(payload).length * 2;
}
