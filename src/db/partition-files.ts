/**
 * Value partitions kept on disk (storage/partition-file.ts): one file per sealed segment and
 * vector field, `seg-<id>[.<field>].qpart`, written by the indexer after it builds the
 * field's partitions and read when the segment loads, so that opening does not rebuild the
 * partition graphs.
 *
 * Invariants:
 * - A stored key's partitions are attached only when the file verifies and, for that key,
 *   holds exactly one partition per value that deserves one under the segment's current
 *   keyword index, with exactly that value's rows. Anything else (no file, a file of an
 *   older build, payloads changed since, a damaged file) leaves the key unpartitioned, and
 *   the indexer rebuilds it and writes the file again: the file can make loading faster,
 *   never answers different.
 * - The files are named by segment and field, not by the manifest: they are derived data
 *   (like the partitions in memory), written outside the commit queue, and deleted with
 *   their segment (compaction, drop) or as orphans at the next load.
 */
import { CorruptDataError } from '../errors.js';
import { HnswIndex } from '../index/hnsw-index.js';
import type { KeywordPostings } from '../payload/keyword-index.js';
import type { TombstonedSegment } from '../segment/tombstones.js';
import { deservesPartition, KeyPartitions, packedCopy, ValuePartition } from '../segment/value-partitions.js';
import {
  decodePartitionFile,
  encodePartitionFile,
  partitionKey,
  type StoredKeyPartitions,
} from '../storage/partition-file.js';
import type { CollectionStorage } from './collection-storage.js';
import { SEGMENT_OVERHEAD_BYTES } from './segment-bytes.js';

/** Partitioned keys of a loaded segment: read from files, and left for the indexer to rebuild. */
export interface PartitionLoad {
  loaded: number;
  rebuilt: number;
}

/**
 * Writes the partition file of `field` of `part` with the partitions it holds now (after the
 * indexer built them), or deletes it when it holds none.
 */
export async function savePartitions(
  storage: CollectionStorage,
  part: TombstonedSegment,
  field: number,
): Promise<void> {
  const segment = part.segment;
  const layout = segment.layout(field);
  const key = partitionKey(storage.prefix, segment.id, layout.name);
  const keys: StoredKeyPartitions[] = [];
  for (const [name, parts] of segment.partitionsOf(field)) {
    const values = [...parts.entries()].map(([value, p]) => ({
      value,
      rows: p.rows,
      graph: p.index.serialize(),
    }));
    const first = values.length > 0 ? [...parts.entries()][0][1] : undefined;
    keys.push({ key: name, ef: first?.index.options.ef ?? 0, values });
  }
  if (keys.length === 0) {
    await storage.deleteFile(key);
    return;
  }
  const bytes = encodePartitionFile({
    segmentId: segment.id,
    segmentRows: segment.rows,
    field: layout.name,
    dimension: layout.dimension,
    keys,
  });
  await storage.putFile(key, bytes);
}

/**
 * Attaches the stored partitions of every field of `part` (just loaded, its indexes
 * attached) whose rows match its keyword indexes; counts the keys read and those left to
 * rebuild. Needs the wasm kernels (the graphs are HNSW); with others nothing is read.
 */
export async function loadPartitions(
  storage: CollectionStorage,
  part: TombstonedSegment,
): Promise<PartitionLoad> {
  const out: PartitionLoad = { loaded: 0, rebuilt: 0 };
  const segment = part.segment;
  for (let field = 0; field < segment.fieldCount; field++) {
    const wanted = segment.unpartitionedKeys(field);
    if (wanted.length === 0 || segment.kernels.kind !== 'wasm-simd') continue;
    const layout = segment.layout(field);
    const key = partitionKey(storage.prefix, segment.id, layout.name);
    const bytes = await storage.readIfExists(key);
    let stored: StoredKeyPartitions[] = [];
    if (bytes) {
      try {
        stored = decodePartitionFile(bytes, key, segment.id, segment.rows).keys;
      } catch (err) {
        if (!(err instanceof CorruptDataError)) throw err;
        process.emitWarning(`quiver: ${err.message}; rebuilding its partitions`);
      }
    }
    for (const { key: name, postings } of wanted) {
      const found = stored.find((s) => s.key === name);
      let parts: KeyPartitions | undefined;
      if (found && matches(found, postings, segment.rows)) {
        try {
          parts = restore(storage, part, field, found, postings);
        } catch (err) {
          // A graph that does not fit its rows, or no memory for it: the indexer tries again.
          process.emitWarning(
            `quiver: ${key}: partitions of '${name}' not restored: ${(err as Error).message}`,
          );
        }
      }
      if (parts && segment.attachPartitions(field, name, parts)) out.loaded++;
      else out.rebuilt++;
    }
  }
  return out;
}

/** Whether `stored` holds exactly the partitions `postings` calls for, row for row. */
function matches(stored: StoredKeyPartitions, postings: KeywordPostings, segmentRows: number): boolean {
  const deserving = [...postings.valueCounts()].filter(([, count]) => deservesPartition(count, segmentRows));
  if (deserving.length !== stored.values.length) return false;
  const byValue = new Map(stored.values.map((v) => [v.value, v.rows]));
  for (const [value] of deserving) {
    const rows = byValue.get(value);
    const current = postings.rowsOf(value);
    if (rows === undefined || rows.length !== current.length) return false;
    for (let i = 0; i < rows.length; i++) if (rows[i] !== current[i]) return false;
  }
  return true;
}

/** The partitions of `stored`: each value's rows gathered from the segment, its graph over them. */
function restore(
  storage: CollectionStorage,
  part: TombstonedSegment,
  field: number,
  stored: StoredKeyPartitions,
  postings: KeywordPostings,
): KeyPartitions {
  const segment = part.segment;
  const store = segment.store(field);
  let bytes = SEGMENT_OVERHEAD_BYTES;
  for (const v of stored.values) bytes += v.rows.length * store.dimension * 4 + v.graph.byteLength * 2;
  const placement = storage.arenas.place(bytes);
  const made = new Map<string, ValuePartition>();
  try {
    const source = { kernels: placement.kernels, store, distance: segment.layout(field).distance, hnsw: {} };
    for (const v of stored.values) {
      // The postings' own rows: equal to the stored ones (checked), and what searches map through.
      const rows = postings.rowsOf(v.value);
      const copy = packedCopy(source, rows);
      try {
        const index = HnswIndex.deserialize(placement.kernels, v.graph, copy, { ef: stored.ef });
        made.set(v.value, new ValuePartition(rows, index));
      } catch (err) {
        copy.dispose();
        throw err;
      }
    }
  } catch (err) {
    for (const p of made.values()) p.dispose();
    placement.release();
    throw err;
  }
  const parts = new KeyPartitions(postings, made);
  parts.onDispose(placement.release);
  return parts;
}
