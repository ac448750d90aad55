/**
 * A database for the encryption-at-rest tests that puts point data in every kind of file:
 * sealed segments with an HNSW index, a tombstone file, a payload overlay file and a keyword
 * payload index with value partitions (`faces`), a collection with its vectors on disk (`disk`), a snapshot, and a WAL
 * tail not yet sealed. Vectors and payload strings are the verified-erasure tests' distinctive
 * ones (`purge-data.ts`), so a scan of raw bytes finds them wherever they are in clear.
 */

import { readFileSync } from 'node:fs';
import { type OpenOptions, Quiver } from '../../src/index.js';
import { filesUnder, PURGE_DIM, purgeSecret, purgeVector } from './purge-data.js';

/** Rows of the sealed segment of `faces` (value partitions need ≥ 1024 rows of a value, ≤ 1/8 of the segment). */
export const SEALED = 10_000;
/** Points of `faces` upserted after the last seal (only in the WAL). */
export const TAIL = 40;
/** Points of `disk` (ids from `DISK_BASE`). */
export const DISK_ROWS = 1_500;
export const DISK_BASE = 50_000;
/** Deleted after sealing: a tombstone file holds them. */
export const DELETED = [7, 8];

export const KEY_A = 'a1'.repeat(32);
export const KEY_B = 'b2'.repeat(32);

export function facesPoint(i: number) {
  return {
    id: i,
    vector: purgeVector(i),
    payload: { secret: purgeSecret(i), group: i % 9 === 3 ? 'part' : 'other' },
  };
}

/** Creates and fills the database at `dir`; returns it open (the WAL tail unsealed). */
export async function populate(dir: string, options: OpenOptions = {}): Promise<Quiver> {
  const db = await Quiver.open(dir, options);
  const faces = await db.createCollection('faces', {
    dimension: PURGE_DIM,
    metric: 'l2',
    segmentSize: SEALED,
    index: { type: 'hnsw', M: 16, efConstruction: 64 },
    payloadIndexes: { group: { type: 'keyword', partitioned: true } },
  });
  for (let at = 0; at < SEALED; at += 2_500) {
    await faces.upsert(Array.from({ length: 2_500 }, (_, k) => facesPoint(at + k)));
  }
  await faces.flush();
  const disk = await db.createCollection('disk', {
    dimension: PURGE_DIM,
    metric: 'l2',
    segmentSize: DISK_ROWS,
    index: { type: 'hnsw', M: 16, efConstruction: 64 },
    onDisk: true,
  });
  await disk.upsert(Array.from({ length: DISK_ROWS }, (_, k) => facesPoint(DISK_BASE + k)));
  await disk.flush();
  await db.createSnapshot('faces');
  await faces.delete(DELETED);
  // A payload change after sealing: a payload overlay file holds the rows' new payloads.
  await faces.setPayload([3, 4_321], { reviewed: true });
  await faces.flush();
  await faces.upsert(Array.from({ length: TAIL }, (_, k) => facesPoint(SEALED + k)));
  return db;
}

/** Points whose bytes the scans look for: sealed, deleted (tombstoned), in the WAL tail, on disk. */
export const SAMPLE = [0, 3, 7, 4_321, SEALED - 1, SEALED, SEALED + TAIL - 1, DISK_BASE, DISK_BASE + 777];

/**
 * What the files under `dir` hold in clear of the sample points: any two neighbouring floats
 * of a vector (8 bytes) or a payload string.
 */
export function clearBytes(dir: string, ids: readonly number[] = SAMPLE): string[] {
  const needles: { what: string; bytes: Buffer }[] = [];
  for (const i of ids) {
    const v = Buffer.from(Float32Array.from(purgeVector(i)).buffer);
    for (let d = 0; d + 8 <= v.length; d += 8)
      needles.push({ what: `vector ${i}[${d / 4}]`, bytes: v.subarray(d, d + 8) });
    needles.push({ what: `payload ${i}`, bytes: Buffer.from(purgeSecret(i), 'utf8') });
  }
  const found: string[] = [];
  for (const file of filesUnder(dir)) {
    const bytes = readFileSync(file);
    for (const n of needles) if (bytes.indexOf(n.bytes) >= 0) found.push(`${file}: ${n.what}`);
  }
  return found;
}
