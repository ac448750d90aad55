/**
 * Data for the verified-erasure tests: points whose vectors and payload strings are
 * distinctive enough to find in raw file bytes, and a scanner that searches every file under
 * a database folder (recursively, including SQLite's `-wal` and `-shm`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PointInput } from '../../src/index.js';

export const PURGE_DIM = 8;

/** Point `i`'s vector: values no other point shares, exact in float32. */
export function purgeVector(i: number): number[] {
  return Array.from({ length: PURGE_DIM }, (_, d) => 1000 + i * 16 + d + 0.5);
}

/** Point `i`'s payload string. */
export function purgeSecret(i: number): string {
  return `secret-payload-${i}-xyzzy`;
}

export function purgePoint(i: number): PointInput {
  return { id: i, vector: purgeVector(i), payload: { secret: purgeSecret(i), group: i % 10 } };
}

/** The little-endian float32 bytes of point `i`'s vector. */
export function vectorBytes(i: number): Buffer {
  return Buffer.from(Float32Array.from(purgeVector(i)).buffer);
}

/** Every file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** The files under `dir` whose bytes hold point `i`'s vector or payload string, with what they hold. */
export function holders(dir: string, i: number): string[] {
  const vector = vectorBytes(i);
  const secret = Buffer.from(purgeSecret(i), 'utf8');
  const found: string[] = [];
  for (const file of filesUnder(dir)) {
    const bytes = readFileSync(file);
    if (bytes.indexOf(vector) >= 0) found.push(`${file} (vector ${i})`);
    if (bytes.indexOf(secret) >= 0) found.push(`${file} (payload ${i})`);
  }
  return found;
}
