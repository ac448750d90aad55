/**
 * Model-based test: a long random sequence of operations applied both to the real engine
 * (with tiny segments, so sealing, tombstones and compaction happen constantly) and to a
 * plain in-memory model; every result is compared. Fixed seed, so a failure replays.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type Collection,
  type Filter,
  type Payload,
  type PointId,
  Quiver,
  SeededRandom,
} from '../src/index.js';
import { matchesReference } from './support/filters.js';
import { assertTopK, bruteForce, tempDir } from './support/reference.js';

const DIM = 8;
const STEPS = 2500;

interface ModelPoint {
  vector: Float32Array;
  payload: Payload | null;
}

/** Integer ids ascending, then string ids by code units: the documented scroll order. */
function modelOrder(ids: PointId[]): PointId[] {
  const ints = ids.filter((id): id is number => typeof id === 'number').sort((a, b) => a - b);
  const strs = ids.filter((id): id is string => typeof id === 'string').sort();
  return [...ints, ...strs];
}

test(`model-based: ${STEPS} random operations agree with an in-memory model`, async () => {
  const rng = new SeededRandom(20261121);
  const dir = tempDir();
  let db = await Quiver.open(dir.path);
  let col: Collection = await db.createCollection('model', { dimension: DIM, metric: 'l2', segmentSize: 60 });
  const model = new Map<PointId, ModelPoint>();
  const idPool: PointId[] = Array.from({ length: 250 }, (_, i) => (i % 2 === 0 ? i : `id-${i}`));
  const ops: Record<string, number> = {};
  const count = (op: string) => {
    ops[op] = (ops[op] ?? 0) + 1;
  };
  const randomVector = () => Float32Array.from({ length: DIM }, () => rng.gaussian());
  const randomPayload = (): Payload | undefined =>
    rng.next() < 0.1
      ? undefined
      : { group: rng.pick(['a', 'b', 'c']), n: rng.int(100), nested: { flag: rng.next() < 0.5 } };
  const randomFilter = (): Filter =>
    rng.pick<() => Filter>([
      () => ({ must: [{ key: 'group', match: { value: rng.pick(['a', 'b', 'c']) } }] }),
      () => ({ must: [{ key: 'n', range: { gte: rng.int(50), lt: 50 + rng.int(50) } }] }),
      () => ({ must_not: [{ key: 'nested.flag', match: { value: true } }] }),
      () => ({
        should: [
          { key: 'group', match: { any: ['a', 'c'] } },
          { key: 'n', range: { lt: 10 } },
        ],
      }),
      () => ({ must: [{ key: 'group', exists: false }] }),
    ])();
  const live = () => Array.from(model.entries()).map(([id, p]) => [id, p.vector] as [PointId, Float32Array]);
  const allows = (filter: Filter | undefined) => (id: PointId) =>
    filter === undefined || matchesReference(filter, model.get(id)!.payload ?? undefined);

  try {
    for (let step = 0; step < STEPS; step++) {
      const r = rng.next();
      const where = `step ${step}`;
      if (r < 0.3) {
        count('upsert');
        const batch = Array.from({ length: 1 + rng.int(15) }, () => ({
          id: rng.pick(idPool),
          vector: randomVector(),
          payload: randomPayload(),
        }));
        await col.upsert(batch);
        for (const p of batch) model.set(p.id, { vector: p.vector, payload: p.payload ?? null });
      } else if (r < 0.38) {
        count('delete');
        const ids = Array.from({ length: 1 + rng.int(5) }, () => rng.pick(idPool));
        const unique = new Set(ids);
        const expected = [...unique].filter((id) => model.has(id)).length;
        assert.equal(await col.delete(ids), expected, where);
        for (const id of unique) model.delete(id);
      } else if (r < 0.41) {
        count('deleteByFilter');
        const filter = randomFilter();
        const doomed = [...model.keys()].filter(allows(filter));
        assert.equal(await col.delete({ filter }), doomed.length, where);
        for (const id of doomed) model.delete(id);
      } else if (r < 0.66) {
        const filter = rng.next() < 0.5 ? randomFilter() : undefined;
        count(filter ? 'filteredSearch' : 'search');
        const k = 1 + rng.int(15);
        const q = randomVector();
        const hits = await col.search(q, { k, filter, withPayload: true });
        assertTopK(hits, bruteForce('l2', live(), q, allows(filter)), k);
        for (const h of hits) assert.deepEqual(h.payload, model.get(h.id)!.payload ?? {}, where);
      } else if (r < 0.7) {
        count('rangeSearch');
        const q = randomVector();
        const ranked = bruteForce('l2', live(), q);
        if (ranked.length === 0) continue;
        const radius = ranked[Math.min(ranked.length - 1, rng.int(20))].score + 1e-3;
        const hits = await col.rangeSearch(q, { radius });
        assertTopK(hits, ranked, ranked.filter((x) => x.score <= radius).length, 1e-3);
      } else if (r < 0.78) {
        const filter = rng.next() < 0.5 ? randomFilter() : undefined;
        count('count');
        const expected = [...model.keys()].filter(allows(filter)).length;
        assert.equal(await col.count({ filter }), expected, where);
        if (filter) assert.equal(await col.count(filter), expected, `${where}: a bare filter`);
      } else if (r < 0.86) {
        count('get');
        const ids = Array.from({ length: 1 + rng.int(6) }, () => rng.pick(idPool));
        const got = await col.get(ids, { withVector: true });
        const want = ids.filter((id) => model.has(id));
        assert.deepEqual(
          got.map((p) => p.id),
          want,
          where,
        );
        for (const p of got) {
          assert.deepEqual(p.vector, model.get(p.id)!.vector, where);
          assert.deepEqual(p.payload, model.get(p.id)!.payload ?? {}, where);
        }
      } else if (r < 0.91) {
        count('scroll');
        const filter = rng.next() < 0.3 ? randomFilter() : undefined;
        const limit = 1 + rng.int(40);
        const seen: PointId[] = [];
        let page = await col.scroll({ limit, filter, withPayload: false });
        seen.push(...page.points.map((p) => p.id));
        while (page.nextCursor !== undefined) {
          page = await col.scroll({ limit, filter, cursor: page.nextCursor, withPayload: false });
          seen.push(...page.points.map((p) => p.id));
        }
        assert.deepEqual(seen, modelOrder([...model.keys()].filter(allows(filter))), where);
        const offset = rng.int(Math.max(1, seen.length));
        const byOffset = await col.scroll({ limit, offset, filter, withPayload: false });
        assert.deepEqual(
          byOffset.points.map((p) => p.id),
          seen.slice(offset, offset + limit),
          where,
        );
      } else if (r < 0.95) {
        count('flush');
        await col.flush();
        assert.equal((await col.info()).growingPoints, 0, where);
      } else if (r < 0.97) {
        count('compact');
        await col.compact();
      } else {
        count('reopen');
        await db.close();
        db = await Quiver.open(dir.path);
        col = db.collection('model');
      }
      if (step % 100 === 0) assert.equal(await col.count(), model.size, where);
    }
    for (const op of [
      'upsert',
      'delete',
      'deleteByFilter',
      'search',
      'filteredSearch',
      'count',
      'get',
      'scroll',
    ]) {
      assert.ok((ops[op] ?? 0) >= 20, `operation ${op} ran only ${ops[op] ?? 0} times`);
    }
    for (const op of ['flush', 'compact', 'reopen', 'rangeSearch'])
      assert.ok((ops[op] ?? 0) >= 5, `${op}: ${ops[op]}`);
    assert.ok((await col.info()).sealedSegments >= 1);
  } finally {
    await db.close();
    dir.cleanup();
  }
});
