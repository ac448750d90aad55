/**
 * VectorStore growth: a store whose block is the highest of its memory grows in place (its
 * rows stay where they are, and appending counts only the growth as new memory), so that a
 * growing segment can fill most of a wasm32 arena; any other store reallocates and copies.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PHASE_ALIGN, VectorStore } from '../src/index/vector-store.js';
import type { Kernels } from '../src/kernels/kernels.js';
import { jsKernels, wasmKernels } from '../src/kernels/load.js';

const DIM = 8;
const rows = (from: number, n: number) => Float32Array.from({ length: n * DIM }, (_, i) => from * DIM + i);

for (const [name, make] of [
  ['wasm', () => wasmKernels()],
  ['js', () => jsKernels()],
] as const) {
  describe(`VectorStore growth (${name} kernels)`, () => {
    test('the highest store grows in place; its rows stay and only the growth is new memory', () => {
      const kernels: Kernels = make();
      const store = new VectorStore(kernels, DIM);
      store.append(rows(0, 64));
      const ptr = store.ptr;
      assert.equal(store.growthBytes(1), 64 * DIM * 4, 'doubling 64 rows in place adds 64 rows of bytes');
      for (let i = 64; i < 5064; i += 100) store.append(rows(i, 100));
      assert.equal(store.ptr, ptr, 'the block never moved');
      assert.equal(store.count, 64 + 50 * 100);
      assert.deepEqual(store.row(0), rows(0, 1));
      assert.deepEqual(store.row(5063), rows(5063, 1));
      store.dispose();
    });

    test('a store below another block reallocates, copies and counts its whole new block', () => {
      const kernels: Kernels = make();
      const store = new VectorStore(kernels, DIM);
      store.append(rows(0, 64));
      const blocker = kernels.alloc(16);
      const before = store.ptr;
      assert.equal(store.growthBytes(1), 128 * DIM * 4);
      store.append(rows(64, 1));
      assert.notEqual(store.ptr, before, 'moved above the blocking block');
      assert.deepEqual(store.row(0), rows(0, 1));
      assert.deepEqual(store.row(64), rows(64, 1));
      kernels.free(blocker);
      store.dispose();
    });

    test('a phased store keeps row 0 at its phase modulo a page, in place and after moving; nothing leaks', () => {
      const kernels: Kernels = make();
      const before = kernels.allocator.allocatedBytes;
      for (const phase of [0, 64, 1000, PHASE_ALIGN - 4]) {
        const pad = kernels.alloc(24); // so that blocks do not start on a page by chance
        const store = new VectorStore(kernels, DIM, 10, phase);
        assert.equal(store.ptr % PHASE_ALIGN, phase, `phase ${phase}`);
        store.append(rows(0, 10));
        const blocker = kernels.alloc(16); // the next growth moves the block
        store.append(rows(10, 100));
        assert.equal(store.ptr % PHASE_ALIGN, phase, `phase ${phase} after moving`);
        kernels.free(blocker);
        for (let i = 110; i < 2110; i += 100) store.append(rows(i, 100));
        assert.equal(store.ptr % PHASE_ALIGN, phase, `phase ${phase} after growing`);
        assert.deepEqual(store.view(), rows(0, 2110));
        store.dispose();
        kernels.free(pad);
      }
      assert.equal(kernels.allocator.allocatedBytes, before);
    });
  });
}
