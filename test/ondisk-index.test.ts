/**
 * The on-disk indexes against their in-memory counterparts over the same rows, read from a
 * real file through `FileRows` (positioned reads at an unaligned-looking offset, 48 bytes in):
 * - `OnDiskHnswSq8Index` loaded from the body an in-memory `HNSW16,SQ8` serialized (built on
 *   parallel workers, 6,000 × 24, l2 and cosine) returns exactly its offsets and distances
 *   for every query at ef 8 and 40, rerank default / 5 / 30 / 0, with and without random
 *   allow bitsets of 50% and 2% (the exact-scan path), synchronously and on a worker
 *   (walk, reads and ranking in one worker call), and so does the same index over rows held
 *   in the heap (`HeapRows`: walk on a worker, reads and ranking on this thread);
 *   its codes check against the file, and it serializes back to the same body;
 * - `OnDiskFlatIndex` equals `FlatIndex` (search, searchAsync, rangeSearch) with no filter,
 *   a 50% filter (chunks with allow words) and a 1% filter (row-by-row reads).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gaussianMixture } from '../src/eval/random.js';
import { Bitset } from '../src/index/bitset.js';
import { HeapRows } from '../src/index/disk-rows.js';
import { buildIndex } from '../src/index/factory.js';
import { FlatIndex } from '../src/index/flat-index.js';
import { normalizedRows } from '../src/index/hnsw-index.js';
import type { HnswSq8Index } from '../src/index/hnsw-sq8-index.js';
import { OnDiskFlatIndex } from '../src/index/ondisk-flat-index.js';
import { OnDiskHnswSq8Index } from '../src/index/ondisk-hnsw-index.js';
import { VectorStore } from '../src/index/vector-store.js';
import { DistanceKind } from '../src/kernels/kernels.js';
import { wasmKernels } from '../src/kernels/load.js';
import { FileRows } from '../src/segment/ondisk-vectors.js';
import { tempDir } from './support/reference.js';

const kern = wasmKernels();
const N = 6_000;
const DIM = 24;
const Q = 25;
const data = gaussianMixture(N + Q, DIM, 60, 11);
const dir = tempDir('quiver-ondisk-index-');
after(() => dir.cleanup());

/** The rows written to a file after 48 bytes of something else, and a reader over them. */
function fileOf(name: string, rows: Float32Array): FileRows {
  const path = join(dir.path, name);
  const bytes = new Uint8Array(48 + rows.byteLength);
  bytes.fill(0xab, 0, 48);
  bytes.set(new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength), 48);
  writeFileSync(path, bytes);
  return new FileRows(path, 48, rows.length / DIM, DIM);
}

function allowOf(fraction: number, seed: number): Bitset {
  const bits = new Bitset(N);
  let s = seed;
  for (let i = 0; i < N; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    if (s / 2 ** 32 < fraction) bits.set(i);
  }
  return bits;
}

const same = (a: { offsets: Uint32Array; distances: Float32Array }, b: typeof a, what: string) => {
  assert.deepEqual(Array.from(a.offsets), Array.from(b.offsets), `${what}: offsets`);
  assert.deepEqual(Array.from(a.distances), Array.from(b.distances), `${what}: distances`);
};

for (const [name, kind] of [
  ['l2', DistanceKind.L2],
  ['cosine', DistanceKind.COSINE],
] as const) {
  describe(`HNSW16,SQ8 on disk (${name})`, () => {
    const rows =
      kind === DistanceKind.COSINE ? normalizedRows(data.slice(0, N * DIM), DIM) : data.slice(0, N * DIM);
    const query = (q: number) => data.slice((N + q) * DIM, (N + q + 1) * DIM);

    test('returns exactly what the in-memory index returns for the same body and rows', async () => {
      const store = new VectorStore(kern, DIM);
      store.append(rows);
      const memory = (await buildIndex(kern, 'HNSW16,SQ8', store, kind, {
        efConstruction: 64,
        threads: 2,
      })) as HnswSq8Index;
      const file = fileOf(`hnsw-${name}.bin`, rows);
      const body = memory.serialize();
      const disk = OnDiskHnswSq8Index.load(kern, body, file, kind);
      const heap = OnDiskHnswSq8Index.load(kern, body, new HeapRows(rows, DIM), kind);
      try {
        disk.checkIntegrity();
        assert.deepEqual(disk.serialize(), body);
        assert.equal(disk.type, 'HNSW16,SQ8');
        assert.ok(disk.bytesPerVector === memory.bytesPerVector);
        for (const allow of [undefined, allowOf(0.5, 3), allowOf(0.02, 5)]) {
          for (const ef of [8, 40]) {
            for (const rerank of [undefined, 5, 30, 0]) {
              const params = rerank === undefined ? { ef } : { ef, rerank };
              for (let q = 0; q < Q; q++) {
                const what = `ef ${ef} rerank ${rerank} allow ${allow?.count()} query ${q}`;
                const want = memory.search(query(q), 10, allow, params);
                same(disk.search(query(q), 10, allow, params), want, what);
                same(await disk.searchAsync(query(q), 10, allow, params), want, `${what} (async)`);
                if (q < 5) {
                  same(heap.search(query(q), 10, allow, params), want, `${what} (heap rows)`);
                  same(
                    await heap.searchAsync(query(q), 10, allow, params),
                    want,
                    `${what} (heap rows, async)`,
                  );
                }
              }
            }
          }
        }
      } finally {
        heap.dispose();
        disk.dispose();
        memory.dispose();
        store.dispose();
        file.close();
      }
    });
  });
}

describe('Flat on disk', () => {
  const rows = data.slice(0, N * DIM);
  const query = (q: number) => data.slice((N + q) * DIM, (N + q + 1) * DIM);

  test('search, searchAsync and rangeSearch equal FlatIndex, filtered or not', async () => {
    const memory = new FlatIndex(kern, DIM, DistanceKind.L2);
    memory.add(rows);
    const file = fileOf('flat.bin', rows);
    const disk = new OnDiskFlatIndex(kern, DistanceKind.L2, file);
    try {
      for (const allow of [undefined, allowOf(0.5, 9), allowOf(0.01, 13)]) {
        for (let q = 0; q < Q; q++) {
          const what = `allow ${allow?.count()} query ${q}`;
          const want = memory.search(query(q), 10, allow);
          same(disk.search(query(q), 10, allow), want, what);
          same(await disk.searchAsync(query(q), 10, allow), want, `${what} (async)`);
          const radius = want.distances[9];
          same(disk.rangeSearch(query(q), radius, allow), memory.rangeSearch(query(q), radius, allow), what);
        }
      }
      assert.equal(disk.search(query(0), 10, new Bitset(N)).offsets.length, 0);
      assert.throws(() => disk.search(new Float32Array(DIM + 1), 10), RangeError);
    } finally {
      memory.dispose();
      file.close();
    }
  });
});
