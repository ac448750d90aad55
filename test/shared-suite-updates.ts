/**
 * The shared `Database` contract, continued (see `shared-suite.ts`): the operations issue 16
 * added to `Collection` — payload updates by ids or filter, search `offset` and
 * `scoreThreshold` (in the engine's score terms: squared distances for `l2`, which the REST
 * API carries as Euclidean distances), MMR, scroll ordered by a payload key, the `l1`
 * metric — and their refusal of bad input. Registered inside the contract's `describe`, so
 * each case runs against the embedded engine and against the HTTP client alike, and the
 * answers must be the same.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type Collection,
  type Database,
  InvalidArgumentError,
  InvalidFilterError,
  type PayloadUpdating,
  type PointId,
  SeededRandom,
} from '../src/index.js';
import { gaussian } from './shared-suite-vectors.js';

const DIM = 6;
const N = 60;

type Updatable = Collection & PayloadUpdating;

async function filled(db: Database, name: string, metric: 'l2' | 'cosine' | 'l1') {
  const rng = new SeededRandom(16);
  const rows = Array.from({ length: N }, (_, i) => ({
    id: i % 3 === 0 ? `s${i}` : i,
    vector: gaussian(rng, DIM),
    payload: { n: i, group: i % 4, meta: { kept: true } },
  }));
  const c = (await db.createCollection(name, { dimension: DIM, metric, segmentSize: 40 })) as Updatable;
  await c.upsert(rows);
  return { c, rows };
}

export function updateCases(db: () => Database): void {
  test('payload updates by ids and by filter: set (with key), overwrite, delete keys, clear', async () => {
    const { c } = await filled(db(), 'updates', 'l2');
    assert.equal(await c.setPayload([1, 2, 'absent'], { tag: 'x' }), 2);
    assert.deepEqual((await c.get([1]))[0].payload, { n: 1, group: 1, meta: { kept: true }, tag: 'x' });
    const group0 = { filter: { must: [{ key: 'group', match: { value: 0 } }] } };
    assert.equal(await c.setPayload(group0, { seen: 1 }, { key: 'meta' }), N / 4);
    assert.deepEqual((await c.get([4]))[0].payload, { n: 4, group: 0, meta: { kept: true, seen: 1 } });
    assert.equal(await c.overwritePayload([2], { sole: true }), 1);
    assert.deepEqual((await c.get([2]))[0].payload, { sole: true });
    assert.equal(await c.deletePayloadKeys([1, 4], ['tag', 'meta.seen']), 2);
    assert.deepEqual((await c.get([1]))[0].payload, { n: 1, group: 1, meta: { kept: true } });
    assert.deepEqual((await c.get([4]))[0].payload, { n: 4, group: 0, meta: { kept: true } });
    assert.equal(await c.clearPayload({ filter: { must: [{ key: 'n', range: { gte: 58 } }] } }), 2);
    assert.deepEqual((await c.get([58]))[0].payload ?? {}, {});
    assert.equal(await c.count({ filter: { must: [{ key: 'meta.kept', match: { value: true } }] } }), N - 3);
    await assert.rejects(c.setPayload([1], 5 as never), InvalidArgumentError);
    await assert.rejects(c.setPayload('all' as never, { a: 1 }), InvalidArgumentError);
    await assert.rejects(c.clearPayload({ filter: { must: 5 } } as never), InvalidFilterError);
    assert.deepEqual((await c.get([1]))[0].payload, { n: 1, group: 1, meta: { kept: true } });
    await db().dropCollection('updates');
  });

  for (const metric of ['l2', 'cosine', 'l1'] as const) {
    test(`search offset and scoreThreshold in the engine's score terms (${metric})`, async () => {
      const { c, rows } = await filled(db(), `window-${metric}`, metric);
      const q = rows[7].vector.map((x) => x + 0.01);
      const ranked = await c.search(q, { k: 20, exact: true });
      const page = await c.search(q, { k: 5, offset: 5, exact: true });
      assert.deepEqual(
        page.map((h) => h.id),
        ranked.slice(5, 10).map((h) => h.id),
      );
      const bound = ranked[9].score;
      const held = await c.search(q, { k: 20, scoreThreshold: bound, exact: true });
      const lower = metric !== 'cosine';
      const expected = ranked.filter((h) => (lower ? h.score <= bound : h.score >= bound));
      assert.ok(Math.abs(held.length - expected.length) <= 1, `${held.length} vs ${expected.length}`);
      assert.deepEqual(
        held.map((h) => h.id),
        expected.slice(0, held.length).map((h) => h.id),
      );
      if (metric === 'l2') {
        // Squared distances, whatever the transport (the REST API reports their square roots).
        const best = rows.find((r) => r.id === ranked[0].id)!.vector;
        const squared = q.reduce((sum, x, i) => sum + (Math.fround(x) - Math.fround(best[i])) ** 2, 0);
        assert.ok(Math.abs(ranked[0].score - squared) < 1e-4, `${ranked[0].score} vs ${squared}`);
      }
      const recommended = await c.recommend({ positive: [7] }, { k: 3, offset: 1, exact: true });
      const all = await c.recommend({ positive: [7] }, { k: 4, exact: true });
      assert.deepEqual(
        recommended.map((h) => h.id),
        all.slice(1).map((h) => h.id),
      );
      await db().dropCollection(`window-${metric}`);
    });
  }

  test('mmr picks diverse results; scroll orders by a payload key', async () => {
    const { c, rows } = await filled(db(), 'diverse', 'cosine');
    const q = rows[3].vector;
    const plain = await c.search(q, { k: 5, exact: true });
    const mmr = await c.search(q, { k: 5, mmr: { diversity: 0.9, candidates: 30 }, exact: true });
    assert.equal(mmr.length, 5);
    assert.equal(mmr[0].id, plain[0].id, 'the most relevant point comes first');
    const asc = await c.scroll({ limit: 5, orderBy: 'n' });
    assert.deepEqual(
      asc.points.map((p) => p.orderValue),
      [0, 1, 2, 3, 4],
    );
    const desc = await c.scroll({ limit: 3, orderBy: { key: 'n', direction: 'desc', startFrom: 50 } });
    assert.deepEqual(
      desc.points.map((p) => p.id as PointId),
      [50, 49, 's48'],
    );
    assert.equal(desc.nextCursor, undefined);
    await assert.rejects(c.search(q, { mmr: { diversity: 2 } }), InvalidArgumentError);
    await db().dropCollection('diverse');
  });
}
