/**
 * A memory budget (`memoryBudget`, bytes committed by all memory arenas): a write or seal
 * that would exceed it fails with `CapacityError` (code CAPACITY) before anything is
 * acknowledged; every acknowledged point stays readable and searchable, a seal that failed
 * keeps its rows in the growing segment and the WAL (they are there after reopening), and
 * writes are accepted again once memory is freed: by dropping a collection, by deleting
 * whole segments' worth of points and compacting, or by raising the budget. Tiny arenas
 * (1 MiB) and 32-d vectors keep the numbers small.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CapacityError,
  type Collection,
  InvalidArgumentError,
  type PointId,
  Quiver,
  SeededRandom,
} from '../src/index.js';
import { tempDir } from './support/reference.js';

const DIM = 32;
const ARENA = 1 << 20;
const BATCH = 1000;

/** Points `first`, `first + 1`, … (each vector is derived from its id alone). */
function batch(first: number, count = BATCH) {
  return Array.from({ length: count }, (_, i) => {
    const rng = new SeededRandom(first + i + 1);
    return {
      id: first + i,
      vector: Array.from({ length: DIM }, () => rng.gaussian()),
      payload: { n: first + i },
    };
  });
}

/** Upserts and flushes batches into `col` until one fails; returns the ids acknowledged and the failure. */
async function fillUntilFull(col: Collection, from: number): Promise<{ acked: PointId[]; failure: unknown }> {
  const acked: PointId[] = [];
  for (let b = 0; b < 200; b++) {
    const points = batch(from + b * BATCH);
    try {
      await col.upsert(points);
    } catch (failure) {
      return { acked, failure };
    }
    acked.push(...points.map((p) => p.id));
    try {
      await col.flush();
    } catch (failure) {
      return { acked, failure };
    }
  }
  return { acked, failure: undefined };
}

/** Every acknowledged point is there with its vector, and an exact search finds it first. */
async function assertAllThere(col: Collection, acked: readonly PointId[]): Promise<void> {
  assert.equal(await col.count(), acked.length, 'count = acknowledged points');
  const got = await col.get([...acked]);
  assert.equal(got.length, acked.length, 'every acknowledged point can be read');
  for (const id of [acked[0], acked[acked.length >> 1], acked[acked.length - 1]]) {
    const [p] = batch(id as number, 1);
    const [hit] = await col.search(p.vector, { k: 1, exact: true });
    assert.equal(hit.id, id, `search finds point ${id}`);
  }
}

describe('memory budget', () => {
  test('rejects bad budgets and arena sizes', async () => {
    const dir = tempDir('quiver-capacity-');
    try {
      await assert.rejects(Quiver.open(dir.path, { memoryBudget: -1 }), InvalidArgumentError);
      await assert.rejects(Quiver.open(dir.path, { arenaBytes: 1000 }), InvalidArgumentError);
      const db = await Quiver.open(dir.path);
      assert.throws(() => db.setMemoryBudget(1.5), InvalidArgumentError);
      await db.close();
    } finally {
      dir.cleanup();
    }
  });

  test('writes fail with CapacityError at the budget, nothing acknowledged is lost, dropping frees room', async () => {
    const dir = tempDir('quiver-capacity-');
    let db = await Quiver.open(dir.path, { arenaBytes: ARENA, memoryBudget: 24 * ARENA });
    try {
      const other = await db.createCollection('other', { dimension: DIM, index: { type: 'flat' } });
      for (let b = 0; b < 8; b++) await other.upsert(batch(1_000_000 + b * BATCH));
      await other.flush();
      const col = await db.createCollection('main', { dimension: DIM, index: { type: 'flat' } });
      const { acked, failure } = await fillUntilFull(col, 0);
      assert.ok(
        failure instanceof CapacityError,
        `a write or seal failed with CapacityError, got ${failure}`,
      );
      assert.equal(failure.code, 'CAPACITY');
      assert.match(failure.message, /needed \d+ more bytes, \d+ available/);
      assert.ok(acked.length > 0, 'some writes were accepted before the budget was reached');
      const stats = db.memory;
      assert.ok(
        stats.committedBytes <= 24 * ARENA,
        `${stats.committedBytes} bytes committed, within the budget`,
      );
      await assertAllThere(col, acked);
      await assert.rejects(col.upsert(batch(900_000, 20 * BATCH)), CapacityError);
      await assertAllThere(col, acked);

      await db.dropCollection('other');
      const more = batch(500_000, 4 * BATCH);
      await col.upsert(more);
      await col.flush();
      acked.push(...more.map((p) => p.id));
      await assertAllThere(col, acked);

      await db.close();
      db = await Quiver.open(dir.path, { arenaBytes: ARENA });
      await assertAllThere(db.collection('main'), acked);
    } finally {
      await db.close();
      dir.cleanup();
    }
  });

  test('a seal that exceeds the budget keeps its rows (growing segment, WAL); deleting whole segments and compacting frees room', async () => {
    const dir = tempDir('quiver-capacity-');
    let db = await Quiver.open(dir.path, { arenaBytes: ARENA });
    try {
      const col = await db.createCollection('c', {
        dimension: DIM,
        index: { type: 'flat' },
        segmentSize: 4 * BATCH,
      });
      const acked: PointId[] = [];
      for (let b = 0; b < 12; b++) {
        const points = batch(b * BATCH);
        await col.upsert(points);
        acked.push(...points.map((p) => p.id));
      }
      await col.flush();
      const unsealed = batch(100_000, 3 * BATCH);
      await col.upsert(unsealed);
      acked.push(...unsealed.map((p) => p.id));
      // No room for one more arena: the seal's segments cannot be placed.
      db.setMemoryBudget(db.memory.committedBytes + ARENA / 2);
      await assert.rejects(col.flush(), CapacityError);
      const info = await col.info();
      assert.equal(info.growingPoints, 3 * BATCH, 'the rows stay in the growing segment');
      await assertAllThere(col, acked);
      // Still reads and, within the growing segment's room, writes.
      const small = batch(200_000, 10);
      await col.upsert(small);
      acked.push(...small.map((p) => p.id));
      await assertAllThere(col, acked);

      // Deleting every point of the first sealed segments and compacting drops them.
      const gone = acked.filter((id) => (id as number) < 8 * BATCH);
      await col.delete(gone);
      const kept = acked.filter((id) => (id as number) >= 8 * BATCH);
      await col.compact();
      await assertAllThere(col, kept);
      assert.equal((await col.info()).growingPoints, 0, 'the seal went through once room was freed');

      await db.close();
      db = await Quiver.open(dir.path, { arenaBytes: ARENA });
      await assertAllThere(db.collection('c'), kept);
    } finally {
      await db.close();
      dir.cleanup();
    }
  });
});
