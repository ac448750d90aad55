/**
 * Payload updates and payload indexes: after random updates by ids and by filter, every
 * kind of index (keyword, integer, float, bool, datetime, text, geo, uuid, nested key,
 * partitioned keyword) answers filters by itself, equal to evaluating the filter on a model's payloads,
 * through seal, compaction and reopen; value partitions of a key whose values changed are
 * not searched until rebuilt from the new values.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EmbeddedCollection } from '../src/db/collection.js';
import { SeededRandom } from '../src/index.js';
import { compileFilter, type Filter } from '../src/payload/filter.js';
import { DIM, vectorOf, withDb } from './support/payload-update.js';
import { tempDir } from './support/reference.js';

function modelMatches(model: Map<number, Record<string, unknown> | null>, filter: Filter): number[] {
  const predicate = compileFilter(filter);
  return [...model]
    .filter(([, p]) => predicate(p ?? {}))
    .map(([id]) => id)
    .sort((a, b) => a - b);
}

const UUIDS = [
  '6f1c2a4e-1b2d-4c3e-9f00-0a1b2c3d4e5f',
  '0e9b7c3a-8d4f-4a2b-b1c0-ffeeddccbbaa',
  '3a3a3a3a-3a3a-4a3a-8a3a-3a3a3a3a3a3a',
];

const INDEXED_FILTERS: Filter[] = [
  { must: [{ key: 'color', match: { value: 'red' } }] },
  { must: [{ key: 'color', match: { any: ['blue', 'green'] } }] },
  { must: [{ key: 'tenant', match: { value: 't1' } }] },
  { must: [{ key: 'rank', range: { gte: 10, lt: 40 } }] },
  { must: [{ key: 'score', range: { gt: 0.5 } }] },
  { must: [{ key: 'flag', match: { value: true } }] },
  { must: [{ key: 'when', range: { gte: '2024-06-01T00:00:00Z' } }] },
  { must: [{ key: 'body', match: { text: 'zebra' } }] },
  { must: [{ key: 'meta.author', match: { value: 'ann' } }] },
  { must_not: [{ key: 'color', match: { value: 'red' } }] },
  { must: [{ key: 'rank', exists: true }] },
  { must: [{ key: 'loc', geo_radius: { center: { lat: 0, lon: 10 }, radius: 600_000 } }] },
  { must: [{ key: 'uid', match: { value: UUIDS[1] } }] },
];

test('payload indexes of every kind answer filters from the index after random updates, through seal, compaction and reopen', async () => {
  const dir = tempDir();
  const rng = new SeededRandom(11);
  const colors = ['red', 'blue', 'green'];
  const words = ['zebra', 'lion', 'tiger', 'otter'];
  const randomPayload = (): Record<string, unknown> => ({
    color: colors[rng.int(3)],
    tenant: `t${rng.int(3)}`,
    rank: rng.int(60),
    score: rng.next(),
    flag: rng.int(2) === 0,
    when: `2024-${String(1 + rng.int(12)).padStart(2, '0')}-15T00:00:00Z`,
    body: `the ${words[rng.int(4)]} and the ${words[rng.int(4)]}`,
    meta: { author: rng.int(2) === 0 ? 'ann' : 'bob' },
    loc: { lat: -10 + 20 * rng.next(), lon: 20 * rng.next() },
    uid: UUIDS[rng.int(3)],
  });
  const model = new Map<number, Record<string, unknown> | null>();
  const check = async (col: EmbeddedCollection, step: string) => {
    for (const filter of INDEXED_FILTERS) {
      const expected = modelMatches(model, filter);
      assert.equal(
        await col.count({ filter }),
        expected.length,
        `${step}: count of ${JSON.stringify(filter)}`,
      );
      // Every key here is indexed and every value has the index's type: the indexes alone answer,
      // so a filter evaluation that read a payload would throw.
      for (const view of col.storage.set.views()) {
        view.payloadIndex.filter(filter, view.rows, () => {
          throw new Error(`${step}: a payload was read for ${JSON.stringify(filter)}`);
        });
      }
      const page = await col.scroll({ filter, limit: 1000, withPayload: true });
      assert.deepEqual(
        page.points.map((p) => p.id),
        expected,
        `${step}: scroll of ${JSON.stringify(filter)}`,
      );
      for (const p of page.points) assert.deepEqual(p.payload, model.get(p.id as number) ?? {});
    }
    const hits = await col.search(new Array(DIM).fill(0.1), {
      k: 500,
      filter: INDEXED_FILTERS[0],
      withPayload: true,
    });
    assert.deepEqual(
      hits.map((h) => h.id as number).sort((a, b) => a - b),
      modelMatches(model, INDEXED_FILTERS[0]),
      `${step}: filtered search`,
    );
    const text = await col.search({ text: 'zebra', textField: 'body' }, { k: 500 });
    assert.deepEqual(
      text.map((h) => h.id as number).sort((a, b) => a - b),
      modelMatches(model, INDEXED_FILTERS[7]),
      `${step}: BM25 search`,
    );
  };

  const randomOps = async (col: EmbeddedCollection, count: number) => {
    for (let op = 0; op < count; op++) {
      const ids = Array.from({ length: 1 + rng.int(40) }, () => rng.int(420));
      const byFilter = rng.int(3) === 0;
      const filter = INDEXED_FILTERS[rng.int(INDEXED_FILTERS.length - 1)];
      const selected = byFilter
        ? modelMatches(model, filter)
        : [...new Set(ids)].filter((id) => model.has(id));
      const selector = byFilter ? { filter } : ids;
      const kind = rng.int(5);
      let n: number;
      if (kind === 0 || kind === 1) {
        const change = randomPayload();
        const part = Object.fromEntries(Object.entries(change).filter(() => rng.int(2) === 0));
        n = await col.setPayload(selector, part);
        for (const id of selected) model.set(id, { ...model.get(id), ...part });
      } else if (kind === 2) {
        const author = rng.int(2) === 0 ? 'ann' : 'cat';
        n = await col.setPayload(selector, { author }, { key: 'meta' });
        for (const id of selected) {
          const p = model.get(id) ?? {};
          const meta = typeof p.meta === 'object' && p.meta !== null && !Array.isArray(p.meta) ? p.meta : {};
          model.set(id, { ...p, meta: { ...meta, author } });
        }
      } else if (kind === 3) {
        const payload = randomPayload();
        n = await col.overwritePayload(selector, payload);
        for (const id of selected) model.set(id, { ...payload });
      } else {
        const keys = ['color', 'rank', 'body', 'meta.author', 'when', 'loc', 'uid'].filter(
          () => rng.int(2) === 0,
        );
        if (keys.length === 0) {
          n = await col.clearPayload(selector);
          for (const id of selected) model.set(id, null);
        } else {
          n = await col.deletePayloadKeys(selector, keys);
          for (const id of selected) {
            const p = model.get(id);
            if (!p) continue;
            const next = structuredClone(p);
            for (const key of keys) {
              const [head, tail] = key.split('.');
              if (tail === undefined) delete next[head];
              else if (typeof next[head] === 'object' && next[head] !== null)
                delete (next[head] as Record<string, unknown>)[tail];
            }
            model.set(id, next);
          }
        }
      }
      assert.equal(n, selected.length, `op ${op}: count of points changed`);
    }
  };

  try {
    await withDb(async (db) => {
      const col = await db.createCollection('idx', {
        dimension: DIM,
        segmentSize: 150,
        index: { type: 'flat' },
        payloadIndexes: {
          color: 'keyword',
          tenant: { type: 'keyword', partitioned: true },
          rank: 'integer',
          score: 'float',
          flag: 'bool',
          when: 'datetime',
          body: { type: 'text', analyzer: 'english' },
          'meta.author': 'keyword',
          loc: 'geo',
          uid: 'uuid',
        },
      });
      for (let i = 0; i < 400; i += 50) {
        const batch = Array.from({ length: 50 }, (_, j) => ({
          id: i + j,
          vector: vectorOf(rng),
          payload: randomPayload(),
        }));
        await col.upsert(batch);
        for (const p of batch) model.set(p.id, p.payload);
      }
      assert.ok(col.storage.sealedCount >= 2, 'some points are in sealed segments');
      assert.ok(col.storage.set.growing.rows > 0, 'some points are in the growing segment');
      await randomOps(col, 40);
      await check(col, 'after updates');
      await col.flush();
      await check(col, 'after seal');
      await randomOps(col, 20);
      await col.delete([0, 1, 2, 3, 200]);
      for (const id of [0, 1, 2, 3, 200]) model.delete(id);
      await col.compact();
      await check(col, 'after compaction');
      await randomOps(col, 20);
    }, dir);
    await withDb(async (db) => {
      await check(db.collection('idx'), 'after reopen (WAL replay)');
      await db.collection('idx').flush();
    }, dir);
    await withDb(async (db) => {
      await check(db.collection('idx'), 'after reopen (overlay files)');
    }, dir);
  } finally {
    dir.cleanup();
  }
});

test('value partitions of a partitioned keyword key stop being used when its values change, and are rebuilt from the new values', async () => {
  await withDb(async (db) => {
    const rng = new SeededRandom(9);
    const rows = 10_000;
    const col = await db.createCollection('tenants', {
      dimension: 8,
      segmentSize: rows,
      index: { type: 'hnsw', M: 16, efConstruction: 64 },
      payloadIndexes: { tenant: { type: 'keyword', partitioned: true } },
    });
    const vectors = Array.from({ length: rows }, () => Array.from({ length: 8 }, () => rng.gaussian()));
    await col.upsert(vectors.map((vector, i) => ({ id: i, vector, payload: { tenant: `t${i % 9}` } })));
    await col.flush();
    const segment = () => col.storage.set.sealed[0].segment;
    assert.equal(segment().partition(0, 'tenant', 't0')?.size, 1112);
    assert.equal(segment().partition(0, 'tenant', 't1')?.size, 1111);

    // 100 points of t1 move to t0: t0 then holds 1,212 rows, t1 1,011 (too few for a partition).
    const moved = Array.from({ length: 100 }, (_, j) => 1 + 9 * j);
    assert.equal(await col.setPayload(moved, { tenant: 't0' }), 100);
    assert.equal(segment().partition(0, 'tenant', 't0'), undefined, 'the old partition is out of date');
    const t0 = { must: [{ key: 'tenant', match: { value: 't0' } }] };
    const findsMoved = async () => {
      for (const id of moved.slice(0, 20)) {
        const [hit] = await col.search(vectors[id], { k: 1, filter: t0 });
        assert.equal(hit.id, id);
      }
    };
    await findsMoved();
    await col.flush();
    assert.equal(segment().partition(0, 'tenant', 't0')?.size, 1212, 'rebuilt from the new values');
    assert.equal(segment().partition(0, 'tenant', 't1'), undefined);
    assert.equal(segment().partition(0, 'tenant', 't2')?.size, 1111, 'the other values have theirs again');
    await findsMoved();
  });
});
