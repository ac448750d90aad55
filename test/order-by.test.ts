/**
 * Scrolling ordered by a payload value (`ScrollOptions.orderBy`, Qdrant's `order_by`):
 * numeric and datetime keys, both directions, `startFrom`, filters, points without the
 * key, multi-valued keys, and paging by `startFrom` — each with and without a payload index
 * on the key, against a sort of the points in the test.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { compareIds } from '../src/db/id-order.js';
import {
  type Collection,
  InvalidArgumentError,
  type PayloadUpdating,
  type Point,
  type PointId,
  Quiver,
  SeededRandom,
} from '../src/index.js';
import { tempDir } from './support/reference.js';

const N = 400;

interface Row {
  id: PointId;
  price?: number;
  when?: string;
  tags?: number[];
  kind: string;
}

function rows(): Row[] {
  const rng = new SeededRandom(3);
  return Array.from({ length: N }, (_, i) => {
    const row: Row = { id: i % 5 === 0 ? `r${i}` : i, kind: i % 2 === 0 ? 'even' : 'odd' };
    // Few distinct prices, so ties (broken by id) are common; every 7th point has none.
    if (i % 7 !== 0) row.price = Math.floor(rng.next() * 40) / 4;
    if (i % 9 !== 0) {
      row.when = new Date(Date.UTC(2024, 0, 1) + Math.floor(rng.next() * 50) * 3_600_000).toISOString();
    }
    if (i % 11 === 0) row.tags = [Math.floor(rng.next() * 10), Math.floor(rng.next() * 10) + 20];
    return row;
  });
}

/** The expected order: (value, id) entries, one per value, ascending or descending by value, then by id. */
function expectedOrder(
  data: Row[],
  valuesOf: (r: Row) => number[],
  desc: boolean,
  keep: (r: Row) => boolean = () => true,
): { id: PointId; value: number }[] {
  const entries = data.filter(keep).flatMap((r) => valuesOf(r).map((value) => ({ id: r.id, value })));
  return entries.sort((a, b) => (desc ? b.value - a.value : a.value - b.value) || compareIds(a.id, b.id));
}

const idsOf = (points: Point[]) => points.map((p) => p.id);

for (const indexed of [false, true]) {
  describe(`scroll with orderBy (${indexed ? 'with' : 'without'} payload indexes)`, () => {
    const dir = tempDir();
    let db: Quiver;
    let col: Collection;
    const data = rows();

    before(async () => {
      db = await Quiver.open(dir.path);
      col = await db.createCollection('o', { dimension: 2, segmentSize: 150 });
      for (let i = 0; i < N; i += 100) {
        await col.upsert(
          data.slice(i, i + 100).map(({ id, ...payload }, j) => ({ id, vector: [i + j, 1], payload })),
        );
      }
      if (indexed) {
        await col.createPayloadIndex('price', 'float');
        await col.createPayloadIndex('when', 'datetime');
        await col.createPayloadIndex('tags', 'integer');
      }
    });
    after(async () => {
      await db.close();
      dir.cleanup();
    });

    test('numeric key, ascending and descending, ties by id, points without the key left out', async () => {
      for (const desc of [false, true]) {
        const want = expectedOrder(data, (r) => (r.price === undefined ? [] : [r.price]), desc);
        const page = await col.scroll({
          limit: 1000,
          orderBy: { key: 'price', direction: desc ? 'desc' : 'asc' },
        });
        assert.deepEqual(
          idsOf(page.points),
          want.map((e) => e.id),
        );
        assert.deepEqual(
          page.points.map((p) => p.orderValue),
          want.map((e) => e.value),
        );
        assert.equal(page.nextCursor, undefined);
      }
      const short = await col.scroll({ limit: 10, orderBy: 'price', withPayload: false });
      assert.deepEqual(
        idsOf(short.points),
        expectedOrder(data, (r) => (r.price === undefined ? [] : [r.price]), false)
          .slice(0, 10)
          .map((e) => e.id),
      );
      assert.equal(short.points[0].payload, undefined);
    });

    test('datetime key with a datetime startFrom, and a filter', async () => {
      const from = '2024-01-02T03:00:00Z';
      const start = Date.parse(from);
      const want = expectedOrder(
        data,
        (r) => (r.when === undefined ? [] : [Date.parse(r.when)].filter((v) => v <= start)),
        true,
        (r) => r.kind === 'odd',
      );
      const page = await col.scroll({
        limit: 1000,
        orderBy: { key: 'when', direction: 'desc', startFrom: from },
        filter: { must: [{ key: 'kind', match: { value: 'odd' } }] },
      });
      assert.ok(want.length > 20);
      assert.deepEqual(
        idsOf(page.points),
        want.map((e) => e.id),
      );
      assert.ok(page.points.every((p) => typeof p.orderValue === 'string'));
    });

    test('a multi-valued key lists a point once per value', async () => {
      const want = expectedOrder(data, (r) => r.tags ?? [], false);
      const page = await col.scroll({ limit: 1000, orderBy: 'tags' });
      assert.equal(page.points.length, 2 * data.filter((r) => r.tags).length);
      assert.deepEqual(
        idsOf(page.points),
        want.map((e) => e.id),
      );
    });

    test('paging by startFrom (Qdrant style) and by offset visits every entry once', async () => {
      const want = expectedOrder(data, (r) => (r.price === undefined ? [] : [r.price]), false);
      const seen: PointId[] = [];
      let startFrom: number | undefined;
      let sameValue = new Set<PointId>();
      for (let pages = 0; pages < 100; pages++) {
        const page = await col.scroll({ limit: 25, orderBy: { key: 'price', startFrom } });
        const fresh = page.points.filter((p) => !(p.orderValue === startFrom && sameValue.has(p.id)));
        if (fresh.length === 0) break;
        seen.push(...idsOf(fresh));
        const last = page.points[page.points.length - 1].orderValue as number;
        if (last !== startFrom) sameValue = new Set();
        for (const p of page.points) if (p.orderValue === last) sameValue.add(p.id);
        startFrom = last;
      }
      assert.deepEqual(
        seen,
        want.map((e) => e.id),
      );
      const byOffset: PointId[] = [];
      for (let offset = 0; offset < want.length; offset += 30) {
        byOffset.push(...idsOf((await col.scroll({ limit: 30, offset, orderBy: 'price' })).points));
      }
      assert.deepEqual(
        byOffset,
        want.map((e) => e.id),
      );
    });

    test('the order follows upserts, payload updates and deletes', async () => {
      await col.upsert([{ id: 'cheapest', vector: [0, 0], payload: { price: -5, kind: 'odd' } }]);
      const first = await col.scroll({ limit: 1, orderBy: 'price' });
      assert.deepEqual(idsOf(first.points), ['cheapest']);
      await (col as Collection & PayloadUpdating).setPayload([3], { price: -7 });
      const updated = await col.scroll({ limit: 2, orderBy: 'price' });
      assert.deepEqual(idsOf(updated.points), [3, 'cheapest']);
      await col.delete(['cheapest', 3]);
      const again = await col.scroll({ limit: 1, orderBy: 'price' });
      assert.ok(!['cheapest', 3].includes(again.points[0].id));
    });

    test('bad orderBy is refused', async () => {
      await assert.rejects(
        col.scroll({ orderBy: { key: 'price', direction: 'up' as 'asc' } }),
        InvalidArgumentError,
      );
      await assert.rejects(
        col.scroll({ orderBy: { key: 'price', startFrom: 'soon' } }),
        InvalidArgumentError,
      );
      await assert.rejects(col.scroll({ orderBy: { key: '' } }), InvalidArgumentError);
      await assert.rejects(col.scroll({ orderBy: 'price', cursor: 3 }), InvalidArgumentError);
      await assert.rejects(col.scroll({ orderBy: { key: 'price', from: 1 } as never }), InvalidArgumentError);
    });
  });
}
