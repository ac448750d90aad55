/**
 * Direct reads (`O_DIRECT`) of `openFileReader`: a read into a shared memory whose offset is
 * congruent to the file position modulo a page goes direct for its whole pages and through
 * the page cache for the rest; every read returns exactly the file's bytes and writes no
 * byte outside its target, direct or not, aligned or not. Where the file system has no direct
 * reads (tmpfs), every read goes through the page cache and the answers are the same.
 */
import assert from 'node:assert/strict';
import { constants, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SeededRandom } from '../src/eval/random.js';
import { DIRECT_ALIGN, openFileReader } from '../src/storage/whole-file-read.js';
import { tempDir } from './support/reference.js';

const dir = tempDir('quiver-direct-');
after(() => dir.cleanup());
const SIZE = 3 * 2 ** 20 + 777;
const path = join(dir.path, 'file.bin');
const rng = new SeededRandom(3);
const bytes = Uint8Array.from({ length: SIZE }, () => rng.int(256));
writeFileSync(path, bytes);

/** Whether this directory's file system opens files for direct reads. */
async function directSupported(): Promise<boolean> {
  if (constants.O_DIRECT === undefined) return false;
  try {
    await (await open(path, constants.O_RDONLY | constants.O_DIRECT)).close();
    return true;
  } catch {
    return false;
  }
}

test('every read returns the file bytes and touches nothing around its target; congruent ones go direct', async () => {
  const supported = await directSupported();
  const memory = new WebAssembly.Memory({ initial: 128, maximum: 128, shared: true });
  const all = new Uint8Array(memory.buffer);
  const reader = await openFileReader(path, { directMinBytes: 0, directReadBytes: DIRECT_ALIGN });
  try {
    // [position, length, offset in memory]: congruent (aligned or not, ending mid-page or at
    // the file's end), then not congruent, then too small to go direct.
    const cases: [number, number, number, boolean][] = [
      [0, 2 ** 20, 0, true],
      [100, 2 ** 20 + 300, 100 + 8 * DIRECT_ALIGN, true],
      [DIRECT_ALIGN - 1, 500_000, 3 * DIRECT_ALIGN - 1, true],
      [
        SIZE - 2 * DIRECT_ALIGN - 5,
        2 * DIRECT_ALIGN + 5,
        2 * DIRECT_ALIGN + ((SIZE - 5) % DIRECT_ALIGN),
        true,
      ],
      [10, 2 ** 20, 20, false],
      [0, DIRECT_ALIGN - 1, 0, false],
    ];
    for (const [position, length, offset, direct] of cases) {
      all.fill(0xab);
      const before = reader.directBytes;
      await reader.read(position, all.subarray(offset, offset + length));
      const label = `read of ${length} at ${position} into ${offset}`;
      assert.deepEqual(
        all.subarray(offset, offset + length),
        bytes.subarray(position, position + length),
        label,
      );
      if (offset > 0) assert.equal(all[offset - 1], 0xab, `${label}: byte before untouched`);
      assert.equal(all[offset + length], 0xab, `${label}: byte after untouched`);
      assert.equal(reader.directBytes > before, supported && direct, `${label}: direct`);
    }
    // Not a shared memory: through the page cache.
    const plain = new Uint8Array(2 ** 20);
    const before = reader.directBytes;
    await reader.read(0, plain);
    assert.deepEqual(plain, bytes.subarray(0, 2 ** 20));
    assert.equal(reader.directBytes, before);
  } finally {
    await reader.close();
  }
});

test('QUIVER_DIRECT_READS=0 turns direct reads off', async () => {
  process.env.QUIVER_DIRECT_READS = '0';
  try {
    const memory = new WebAssembly.Memory({ initial: 64, maximum: 64, shared: true });
    const reader = await openFileReader(path, { directMinBytes: 0, directReadBytes: DIRECT_ALIGN });
    try {
      const target = new Uint8Array(memory.buffer, 0, 2 ** 20);
      await reader.read(0, target);
      assert.deepEqual(target, bytes.subarray(0, 2 ** 20));
      assert.equal(reader.directBytes, 0);
    } finally {
      await reader.close();
    }
  } finally {
    delete process.env.QUIVER_DIRECT_READS;
  }
});

test('a read past the end of the file fails as through the page cache', async () => {
  const memory = new WebAssembly.Memory({ initial: 128, maximum: 128, shared: true });
  const reader = await openFileReader(path, { directMinBytes: 0, directReadBytes: DIRECT_ALIGN });
  try {
    // Congruent: the direct part reaches past the end.
    const offset = (SIZE - 4096) % DIRECT_ALIGN;
    await assert.rejects(
      reader.read(SIZE - 4096, new Uint8Array(memory.buffer, offset, 3 * 4096)),
      /file ended/,
    );
  } finally {
    await reader.close();
  }
});
