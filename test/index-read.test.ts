/**
 * Reading an HNSW index file into place (src/db/index-read.ts) gives the graph that
 * `decodeIndexFile` + `deserializeIndex` give from the whole file (same serialized bytes,
 * same answers, integrity check passing); and a damaged byte is refused with the same
 * `CorruptDataError` as the whole-file path, or left to it (undefined), never accepted,
 * leaving nothing allocated.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readHnswInPlace } from '../src/db/index-read.js';
import { CorruptDataError } from '../src/errors.js';
import { gaussianVectors, SeededRandom } from '../src/eval/random.js';
import { deserializeIndex } from '../src/index/factory.js';
import { buildHnsw } from '../src/index/hnsw-build.js';
import type { HnswIndex } from '../src/index/hnsw-index.js';
import { VectorStore } from '../src/index/vector-store.js';
import { DistanceKind } from '../src/kernels/kernels.js';
import { wasmKernels } from '../src/kernels/load.js';
import type { SealedSegment } from '../src/segment/sealed-segment.js';
import { decodeIndexFile, encodeIndexFile } from '../src/storage/index-file.js';
import { openFileReader } from '../src/storage/whole-file-read.js';

const ROWS = 600;
/** Small reads, so the level-0 lists arrive (and are checked) in many chunks. */
const CHUNK = 1024;
const DIM = 12;
const SEGMENT_ID = 3;

async function fixture() {
  const kernels = wasmKernels();
  const store = new VectorStore(kernels, DIM);
  store.append(gaussianVectors(ROWS, DIM, 5));
  const built = await buildHnsw(kernels, store, DIM, DistanceKind.L2, {
    M: 6,
    efConstruction: 40,
    threads: 1,
  });
  built.delete(17); // a deleted node, so the deleted bits are not all zero
  const file = encodeIndexFile({
    segmentId: SEGMENT_ID,
    rows: ROWS,
    indexType: 'HNSW6',
    body: built.serialize(),
  });
  // What readHnswInPlace uses of a segment: its kernels, id, rows and field 0's store.
  const segment = { kernels, id: SEGMENT_ID, rows: ROWS, store: () => store } as unknown as SealedSegment;
  return { kernels, store, built, file, segment };
}

/** `workerBytes` 0: every checksum and list check on a kernel worker (large files' path). */
async function inPlace(bytes: Uint8Array, segment: SealedSegment, workerBytes?: number) {
  const dir = await mkdtemp(join(tmpdir(), 'quiver-index-read-'));
  try {
    const path = join(dir, 'seg.qidx');
    writeFileSync(path, bytes);
    const reader = await openFileReader(path);
    try {
      return await readHnswInPlace(reader, 'seg.qidx', segment, 0, CHUNK, workerBytes);
    } finally {
      await reader.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function wholeFile(bytes: Uint8Array, f: Awaited<ReturnType<typeof fixture>>) {
  const file = decodeIndexFile(bytes, 'seg.qidx', SEGMENT_ID, ROWS);
  return deserializeIndex(f.kernels, file.indexType, file.body, f.store, DistanceKind.L2, 'seg.qidx');
}

test('an HNSW index read into place equals the one deserialized from the whole file', async () => {
  const f = await fixture();
  // This file is smaller than `WORKER_CHECK_BYTES`: by default its lists are left to
  // `checkIntegrity`; with `workerBytes` 0 each is checked on a worker as it arrives.
  const leftToCheck = await inPlace(f.file, f.segment);
  assert.ok(leftToCheck, 'a plain HNSW file is read into place');
  assert.equal(leftToCheck.level0Checked, 0, 'a small file leaves its lists to checkIntegrity');
  leftToCheck.index.checkIntegrity(leftToCheck.level0Checked);
  leftToCheck.index.dispose();
  const read = await inPlace(f.file, f.segment, 0);
  assert.ok(read);
  assert.equal(read.level0Checked, ROWS, 'every level-0 list was checked as it arrived');
  const placed = read.index;
  placed.checkIntegrity(read.level0Checked);
  const decoded = wholeFile(f.file, f) as HnswIndex;
  assert.deepEqual(placed.serialize(), decoded.serialize());
  const rng = new SeededRandom(2);
  for (let q = 0; q < 20; q++) {
    const query = Float32Array.from({ length: DIM }, () => rng.gaussian());
    assert.deepEqual(placed.search(query, 10), decoded.search(query, 10));
  }
  placed.dispose();
  decoded.dispose();
});

test('a damaged index file is refused in place as from the whole file, or left to that path', async () => {
  const f = await fixture();
  const rng = new SeededRandom(7);
  const positions = new Set([0, 8, 12, 16, 20, 24, 32, 40, 44, 48, 60, 80, f.file.length - 1]);
  for (let i = 0; i < 40; i++) positions.add(rng.int(f.file.length));
  for (const at of positions) {
    const damaged = f.file.slice();
    damaged[at] ^= 0x10;
    let expected: Error | undefined;
    try {
      wholeFile(damaged, f).dispose();
    } catch (err) {
      expected = err as Error;
    }
    assert.ok(expected instanceof CorruptDataError, `byte ${at} must be refused from the whole file`);
    for (const workerBytes of [undefined, 0]) {
      const before = f.kernels.allocator.allocatedBytes;
      let placed: Awaited<ReturnType<typeof inPlace>>;
      try {
        placed = await inPlace(damaged, f.segment, workerBytes);
      } catch (err) {
        assert.ok(err instanceof CorruptDataError, `byte ${at}: ${err}`);
        assert.equal(err.message, expected.message, `byte ${at}`);
      }
      assert.equal(placed, undefined, `byte ${at} must not be accepted`);
      assert.equal(f.kernels.allocator.allocatedBytes, before, `byte ${at} leaves nothing allocated`);
    }
  }
});

test('a level-0 list that fails the integrity check, under a valid checksum, is reported as from the whole file', async () => {
  const f = await fixture();
  const listWords = 2 * 6 + 1;
  const bad = 300;
  const damages: [string, (words: Uint32Array, list: number) => void, RegExp][] = [
    [
      'a link to itself',
      (w, list) => {
        w[list + 1] = bad;
      },
      /node 300 links to itself on 0/,
    ],
    [
      'a link twice',
      (w, list) => {
        w[list + 2] = w[list + 1];
      },
      /node 300 links to \d+ twice on 0/,
    ],
    [
      'a link past the last node',
      (w, list) => {
        w[list + 1] = ROWS;
      },
      new RegExp(`node 300 links to ${ROWS} \\(of ${ROWS}\\) on 0`),
    ],
    [
      'more links than M0',
      (w, list) => {
        w[list] = listWords;
      },
      /node 300 has 13 links on 0/,
    ],
  ];
  for (const [what, damage, message] of damages) {
    const body = f.built.serialize();
    const words = new Uint32Array(body.buffer, body.byteOffset, body.byteLength / 4);
    const list = 13 + Math.ceil(ROWS / 4) + bad * listWords; // fixed words, level bytes, lists before
    assert.ok(words[list] > 1, 'node 300 has links');
    damage(words, list);
    const file = encodeIndexFile({ segmentId: SEGMENT_ID, rows: ROWS, indexType: 'HNSW6', body });
    const whole = wholeFile(file, f);
    assert.throws(() => whole.checkIntegrity(), message, what);
    whole.dispose();
    // Left to checkIntegrity (a small file), and checked on a kernel worker as the lists
    // arrive (the path of large files).
    for (const workerBytes of [undefined, 0]) {
      const before = f.kernels.allocator.allocatedBytes;
      const read = await inPlace(file, f.segment, workerBytes);
      assert.ok(read);
      assert.equal(
        read.level0Checked,
        0,
        `${what}: the check as lists arrive stopped; checkIntegrity starts over`,
      );
      assert.throws(() => read.index.checkIntegrity(read.level0Checked), message, what);
      read.index.dispose();
      assert.equal(f.kernels.allocator.allocatedBytes, before, `${what}: nothing is left allocated`);
    }
  }
});

test('without room in the arena for the check bitset, level-0 lists are checked in TypeScript with the same outcome', async () => {
  const f = await fixture();
  const alloc = f.kernels.alloc.bind(f.kernels);
  let refused = 0;
  f.kernels.alloc = (bytes: number) => {
    // Only the check's bitset is refused (the deleted-nodes bitset has the same size).
    if (!new Error().stack?.includes('level0Bitset')) return alloc(bytes);
    refused++;
    throw new RangeError('alloc: out of wasm32 memory');
  };
  try {
    const clean = await inPlace(f.file, f.segment, 0);
    assert.ok(clean);
    assert.equal(clean.level0Checked, 0, 'no list was checked on a worker');
    clean.index.checkIntegrity(clean.level0Checked);
    clean.index.dispose();
    const body = f.built.serialize();
    const words = new Uint32Array(body.buffer, body.byteOffset, body.byteLength / 4);
    const list = 13 + Math.ceil(ROWS / 4) + 300 * (2 * 6 + 1);
    words[list + 2] = words[list + 1]; // a link twice
    const file = encodeIndexFile({ segmentId: SEGMENT_ID, rows: ROWS, indexType: 'HNSW6', body });
    const damaged = await inPlace(file, f.segment, 0);
    assert.ok(damaged);
    assert.throws(
      () => damaged.index.checkIntegrity(damaged.level0Checked),
      /node 300 links to \d+ twice on 0/,
    );
    damaged.index.dispose();
    assert.ok(refused >= 3, 'the bitset was asked for and refused');
  } finally {
    f.kernels.alloc = alloc;
  }
});
