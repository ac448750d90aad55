import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SeededRandom } from '../src/eval/random.js';
import { type Collection, Quiver } from '../src/index.js';
import { compileFilter, type Filter, type GeoPoint, parseFilter } from '../src/payload/filter.js';
import { haversineMetres } from '../src/payload/geo.js';
import { type RowPayload, SegmentPayloadIndex } from '../src/payload/payload-index.js';
import { tempDir } from './support/reference.js';

/** Points: a third spread over the globe, a third in a cluster around Berlin, a third by the antimeridian and the poles. */
function randomPoints(rng: SeededRandom, count: number): GeoPoint[] {
  return Array.from({ length: count }, (_, i) => {
    switch (i % 3) {
      case 0:
        return { lon: rng.next() * 360 - 180, lat: Math.asin(2 * rng.next() - 1) * (180 / Math.PI) };
      case 1:
        return { lon: 13.4 + rng.gaussian() * 0.2, lat: 52.5 + rng.gaussian() * 0.1 };
      default:
        return rng.next() < 0.5
          ? { lon: rng.next() < 0.5 ? 179 + rng.next() : -180 + rng.next(), lat: rng.next() * 60 - 30 }
          : {
              lon: rng.next() * 360 - 180,
              lat: rng.next() < 0.5 ? 88 + rng.next() * 2 : -90 + rng.next() * 2,
            };
    }
  });
}

const square = (lon: number, lat: number, half: number) => ({
  points: [
    { lon: lon - half, lat: lat - half },
    { lon: lon + half, lat: lat - half },
    { lon: lon + half, lat: lat + half },
    { lon: lon - half, lat: lat + half },
    { lon: lon - half, lat: lat - half },
  ],
});

/** Geo conditions on `loc` of every shape, including the antimeridian and the poles. */
const SHAPES: Filter[] = [
  { must: [{ key: 'loc', geo_radius: { center: { lon: 13.4, lat: 52.5 }, radius: 2_000 } }] },
  { must: [{ key: 'loc', geo_radius: { center: { lon: 13.4, lat: 52.5 }, radius: 25_000 } }] },
  { must: [{ key: 'loc', geo_radius: { center: { lon: 179.9, lat: 0 }, radius: 500_000 } }] },
  { must: [{ key: 'loc', geo_radius: { center: { lon: -179.5, lat: 10 }, radius: 300_000 } }] },
  { must: [{ key: 'loc', geo_radius: { center: { lon: 40, lat: 89.5 }, radius: 200_000 } }] },
  { must: [{ key: 'loc', geo_radius: { center: { lon: 0, lat: -89.9 }, radius: 50_000 } }] },
  { must: [{ key: 'loc', geo_radius: { center: { lon: 0, lat: 0 }, radius: 12_000_000 } }] },
  { must: [{ key: 'loc', geo_radius: { center: { lon: 100, lat: 20 }, radius: 0 } }] },
  {
    must: [
      {
        key: 'loc',
        geo_bounding_box: { top_left: { lon: 13.3, lat: 52.6 }, bottom_right: { lon: 13.5, lat: 52.45 } },
      },
    ],
  },
  {
    must: [
      {
        key: 'loc',
        geo_bounding_box: { top_left: { lon: 170, lat: 20 }, bottom_right: { lon: -170, lat: -20 } },
      },
    ],
  },
  {
    must: [
      {
        key: 'loc',
        geo_bounding_box: { top_left: { lon: -180, lat: 90 }, bottom_right: { lon: 180, lat: -90 } },
      },
    ],
  },
  { must: [{ key: 'loc', geo_polygon: { exterior: square(13.4, 52.5, 0.3) } }] },
  {
    must: [
      {
        key: 'loc',
        geo_polygon: { exterior: square(13.4, 52.5, 0.3), interiors: [square(13.4, 52.5, 0.1)] },
      },
    ],
  },
  {
    must: [
      {
        key: 'loc',
        geo_polygon: {
          exterior: {
            points: [
              { lon: 0, lat: -60 },
              { lon: 120, lat: 0 },
              { lon: 0, lat: 60 },
              { lon: 60, lat: 0 },
              { lon: 0, lat: -60 },
            ],
          },
          interiors: [square(50, 0, 5), square(30, 10, 3)],
        },
      },
    ],
  },
  {
    should: [
      { key: 'loc', geo_radius: { center: { lon: 13.4, lat: 52.5 }, radius: 10_000 } },
      {
        key: 'loc',
        geo_bounding_box: { top_left: { lon: 179, lat: 30 }, bottom_right: { lon: 179.5, lat: -30 } },
      },
    ],
    must_not: [{ key: 'loc', geo_polygon: { exterior: square(13.4, 52.5, 0.05) } }],
  },
];

function rowsOf(bits: { forEach(fn: (row: number) => void): void }): number[] {
  const rows: number[] = [];
  bits.forEach((row) => {
    rows.push(row);
  });
  return rows;
}

describe('geo index', () => {
  const rng = new SeededRandom(31);
  const N = 6_000;
  const points = randomPoints(rng, N);
  // Most rows hold one point, some two (an array), some none, a few something else.
  const payloads: RowPayload[] = points.map((point, i) => {
    if (i % 50 === 7) return {};
    if (i % 50 === 9) return { loc: 'nowhere' };
    if (i % 10 === 3) return { loc: [point, points[(i * 7) % N]] };
    return { loc: point };
  });
  const declarations = new Map([['loc', { type: 'geo' } as const]]);

  test('answers every shape as a scan of the payloads does, reading no payload of a stored point', () => {
    const index = new SegmentPayloadIndex(declarations, payloads);
    for (const input of SHAPES) {
      const filter = parseFilter(input);
      const predicate = compileFilter(filter);
      const expected = payloads.flatMap((payload, row) => (predicate(payload) ? [row] : []));
      let reads = 0;
      const actual = rowsOf(
        index.filter(filter, N, (row) => {
          reads++;
          return payloads[row];
        }),
      );
      assert.deepEqual(actual, expected, JSON.stringify(input));
      assert.ok(index.estimate(filter, N) >= expected.length);
      // Only the rows with a value the index does not store (the string 'nowhere') are read, once per condition.
      const conditions =
        (filter.must?.length ?? 0) + (filter.should?.length ?? 0) + (filter.must_not?.length ?? 0);
      assert.ok(
        reads <= conditions * Math.ceil(N / 50),
        `${reads} payload reads for ${JSON.stringify(input)}`,
      );
    }
  });

  test('the shapes select what their definitions say', () => {
    const index = new SegmentPayloadIndex(declarations, payloads);
    const berlin = { lon: 13.4, lat: 52.5 };
    const within = rowsOf(
      index.filter(
        { must: [{ key: 'loc', geo_radius: { center: berlin, radius: 25_000 } }] },
        N,
        (row) => payloads[row],
      ),
    );
    assert.ok(within.length > 100, `only ${within.length} points within 25 km of Berlin`);
    for (const row of within) {
      const held = ([] as GeoPoint[]).concat((payloads[row] as { loc: GeoPoint | GeoPoint[] }).loc);
      assert.ok(held.some((point) => haversineMetres(berlin.lon, berlin.lat, point.lon, point.lat) < 25_000));
    }
    const across = rowsOf(
      index.filter(
        {
          must: [
            {
              key: 'loc',
              geo_bounding_box: { top_left: { lon: 170, lat: 20 }, bottom_right: { lon: -170, lat: -20 } },
            },
          ],
        },
        N,
        (row) => payloads[row],
      ),
    );
    assert.ok(across.length > 100, `only ${across.length} points by the antimeridian`);
  });

  test('a growing segment answers between appends (unsorted tail, then re-sorted)', () => {
    const growing = new SegmentPayloadIndex(declarations, []);
    const filters = SHAPES.map((input) => parseFilter(input));
    const predicates = filters.map((filter) => compileFilter(filter));
    for (let row = 0; row < N; row++) {
      growing.append(row, payloads[row]);
      if (row % 997 !== 0 && row !== N - 1) continue;
      const rows = row + 1;
      filters.forEach((filter, f) => {
        const expected: number[] = [];
        for (let r = 0; r < rows; r++) if (predicates[f](payloads[r])) expected.push(r);
        assert.deepEqual(rowsOf(growing.filter(filter, rows, (r) => payloads[r])), expected);
      });
    }
  });
});

describe('geo and uuid declarations in a collection', () => {
  const dir = tempDir();
  let db: Quiver;
  let col: Collection;
  const rng = new SeededRandom(8);
  const points = randomPoints(rng, 600).map((point, i) => ({
    id: i,
    vector: [rng.gaussian(), rng.gaussian(), rng.gaussian()],
    payload: {
      loc: point,
      ref: i % 2 === 0 ? '550e8400-e29b-41d4-a716-446655440000' : '6BA7B810-9DAD-11D1-80B4-00C04FD430C8',
    },
  }));
  const near = { must: [{ key: 'loc', geo_radius: { center: { lon: 13.4, lat: 52.5 }, radius: 20_000 } }] };
  const refMatch = { must: [{ key: 'ref', match: { value: '{6ba7b810-9dad-11d1-80b4-00c04fd430c8}' } }] };
  const expectedNear = points.filter(
    ({ payload: { loc } }) => haversineMetres(13.4, 52.5, loc.lon, loc.lat) < 20_000,
  ).length;

  before(async () => {
    db = await Quiver.open(dir.path);
    col = await db.createCollection('places', {
      dimension: 3,
      segmentSize: 250,
      payloadIndexes: { loc: 'geo' },
    });
    await col.upsert(points);
    await col.createPayloadIndex('ref', 'uuid');
  });
  after(async () => {
    await db.close();
    dir.cleanup();
  });

  test('filters use them, and they survive reopening', async () => {
    assert.ok(expectedNear > 20);
    assert.equal(await col.count({ filter: near }), expectedNear);
    assert.equal(await col.count({ filter: refMatch }), 300);
    const hits = await col.search([1, 0, 0], { k: 10, filter: near });
    assert.equal(hits.length, 10);
    await db.close();
    db = await Quiver.open(dir.path);
    col = db.collection('places');
    const info = await col.info();
    assert.deepEqual(info.payloadIndexes, { loc: { type: 'geo' }, ref: { type: 'uuid' } });
    assert.equal(await col.count({ filter: near }), expectedNear);
    assert.equal(await col.count({ filter: refMatch }), 300);
    const page = await col.scroll({ filter: refMatch, limit: 5 });
    assert.deepEqual(
      page.points.map((point) => point.id),
      [1, 3, 5, 7, 9],
    );
  });
});
