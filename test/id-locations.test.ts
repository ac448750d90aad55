/**
 * The id tracker's table (src/db/id-locations.ts) against a `Map` model: random sets,
 * replacements and deletions of numeric ids (small, clustered, large up to 2^53 − 1, and
 * ones that collide in few cells), string ids and odd numbers (-0, fractions, negatives),
 * through growth past several capacities; every step's lookups and the final id set agree.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IdLocations } from '../src/db/id-locations.js';
import { SeededRandom } from '../src/eval/random.js';
import type { PointId } from '../src/segment/segment-view.js';

function expectSame(table: IdLocations, model: Map<PointId, [number, number]>, probe: readonly PointId[]) {
  assert.equal(table.size, model.size);
  for (const id of probe) {
    const want = model.get(id);
    const slot = table.slotOf(id);
    if (want === undefined) assert.equal(slot, -1, `id ${String(id)} should be absent`);
    else assert.deepEqual([slot, table.foundOffset], want, `id ${String(id)}`);
  }
}

test('IdLocations agrees with a Map through random sets, replacements and deletions', () => {
  const rng = new SeededRandom(15);
  const table = new IdLocations();
  const model = new Map<PointId, [number, number]>();
  const pools: (() => PointId)[] = [
    () => rng.int(5000),
    () => 1_000_000 + rng.int(200) * 1024, // many ids whose low bits agree
    () => Number.MAX_SAFE_INTEGER - rng.int(50),
    () => rng.int(2 ** 40) * 4096,
    () => `s${rng.int(300)}`,
    () => rng.pick([-0, 0, 0.5, -3, Number.NaN, 2 ** 53, 2 ** 60]),
  ];
  for (let step = 0; step < 60_000; step++) {
    const id = pools[rng.int(pools.length)]();
    if (rng.next() < 0.3) {
      assert.equal(table.delete(id), model.delete(id), `delete ${String(id)}`);
    } else {
      const slot = rng.int(70_000);
      const offset = rng.int(2 ** 32);
      table.set(id, slot, offset);
      model.set(id, [slot, offset]);
    }
    if (step % 5000 === 0) expectSame(table, model, [...model.keys(), id, -1, 'missing', 1e15]);
  }
  expectSame(table, model, [...model.keys(), 4999, 5000, 0, -0]);
  assert.deepEqual(new Set(table.ids()), new Set(model.keys()));
  table.clear();
  assert.equal(table.size, 0);
  assert.equal(table.slotOf(0), -1);
});

test('IdLocations takes a million sequential ids in one reservation, and deletes every other one', () => {
  const table = new IdLocations();
  const n = 1_000_000;
  table.reserve(n);
  for (let i = 0; i < n; i++) table.set(i, 7, n - i);
  assert.equal(table.size, n);
  for (let i = 0; i < n; i += 2) assert.equal(table.delete(i), true);
  assert.equal(table.size, n / 2);
  for (let i = 0; i < n; i += 99_999) {
    const slot = table.slotOf(i);
    if (i % 2 === 0) assert.equal(slot, -1);
    else assert.deepEqual([slot, table.foundOffset], [7, n - i]);
  }
  let ids = 0;
  for (const id of table.ids()) {
    assert.equal((id as number) % 2, 1);
    ids++;
  }
  assert.equal(ids, n / 2);
});
