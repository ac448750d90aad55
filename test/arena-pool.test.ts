/**
 * The memory arenas of a database and the kernel worker pool that serves them all:
 * placement keeps the estimates placed in a shared arena within `arenaBytes` and gives a
 * larger structure an arena of its own; one pool per purpose runs calls over any arena
 * (each worker attaches an arena's memory on first use) with the same answers as this
 * thread; releasing an arena's last placement forgets it in the workers; the budget bounds
 * committed bytes with `CapacityError`, but for a little scratch that reads may need.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CapacityError } from '../src/errors.js';
import { FlatIndex } from '../src/index/flat-index.js';
import { gaussianMixture } from '../src/index.js';
import { MemoryArenas, SCRATCH_BYTES } from '../src/kernels/arenas.js';
import { DistanceKind } from '../src/kernels/kernels.js';
import { KernelWorkerPool } from '../src/kernels/worker-pool.js';

const MiB = 1 << 20;

describe('memory arenas', () => {
  test('placement: shared arenas up to arenaBytes of estimates, an oversized or fresh one alone', () => {
    const arenas = new MemoryArenas({ arenaBytes: 4 * MiB, kind: 'wasm-simd' });
    const a = arenas.place(3 * MiB);
    const b = arenas.place(MiB);
    assert.equal(b.kernels, a.kernels, 'fits beside the first');
    const c = arenas.place(MiB);
    assert.notEqual(c.kernels, a.kernels, 'the first arena is full');
    const big = arenas.place(5 * MiB);
    const fresh = arenas.place(1024, { fresh: true });
    assert.equal(new Set([a, c, big, fresh].map((p) => p.kernels.arenaId)).size, 4);
    assert.equal(arenas.stats.arenas, 4);
    a.release();
    a.release();
    assert.equal(arenas.stats.arenas, 4, 'b still holds the first arena');
    b.release();
    assert.equal(arenas.stats.arenas, 3, 'an arena without placements is released');
    for (const p of [c, big, fresh]) p.release();
    assert.equal(arenas.stats.arenas, 0);
  });

  test('one worker pool for every arena: async searches equal sync ones; released arenas are forgotten', async () => {
    const arenas = new MemoryArenas({ arenaBytes: 2 * MiB, kind: 'wasm-simd' });
    const dim = 16;
    const data = gaussianMixture(6000, dim, 10, 3);
    const placements = [0, 1, 2].map(() => arenas.place(2 * MiB));
    const indexes = placements.map((p, i) => {
      const index = new FlatIndex(p.kernels, dim, DistanceKind.L2);
      index.add(data.subarray(i * 2000 * dim, (i + 1) * 2000 * dim));
      return index;
    });
    assert.equal(new Set(placements.map((p) => p.kernels.arenaId)).size, 3);
    const pool = KernelWorkerPool.of('search');
    const before = pool.attachedArenas;
    for (let q = 0; q < 20; q++) {
      const query = data.subarray(q * dim, (q + 1) * dim);
      for (const index of indexes) {
        const sync = index.search(query, 10);
        const onWorker = await index.searchAsync(query, 10);
        assert.deepEqual(onWorker.offsets, sync.offsets);
        assert.deepEqual(onWorker.distances, sync.distances);
      }
    }
    assert.ok(
      pool.attachedArenas >= before + 3,
      `${pool.attachedArenas} arenas attached to the search workers`,
    );
    for (const index of indexes) index.dispose();
    for (const p of placements) p.release();
    assert.equal(pool.attachedArenas, before, 'released arenas are dropped by the workers');
  });

  test('the budget bounds committed bytes: growth and new arenas beyond it throw CapacityError', () => {
    const arenas = new MemoryArenas({ arenaBytes: 4 * MiB, memoryBudget: 2 * MiB, kind: 'js' });
    const p = arenas.place(MiB);
    const ptr = p.kernels.alloc(MiB);
    assert.throws(() => p.kernels.alloc(8 * MiB), CapacityError);
    assert.throws(() => arenas.place(MiB, { fresh: true }), CapacityError);
    assert.throws(() => arenas.checkRoom(2 * MiB, 'a write'), CapacityError);
    assert.ok(arenas.stats.committedBytes <= 2 * MiB);
    // A small growth (a search's scratch) passes the budget, by SCRATCH_BYTES in all.
    const scratch = p.kernels.alloc(MiB);
    assert.ok(arenas.stats.committedBytes <= 2 * MiB + SCRATCH_BYTES);
    assert.throws(() => p.kernels.alloc(SCRATCH_BYTES), CapacityError);
    p.kernels.free(scratch);
    p.kernels.free(ptr);
    arenas.setMemoryBudget(undefined);
    const q = arenas.place(MiB, { fresh: true });
    q.kernels.alloc(8 * MiB);
    p.release();
    q.release();
  });
});
