/**
 * Reading a segment file into place (src/db/segment-read.ts) gives exactly what
 * `decodeSegment` gives from the whole file, with the vectors in stores of the arena, read in
 * many small chunks (so chunks arrive out of order and the CRC is continued across them);
 * and every damaged byte that `decodeSegment` refuses, it refuses with the same
 * `CorruptDataError` naming the file, leaving nothing allocated.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type ReadAt, type RowsSink, readSegmentInPlace } from '../src/db/segment-read.js';
import { CorruptDataError } from '../src/errors.js';
import { SeededRandom } from '../src/eval/random.js';
import { Bitset } from '../src/index/bitset.js';
import { DistanceKind } from '../src/kernels/kernels.js';
import { wasmKernels } from '../src/kernels/load.js';
import { alignUp } from '../src/storage/binary.js';
import { decodeSegment, encodeSegment, type SegmentData } from '../src/storage/segment-file.js';
import { openFileReader } from '../src/storage/whole-file-read.js';

const CHUNK = 4096;

function vectors(rows: number, dimension: number, rng: SeededRandom): Float32Array {
  return Float32Array.from({ length: rows * dimension }, () => rng.gaussian());
}

/** A single-vector segment (format version 1) and one with two named fields, one partly present (version 2). */
function segments(): [string, SegmentData][] {
  const rng = new SeededRandom(4);
  const rows = 300;
  const ids = Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? `p${i}` : i * 7));
  const payloads = ids.map((_, i) => (i % 2 === 0 ? { n: i, tag: `t${i % 5}` } : null));
  const present = new Bitset(rows);
  for (let i = 0; i < rows; i += 3) present.set(i);
  return [
    [
      'v1',
      {
        ids,
        payloads,
        fields: [{ name: '', dimension: 24, distance: DistanceKind.L2, vectors: vectors(rows, 24, rng) }],
        indexType: 'flat',
        index: new Uint8Array(0),
      },
    ],
    [
      'v2',
      {
        ids,
        payloads,
        fields: [
          { name: 'image', dimension: 16, distance: DistanceKind.COSINE, vectors: vectors(rows, 16, rng) },
          { name: 'text', dimension: 5, distance: DistanceKind.IP, vectors: vectors(rows, 5, rng), present },
        ],
        indexType: 'flat',
        index: new Uint8Array(0),
      },
    ],
  ];
}

/** Runs `run` with a reader of a file holding `bytes`. */
async function withFile<T>(bytes: Uint8Array, run: (read: ReadAt) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'quiver-segment-read-'));
  try {
    const path = join(dir, 'seg.qseg');
    writeFileSync(path, bytes);
    const reader = await openFileReader(path);
    try {
      return await run((position, target) => reader.read(position, target));
    } finally {
      await reader.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Runs `check` for every test segment (`name`, its file's `bytes`, the decoded file `want`),
 * read through `read`, with chunks checksummed here and on a kernel worker (`workerBytes`
 * undefined, and 0: the path of large files).
 */
async function eachSegmentRead(
  check: (
    name: string,
    bytes: Uint8Array,
    want: ReturnType<typeof decodeSegment>,
    read: ReadAt,
    workerBytes: number | undefined,
  ) => Promise<void>,
): Promise<void> {
  for (const [name, data] of segments()) {
    const bytes = encodeSegment(data);
    const want = decodeSegment(bytes, 'seg.qseg');
    await withFile(bytes, async (read) => {
      for (const workerBytes of [undefined, 0]) await check(name, bytes, want, read, workerBytes);
    });
  }
}

test('a segment read into place equals the decoded file, vectors in the arena', async () => {
  const kernels = wasmKernels();
  await eachSegmentRead(async (name, bytes, want, read, workerBytes) => {
    const placed = await readSegmentInPlace(read, bytes.length, 'seg.qseg', kernels, CHUNK, workerBytes);
    assert.deepEqual(placed.data.ids, want.ids, name);
    assert.deepEqual(placed.data.payloads, want.payloads, name);
    assert.equal(placed.data.indexType, want.indexType);
    assert.equal(placed.filled.length, want.fields.length);
    want.fields.forEach((field, i) => {
      const got = placed.data.fields[i];
      assert.deepEqual(
        { ...got, vectors: undefined },
        { ...field, vectors: undefined },
        `${name} field ${i}`,
      );
      assert.deepEqual(placed.filled[i]!.view(), field.vectors, `${name} field ${i} store`);
      assert.equal(placed.filled[i]!.count, want.ids.length);
    });
    for (const store of placed.filled) store?.dispose();
  });
});

test('fields streamed (kept on disk) get no store: each row reaches the sink once, as the file holds it', async () => {
  const kernels = wasmKernels();
  await eachSegmentRead(async (name, bytes, want, read, workerBytes) => {
    const before = kernels.allocator.allocatedBytes;
    // Field 0 streamed with a sink, the last streamed without one (checked only), others placed.
    const got = want.fields.map((f) => new Float32Array(f.vectors.length).fill(Number.NaN));
    const seen = want.fields.map((f) => new Uint8Array(f.vectors.length / f.dimension));
    const streamed = new Map<number, RowsSink | undefined>([
      [
        0,
        async (ptr, first, n) => {
          const d = want.fields[0].dimension;
          got[0].set(kernels.f32(ptr, n * d), first * d);
          for (let r = first; r < first + n; r++) seen[0][r]++;
        },
      ],
    ]);
    const last = want.fields.length - 1;
    if (last > 0) streamed.set(last, undefined);
    const placed = await readSegmentInPlace(
      read,
      bytes.length,
      'seg.qseg',
      kernels,
      CHUNK,
      workerBytes,
      streamed,
    );
    assert.deepEqual(placed.data.ids, want.ids, name);
    want.fields.forEach((field, i) => {
      if (streamed.has(i)) {
        assert.equal(placed.filled[i], undefined, `${name} field ${i} has no store`);
        assert.equal(placed.data.fields[i].vectors.length, 0);
      } else assert.deepEqual(placed.filled[i]!.view(), field.vectors, `${name} field ${i} store`);
    });
    assert.deepEqual(got[0], want.fields[0].vectors, `${name}: the sink saw every row of field 0`);
    assert.ok(
      seen[0].every((c) => c === 1),
      `${name}: each row once`,
    );
    // The offsets are where the rows lie in the file.
    const at = placed.offsets[0];
    assert.deepEqual(
      new Float32Array(bytes.slice(at, at + want.fields[0].vectors.length * 4).buffer),
      want.fields[0].vectors,
    );
    for (const store of placed.filled) store?.dispose();
    assert.equal(kernels.allocator.allocatedBytes, before, `${name}: the scratch is freed`);
  });
});

test('every damaged byte decodeSegment refuses is refused in place with the same error, nothing left allocated', async () => {
  const kernels = wasmKernels();
  const rng = new SeededRandom(9);
  for (const [name, data] of segments()) {
    const bytes = encodeSegment(data);
    // Bytes of the header, the padding, the sections (ids, payloads, each chunk of the vectors).
    const positions = new Set([0, 9, 13, 30, 60, bytes.length - 1]);
    for (let i = 0; i < 40; i++) positions.add(rng.int(bytes.length));
    for (let at = CHUNK / 2; at < bytes.length; at += CHUNK) positions.add(at);
    for (const at of positions) {
      const damaged = bytes.slice();
      damaged[at] ^= 0x20;
      let expected: CorruptDataError | undefined;
      try {
        decodeSegment(damaged, 'seg.qseg');
      } catch (err) {
        expected = err as CorruptDataError;
      }
      assert.ok(expected instanceof CorruptDataError, `${name}: byte ${at} must be refused by decodeSegment`);
      const before = kernels.allocator.allocatedBytes;
      await withFile(damaged, async (read) => {
        // Checksummed here, and on a kernel worker (workerBytes 0: the path of large files).
        for (const workerBytes of [undefined, 0]) {
          await assert.rejects(
            readSegmentInPlace(read, damaged.length, 'seg.qseg', kernels, CHUNK, workerBytes),
            (err: unknown) => err instanceof CorruptDataError && err.message === expected.message,
            `${name}: byte ${at}`,
          );
          // The same with every field streamed (kept on disk).
          const streamed = new Map(data.fields.map((_, i) => [i, async () => undefined] as const));
          await assert.rejects(
            readSegmentInPlace(read, damaged.length, 'seg.qseg', kernels, CHUNK, workerBytes, streamed),
            (err: unknown) => err instanceof CorruptDataError && err.message === expected.message,
            `${name}: byte ${at}, streamed`,
          );
        }
      });
      assert.equal(kernels.allocator.allocatedBytes, before, `${name}: byte ${at} leaves nothing allocated`);
    }
  }
});

test('a file shorter or longer than its sections is refused before any section is read', async () => {
  const kernels = wasmKernels();
  const [, data] = segments()[0];
  const bytes = encodeSegment(data);
  for (const damaged of [bytes.subarray(0, bytes.length - 16), Uint8Array.from([...bytes, 0, 0, 0, 0])]) {
    await withFile(damaged, async (read) => {
      await assert.rejects(
        readSegmentInPlace(read, damaged.length, 'seg.qseg', kernels, CHUNK),
        (err: unknown) =>
          err instanceof CorruptDataError && /sections end at|not where the format puts it/.test(err.message),
      );
    });
  }
});

test('file offsets are aligned exactly past 2^31 (segments of arenas larger than 2 GiB)', () => {
  assert.equal(alignUp(2 ** 31 + 1, 16), 2 ** 31 + 16);
  assert.equal(alignUp(3_932_160_123, 16), 3_932_160_128);
  assert.equal(alignUp(2 ** 32, 16), 2 ** 32);
  assert.equal(alignUp(17, 16), 32);
  assert.equal(alignUp(0, 16), 0);
});
