import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { InvalidArgumentError, InvalidFilterError } from '../src/errors.js';
import { SeededRandom } from '../src/eval/random.js';
import { type Collection, type PointId, Quiver } from '../src/index.js';
import { type CompileOptions, compileFilter, type Payload, parseFilter } from '../src/payload/filter.js';
import type { PayloadIndexInfo } from '../src/payload/index-declaration.js';
import {
  declaredCompileOptions,
  type RowIds,
  type RowPayload,
  SegmentPayloadIndex,
} from '../src/payload/payload-index.js';
import { analyzerFor } from '../src/text/analyzer.js';
import { matchesReference } from './support/filters.js';
import { QDRANT_KEYS, QdrantRandomFilters, rowId } from './support/qdrant-filters.js';
import { tempDir } from './support/reference.js';

/** Compile options as a collection with these declarations has them, with English for every other text key. */
function optionsFor(declarations: ReadonlyMap<string, PayloadIndexInfo>): CompileOptions {
  const declared = declaredCompileOptions(declarations);
  return { ...declared, analyzerFor: (key) => declared.analyzerFor?.(key) ?? analyzerFor('english') };
}

interface Point {
  id: PointId;
  payload: Payload;
}

/**
 * The ids of `points` matching `filter` (parsed from JSON, as a request brings it) in a
 * collection with `declarations`, checked to be the same by the predicate, by the reference,
 * and by payload indexes with `declarations` and (when the declarations change no semantics:
 * no uuid key, no text analyzer but English) without them.
 */
function matchingIds(points: readonly Point[], input: unknown, declarations: object = {}): PointId[] {
  const filter = parseFilter(JSON.parse(JSON.stringify(input)));
  const declared = new Map(Object.entries(declarations) as [string, PayloadIndexInfo][]);
  const options = optionsFor(declared);
  const predicate = compileFilter(filter, options);
  const expected = points.filter((point) => predicate(point.payload, point.id)).map((point) => point.id);
  const reference = points.filter((point) => matchesReference(filter, point.payload, options, point.id));
  assert.deepEqual(
    reference.map((point) => point.id),
    expected,
    'the predicate and the reference disagree',
  );
  const payloads = points.map((point) => point.payload);
  const neutral = [...declared.values()].every(
    (info) => info.type !== 'uuid' && (info.type !== 'text' || info.analyzer === 'english'),
  );
  for (const indexes of neutral ? [new Map<string, PayloadIndexInfo>(), declared] : [declared]) {
    const index = new SegmentPayloadIndex(indexes, payloads);
    const bits = index.filter(filter, points.length, (row) => payloads[row], {
      idAt: (row) => points[row].id,
    });
    const ids: PointId[] = [];
    bits.forEach((row) => {
      ids.push(points[row].id);
    });
    assert.deepEqual(ids, expected, `indexes ${JSON.stringify([...indexes])} disagree with the predicate`);
    assert.ok(index.estimate(filter, points.length) >= ids.length);
  }
  return expected;
}

describe("Qdrant's documented filter examples", () => {
  const cities: Point[] = [
    { id: 1, payload: { city: 'London', color: 'green' } },
    { id: 2, payload: { city: 'London', color: 'red' } },
    { id: 3, payload: { city: 'London', color: 'blue' } },
    { id: 4, payload: { city: 'Berlin', color: 'red' } },
    { id: 5, payload: { city: 'Moscow', color: 'green' } },
    { id: 6, payload: { city: 'Moscow', color: 'blue' } },
  ];
  const london = { key: 'city', match: { value: 'London' } };
  const red = { key: 'color', match: { value: 'red' } };
  const keyword = { city: { type: 'keyword' }, color: { type: 'keyword' } } as const;

  test('must, should, must_not, their combination and nesting', () => {
    for (const declarations of [{}, keyword]) {
      assert.deepEqual(matchingIds(cities, { must: [london, red] }, declarations), [2]);
      assert.deepEqual(matchingIds(cities, { should: [london, red] }, declarations), [1, 2, 3, 4]);
      assert.deepEqual(matchingIds(cities, { must_not: [london, red] }, declarations), [5, 6]);
      assert.deepEqual(matchingIds(cities, { must: [london], must_not: [red] }, declarations), [1, 3]);
      assert.deepEqual(
        matchingIds(cities, { must_not: [{ must: [london, red] }] }, declarations),
        [1, 3, 4, 5, 6],
      );
    }
  });

  test('a clause given as one condition instead of a list', () => {
    assert.deepEqual(matchingIds(cities, { must: london, must_not: red }, keyword), [1, 3]);
    assert.deepEqual(matchingIds(cities, { should: red, must: null }), [2, 4]);
  });

  test('has_id', () => {
    assert.deepEqual(matchingIds(cities, { must: [{ has_id: [1, 3, 5, 7, 9, 11] }] }, keyword), [1, 3, 5]);
    assert.deepEqual(matchingIds(cities, { must_not: [{ has_id: [1, 3, 5, 7, 9, 11] }] }), [2, 4, 6]);
    assert.deepEqual(matchingIds(cities, { must: [{ has_id: ['1'] }] }), [], "'1' is not the id 1");
    assert.deepEqual(matchingIds(cities, { must: [{ has_id: [] }] }), []);
  });

  test('match value, any and except, over arrays', () => {
    const colors: Point[] = [
      { id: 1, payload: { color: 'black' } },
      { id: 2, payload: { color: ['black', 'green'] } },
      { id: 3, payload: { color: 'yellow' } },
      { id: 4, payload: { color: 'red', count: 0 } },
      { id: 5, payload: {} },
      { id: 6, payload: { color: null } },
      { id: 7, payload: { color: [] } },
      { id: 8, payload: { color: ['black', null] } },
    ];
    for (const declarations of [{}, { color: { type: 'keyword' }, count: { type: 'integer' } } as const]) {
      assert.deepEqual(
        matchingIds(colors, { must: [{ key: 'count', match: { value: 0 } }] }, declarations),
        [4],
      );
      assert.deepEqual(
        matchingIds(colors, { must: [{ key: 'color', match: { any: ['black', 'yellow'] } }] }, declarations),
        [1, 2, 3, 8],
      );
      // Except: at least one non-null value outside the list; missing, null and [] never match.
      assert.deepEqual(
        matchingIds(
          colors,
          { must: [{ key: 'color', match: { except: ['black', 'yellow'] } }] },
          declarations,
        ),
        [2, 4],
      );
      assert.deepEqual(
        matchingIds(colors, { must: [{ key: 'color', match: { except: [] } }] }, declarations),
        [1, 2, 3, 4, 8],
      );
      assert.deepEqual(
        matchingIds(colors, { must: [{ key: 'color', match: { any: [] } }] }, declarations),
        [],
      );
    }
  });

  const countries: Point[] = [
    {
      id: 1,
      payload: {
        country: {
          name: 'Germany',
          cities: [
            { name: 'Berlin', population: 3.7, sightseeing: ['Brandenburg Gate', 'Reichstag'] },
            { name: 'Munich', population: 1.5, sightseeing: ['Marienplatz', 'Olympiapark'] },
          ],
        },
      },
    },
    {
      id: 2,
      payload: {
        country: {
          name: 'Japan',
          cities: [
            { name: 'Tokyo', population: 9.3, sightseeing: ['Tokyo Tower', 'Tokyo Skytree'] },
            { name: 'Osaka', population: 2.7, sightseeing: ['Osaka Castle', 'Universal Studios Japan'] },
          ],
        },
      },
    },
  ];

  test('nested keys with the [] array syntax', () => {
    assert.deepEqual(
      matchingIds(countries, { should: [{ key: 'country.name', match: { value: 'Germany' } }] }),
      [1],
    );
    const population = {
      should: [{ key: 'country.cities[].population', range: { gt: null, gte: 9.0, lt: null, lte: null } }],
    };
    assert.deepEqual(matchingIds(countries, population), [2]);
    assert.deepEqual(
      matchingIds(countries, population, { 'country.cities.population': { type: 'float' } }),
      [2],
    );
    const sightseeing = {
      should: [{ key: 'country.cities[].sightseeing', match: { value: 'Osaka Castle' } }],
    };
    assert.deepEqual(
      matchingIds(countries, sightseeing, { 'country.cities.sightseeing': { type: 'keyword' } }),
      [2],
    );
  });

  test('nested object filters hold within one element', () => {
    const dinosaurs: Point[] = [
      {
        id: 1,
        payload: {
          dinosaur: 't-rex',
          diet: [
            { food: 'leaves', likes: false },
            { food: 'meat', likes: true },
          ],
        },
      },
      {
        id: 2,
        payload: {
          dinosaur: 'diplodocus',
          diet: [
            { food: 'leaves', likes: true },
            { food: 'meat', likes: false },
          ],
        },
      },
    ];
    const meatLiked = [
      { key: 'food', match: { value: 'meat' } },
      { key: 'likes', match: { value: true } },
    ];
    const declarations = { 'diet.food': { type: 'keyword' }, 'diet.likes': { type: 'bool' } } as const;
    const flat = {
      must: [
        { key: 'diet[].food', match: { value: 'meat' } },
        { key: 'diet[].likes', match: { value: true } },
      ],
    };
    assert.deepEqual(matchingIds(dinosaurs, flat, declarations), [1, 2]);
    assert.deepEqual(
      matchingIds(dinosaurs, { must: [{ nested: { key: 'diet', filter: { must: meatLiked } } }] }),
      [1],
    );
    assert.deepEqual(
      matchingIds(
        dinosaurs,
        { must: [{ nested: { key: 'diet[]', filter: { must: meatLiked } } }] },
        declarations,
      ),
      [1],
    );
    assert.deepEqual(
      matchingIds(dinosaurs, {
        must: [{ nested: { key: 'diet', filter: { must: meatLiked } } }, { has_id: [1] }],
      }),
      [1],
    );
    assert.deepEqual(
      matchingIds(dinosaurs, { must_not: [{ nested: { key: 'diet', filter: { must: meatLiked } } }] }),
      [2],
    );
  });

  test('full text: every word of the query', () => {
    const descriptions: Point[] = [
      { id: 1, payload: { description: 'A good and cheap phone' } },
      { id: 2, payload: { description: 'Good, but not cheap at all' } },
      { id: 3, payload: { description: 'cheap' } },
      { id: 4, payload: { description: 'good value for money' } },
    ];
    for (const declarations of [{}, { description: { type: 'text', analyzer: 'english' } } as const]) {
      assert.deepEqual(
        matchingIds(
          descriptions,
          { must: [{ key: 'description', match: { text: 'good cheap' } }] },
          declarations,
        ),
        [1, 2],
      );
      assert.deepEqual(
        matchingIds(
          descriptions,
          { must: [{ key: 'description', match: { text_any: 'good cheap' } }] },
          declarations,
        ),
        [1, 2, 3, 4],
      );
      assert.deepEqual(
        matchingIds(
          descriptions,
          { must: [{ key: 'description', match: { phrase: 'good and cheap' } }] },
          declarations,
        ),
        [1],
        'English drops "and": the phrase is good, cheap in sequence',
      );
      assert.deepEqual(
        matchingIds(
          descriptions,
          { must: [{ key: 'description', match: { phrase: 'cheap good' } }] },
          declarations,
        ),
        [],
      );
    }
  });

  test('range with null bounds, and datetime ranges', () => {
    const prices: Point[] = [
      { id: 1, payload: { price: 99.99, at: '2024-01-01T10:00:00Z' } },
      { id: 2, payload: { price: 100, at: '2024-01-01T12:00:00+01:00' } },
      { id: 3, payload: { price: 450, at: '2024-03-01' } },
      { id: 4, payload: { price: 450.01 } },
    ];
    const range = { must: [{ key: 'price', range: { gt: null, gte: 100.0, lt: null, lte: 450.0 } }] };
    assert.deepEqual(matchingIds(prices, range, { price: { type: 'float' } }), [2, 3]);
    const datetime = {
      must: [{ key: 'at', range: { gte: '2024-01-01T10:30:00Z', lt: '2024-02-01T00:00:00Z' } }],
    };
    assert.deepEqual(matchingIds(prices, datetime, { at: { type: 'datetime' } }), [2]);
  });

  const berlin: Point[] = [
    { id: 1, payload: { location: { lon: 13.41, lat: 52.51 } } },
    { id: 2, payload: { location: { lon: 13.5, lat: 52.51 } } },
    {
      id: 3,
      payload: {
        location: [
          { lon: 2.35, lat: 48.86 },
          { lon: 13.404, lat: 52.52 },
        ],
      },
    },
    { id: 4, payload: { location: { lon: 13.41, lat: 52.53 } } },
    { id: 5, payload: { location: 'Berlin' } },
  ];

  test('geo bounding box and radius', () => {
    const box = {
      key: 'location',
      geo_bounding_box: {
        bottom_right: { lon: 13.455868, lat: 52.495862 },
        top_left: { lon: 13.403683, lat: 52.520711 },
      },
    };
    const radius = {
      key: 'location',
      geo_radius: { center: { lon: 13.403683, lat: 52.520711 }, radius: 1000.0 },
    };
    for (const declarations of [{}, { location: { type: 'geo' } } as const]) {
      assert.deepEqual(matchingIds(berlin, { must: [box] }, declarations), [1, 3]);
      // Point 1 is 1.2 km away, point 4 1.1 km, point 3's second value 35 m.
      assert.deepEqual(matchingIds(berlin, { must: [radius] }, declarations), [3]);
      assert.deepEqual(
        matchingIds(
          berlin,
          { must: [{ ...radius, geo_radius: { ...radius.geo_radius, radius: 1300 } }] },
          declarations,
        ),
        [1, 3, 4],
      );
    }
  });

  test('geo polygon with a hole; boundaries excluded as in Qdrant', () => {
    const polygon = {
      key: 'location',
      geo_polygon: {
        exterior: {
          points: [
            { lon: -70.0, lat: -70.0 },
            { lon: 60.0, lat: -70.0 },
            { lon: 60.0, lat: 60.0 },
            { lon: -70.0, lat: 60.0 },
            { lon: -70.0, lat: -70.0 },
          ],
        },
        interiors: [
          {
            points: [
              { lon: -65.0, lat: -65.0 },
              { lon: 0.0, lat: -65.0 },
              { lon: 0.0, lat: 0.0 },
              { lon: -65.0, lat: 0.0 },
              { lon: -65.0, lat: -65.0 },
            ],
          },
        ],
      },
    };
    const places: Point[] = [
      { id: 1, payload: { location: { lon: 30, lat: 30 } } },
      { id: 2, payload: { location: { lon: -30, lat: -30 } } },
      { id: 3, payload: { location: { lon: -67, lat: -30 } } },
      { id: 4, payload: { location: { lon: 80, lat: 0 } } },
      { id: 5, payload: { location: { lon: 60, lat: 10 } } },
      { id: 6, payload: { location: { lon: 0, lat: -30 } } },
    ];
    for (const declarations of [{}, { location: { type: 'geo' } } as const]) {
      assert.deepEqual(matchingIds(places, { must: [polygon] }, declarations), [1, 3]);
    }
  });

  test('values_count', () => {
    const products: Point[] = [
      { id: 1, payload: { name: 'product A', comments: ['Very good!', 'Excellent'] } },
      { id: 2, payload: { name: 'product B', comments: ['meh', 'expected more', 'ok'] } },
      { id: 3, payload: { name: 'product C', comments: 'one' } },
      { id: 4, payload: { name: 'product D' } },
      { id: 5, payload: { name: 'product E', comments: null } },
    ];
    for (const declarations of [{}, { comments: { type: 'keyword' } } as const]) {
      assert.deepEqual(
        matchingIds(products, { must: [{ key: 'comments', values_count: { gt: 2 } }] }, declarations),
        [2],
      );
      assert.deepEqual(
        matchingIds(products, { must: [{ key: 'comments', values_count: { lte: 1 } }] }, declarations),
        [3, 4, 5],
      );
    }
  });

  test("is_empty and is_null, with Qdrant's own cases", () => {
    const payload = {
      location: { lon: 13.404954, lat: 52.520008 },
      price: 499.9,
      amount: 10,
      rating: [3, 7, 9, 9],
      color: 'red',
      has_delivery: true,
      shipped_at: '2020-02-15T00:00:00Z',
      parts: [],
      packaging: null,
      not_null: [null],
    };
    const points: Point[] = [{ id: 0, payload }];
    const all = {
      price: 'float',
      parts: 'keyword',
      not_null: 'keyword',
      packaging: 'keyword',
      amount: 'integer',
    };
    const declarations = Object.fromEntries(
      Object.entries(all).map(([key, type]) => [key, { type }]),
    ) as Record<string, PayloadIndexInfo>;
    const holds = (condition: object) =>
      matchingIds(points, { must: [condition] }, declarations).length === 1;
    assert.equal(holds({ is_empty: { key: 'price' } }), false);
    assert.equal(holds({ is_empty: { key: 'something_new' } }), true);
    assert.equal(holds({ is_empty: { key: 'parts' } }), true);
    assert.equal(holds({ is_empty: { key: 'packaging' } }), true);
    assert.equal(holds({ is_empty: { key: 'not_null' } }), false);
    assert.equal(holds({ is_null: { key: 'amount' } }), false);
    assert.equal(holds({ is_null: { key: 'parts' } }), false);
    assert.equal(holds({ is_null: { key: 'something_else' } }), false);
    assert.equal(holds({ is_null: { key: 'packaging' } }), true);
    assert.equal(holds({ is_null: { key: 'not_null' } }), false);
    // The field-condition forms, as Qdrant's FieldCondition has them: per value, and [null] counts as null.
    assert.equal(holds({ key: 'parts', is_empty: true }), true);
    assert.equal(holds({ key: 'parts', is_empty: false }), false);
    assert.equal(holds({ key: 'price', is_empty: false }), true);
    assert.equal(holds({ key: 'something_new', is_empty: true }), true);
    assert.equal(holds({ key: 'not_null', is_null: true }), true);
    assert.equal(holds({ key: 'packaging', is_null: false }), false);
    assert.equal(holds({ key: 'something_else', is_null: false }), true);
    assert.equal(holds({ key: 'amount', is_null: false }), true);
  });

  test('min_should: at least min_count of the conditions', () => {
    const min = (count: number) => ({
      min_should: {
        conditions: [london, red, { key: 'color', match: { value: 'green' } }],
        min_count: count,
      },
    });
    assert.deepEqual(matchingIds(cities, min(1), keyword), [1, 2, 3, 4, 5]);
    assert.deepEqual(matchingIds(cities, min(2)), [1, 2]);
    assert.deepEqual(matchingIds(cities, min(3), keyword), []);
    assert.deepEqual(matchingIds(cities, { ...min(1), must_not: [{ has_id: [1] }] }), [2, 3, 4, 5]);
  });

  test('uuid keys match UUIDs in any written form', () => {
    const points: Point[] = [
      { id: 1, payload: { ref: '550e8400-e29b-41d4-a716-446655440000' } },
      { id: 2, payload: { ref: '550E8400-E29B-41D4-A716-446655440000' } },
      { id: 3, payload: { ref: '{550e8400-e29b-41d4-a716-446655440000}' } },
      { id: 4, payload: { ref: '6ba7b810-9dad-11d1-80b4-00c04fd430c8' } },
      { id: 5, payload: { ref: 'plain' } },
    ];
    const upper = { must: [{ key: 'ref', match: { value: '550E8400E29B41D4A716446655440000' } }] };
    assert.deepEqual(matchingIds(points, upper, { ref: { type: 'uuid' } }), [1, 2, 3]);
    assert.deepEqual(matchingIds(points, upper), [], 'without a uuid index, strings compare as they are');
    assert.deepEqual(
      matchingIds(
        points,
        { must: [{ key: 'ref', match: { except: ['550e8400-e29b-41d4-a716-446655440000'] } }] },
        {
          ref: { type: 'uuid' },
        },
      ),
      [4, 5],
    );
    assert.deepEqual(
      matchingIds(points, { must: [{ key: 'ref', match: { any: ['plain'] } }] }, { ref: { type: 'uuid' } }),
      [5],
    );
  });
});

describe('every condition against brute force on seeded random payloads', () => {
  const KINDS: (PayloadIndexInfo | undefined)[] = [
    undefined,
    { type: 'keyword' },
    { type: 'integer' },
    { type: 'float' },
    { type: 'bool' },
    { type: 'datetime' },
    { type: 'text', analyzer: 'english' },
    { type: 'text', analyzer: 'simple' },
    { type: 'geo' },
    { type: 'uuid' },
  ];
  const ROWS = 400;

  for (const seed of [11, 12, 13, 14]) {
    test(`seed ${seed}: predicate = reference = payload indexes (sealed and growing); estimates bound the truth`, () => {
      const rng = new SeededRandom(seed);
      const random = new QdrantRandomFilters(rng, ROWS);
      const payloads: RowPayload[] = Array.from({ length: ROWS }, () =>
        rng.next() < 0.03 ? null : random.payload(),
      );
      const declarations = new Map<string, PayloadIndexInfo>();
      for (const key of QDRANT_KEYS) {
        const info = rng.pick(KINDS);
        if (info !== undefined) declarations.set(key, info);
      }
      // The geo and uuid keys get their kind of index in half the seeds.
      if (seed % 2 === 0) {
        declarations.set('loc', { type: 'geo' });
        declarations.set('u', { type: 'uuid' });
      }
      const options = optionsFor(declarations);
      // Without indexes, text is English and UUIDs compare as plain strings.
      const plainOptions = optionsFor(new Map());
      const sealed = new SegmentPayloadIndex(declarations, payloads);
      const growing = new SegmentPayloadIndex(declarations, []);
      const unindexed = new SegmentPayloadIndex(new Map(), payloads);
      // The sealed index is also given a lookup by id, as sealed segments give one.
      const rowsById = new Map<string | number, number[]>();
      for (let row = 0; row < ROWS; row++)
        rowsById.set(rowId(row), [...(rowsById.get(rowId(row)) ?? []), row]);
      const scanIds: RowIds = { idAt: rowId };
      const lookupIds: RowIds = { idAt: rowId, rowsOf: (id) => rowsById.get(id) ?? [] };
      let nonTrivial = 0;
      for (let f = 0; f < 250; f++) {
        const filter = random.filter(2);
        assert.deepEqual(
          parseFilter(JSON.parse(JSON.stringify(filter))),
          filter,
          'generated filters are valid',
        );
        const predicate = compileFilter(filter, options);
        const expected: number[] = [];
        for (let row = 0; row < ROWS; row++) {
          const payload = payloads[row];
          const holds = predicate(payload, rowId(row));
          assert.equal(
            holds,
            matchesReference(filter, payload, options, rowId(row)),
            `row ${row} of ${JSON.stringify(filter)}`,
          );
          if (holds) expected.push(row);
        }
        if (expected.length > 0 && expected.length < ROWS) nonTrivial++;
        const plain = compileFilter(filter, plainOptions);
        const plainExpected = payloads.flatMap((payload, row) => (plain(payload, rowId(row)) ? [row] : []));
        for (const [index, wanted, ids] of [
          [sealed, expected, lookupIds],
          [sealed, expected, scanIds],
          [unindexed, plainExpected, scanIds],
        ] as const) {
          const actual: number[] = [];
          index
            .filter(filter, ROWS, (row) => payloads[row], ids)
            .forEach((row) => {
              actual.push(row);
            });
          assert.deepEqual(actual, wanted, JSON.stringify(filter));
          assert.ok(
            index.estimate(filter, ROWS, ids) >= wanted.length,
            `estimate of ${JSON.stringify(filter)}`,
          );
        }
        // The growing segment takes rows in steps and answers for the rows it has so far.
        const grown = Math.min(ROWS, 40 + f * 2);
        while (growing.rows < grown) growing.append(growing.rows, payloads[growing.rows]);
        const prefix: number[] = [];
        growing
          .filter(filter, grown, (row) => payloads[row], scanIds)
          .forEach((row) => {
            prefix.push(row);
          });
        assert.deepEqual(
          prefix,
          expected.filter((row) => row < grown),
        );
      }
      assert.ok(nonTrivial > 70, `only ${nonTrivial} filters selected some but not all rows`);
    });
  }
});

describe('parsing', () => {
  test('normal form: one condition becomes a list, null parts vanish, [] steps are dropped', () => {
    assert.deepEqual(
      parseFilter({
        must: { key: 'diet[].food', match: { value: 'meat' } },
        should: null,
        must_not: [{ is_empty: { key: 'a[]' } }],
        min_should: { conditions: [{ has_id: [1, 'x'] }], min_count: 1 },
      }),
      {
        must: [{ key: 'diet.food', match: { value: 'meat' } }],
        must_not: [{ is_empty: { key: 'a' } }],
        min_should: { conditions: [{ has_id: [1, 'x'] }], min_count: 1 },
      },
    );
  });

  const ring = [
    { lon: 0, lat: 0 },
    { lon: 1, lat: 0 },
    { lon: 1, lat: 1 },
    { lon: 0, lat: 0 },
  ];
  const malformed: [string, unknown, string][] = [
    [
      'except that is not a list',
      { must: [{ key: 'a', match: { except: 'x' } }] },
      'filter.must[0].match.except',
    ],
    [
      'a number as text_any',
      { must: [{ key: 'a', match: { text_any: 3 } }] },
      'filter.must[0].match.text_any',
    ],
    [
      'an unknown match form',
      { must: [{ key: 'a', match: { prefix: 'x' } }] },
      'filter.must[0].match.prefix',
    ],
    ['is_empty without key', { must: [{ is_empty: {} }] }, 'filter.must[0].is_empty.key'],
    ['is_null with a bad key', { must: [{ is_null: { key: '' } }] }, 'filter.must[0].is_null.key'],
    [
      'is_null beside another property',
      { must: [{ is_null: { key: 'a' }, must: [] }] },
      'filter.must[0].must',
    ],
    [
      'a field is_empty that is not a boolean',
      { must: [{ key: 'a', is_empty: 'yes' }] },
      'filter.must[0].is_empty',
    ],
    ['a field is_null without key', { must: [{ is_null: true }] }, 'filter.must[0].is_null'],
    ['has_id that is not a list', { must: [{ has_id: 3 }] }, 'filter.must[0].has_id'],
    ['a negative id', { must: [{ has_id: [1, -1] }] }, 'filter.must[0].has_id[1]'],
    ['a fractional id', { must: [{ has_id: [1.5] }] }, 'filter.must[0].has_id[0]'],
    ['an empty string id', { must: [{ has_id: [''] }] }, 'filter.must[0].has_id[0]'],
    ['an id too long', { must: [{ has_id: ['x'.repeat(257)] }] }, 'filter.must[0].has_id[0]'],
    [
      'has_id inside nested',
      { must: [{ nested: { key: 'a', filter: { must: [{ has_id: [1] }] } } }] },
      'filter.must[0].nested.filter.must[0].has_id',
    ],
    ['nested without filter', { must: [{ nested: { key: 'a' } }] }, 'filter.must[0].nested.filter'],
    [
      'nested with an unknown part',
      { must: [{ nested: { key: 'a', filter: {}, x: 1 } }] },
      'filter.must[0].nested.x',
    ],
    ['min_should without conditions', { min_should: { min_count: 1 } }, 'filter.min_should.conditions'],
    ['min_count 0', { min_should: { conditions: [], min_count: 0 } }, 'filter.min_should.min_count'],
    [
      'min_count not an integer',
      { min_should: { conditions: [], min_count: 1.5 } },
      'filter.min_should.min_count',
    ],
    [
      'values_count negative',
      { must: [{ key: 'a', values_count: { gt: -1 } }] },
      'filter.must[0].values_count.gt',
    ],
    ['values_count empty', { must: [{ key: 'a', values_count: {} }] }, 'filter.must[0].values_count'],
    [
      'values_count fractional',
      { must: [{ key: 'a', values_count: { lt: 2.5 } }] },
      'filter.must[0].values_count.lt',
    ],
    [
      'a longitude past 180',
      { must: [{ key: 'a', geo_radius: { center: { lon: 181, lat: 0 }, radius: 1 } }] },
      'filter.must[0].geo_radius.center.lon',
    ],
    [
      'a latitude past 90',
      {
        must: [
          { key: 'a', geo_bounding_box: { top_left: { lon: 0, lat: 91 }, bottom_right: { lon: 1, lat: 0 } } },
        ],
      },
      'filter.must[0].geo_bounding_box.top_left.lat',
    ],
    [
      'a negative radius',
      { must: [{ key: 'a', geo_radius: { center: { lon: 0, lat: 0 }, radius: -5 } }] },
      'filter.must[0].geo_radius.radius',
    ],
    [
      'a radius without center',
      { must: [{ key: 'a', geo_radius: { radius: 5 } }] },
      'filter.must[0].geo_radius.center',
    ],
    [
      'an open ring',
      {
        must: [
          { key: 'a', geo_polygon: { exterior: { points: [...ring.slice(0, 3), { lon: 2, lat: 2 }] } } },
        ],
      },
      'filter.must[0].geo_polygon.exterior.points[3]',
    ],
    [
      'a ring of three points',
      { must: [{ key: 'a', geo_polygon: { exterior: { points: ring.slice(0, 3) } } }] },
      'filter.must[0].geo_polygon.exterior.points',
    ],
    [
      'a bad hole',
      { must: [{ key: 'a', geo_polygon: { exterior: { points: ring }, interiors: [{ points: [] }] } }] },
      'filter.must[0].geo_polygon.interiors[0].points',
    ],
    [
      'a point given as an array',
      { must: [{ key: 'a', geo_polygon: { exterior: { points: [[0, 0], ...ring.slice(1)] } } }] },
      'filter.must[0].geo_polygon.exterior.points[0]',
    ],
    [
      'two kinds in one field condition',
      { must: [{ key: 'a', values_count: { gt: 1 }, match: { value: 1 } }] },
      'filter.must[0]',
    ],
    [
      'has_vector, which Quiver filters do not know',
      { must: [{ has_vector: 'image' }] },
      'filter.must[0].has_vector',
    ],
  ];
  for (const [name, input, path] of malformed) {
    test(`rejects ${name} at ${path}`, () => {
      assert.throws(
        () => parseFilter(input),
        (error: unknown) => error instanceof InvalidFilterError && error.path === path,
      );
    });
  }

  test('has_id without the rows ids is refused', () => {
    const index = new SegmentPayloadIndex(new Map(), [{}]);
    assert.throws(() => index.filter({ must: [{ has_id: [1] }] }, 1, () => ({})), InvalidArgumentError);
  });
});

describe('has_id in search, count, scroll and delete', () => {
  const dir = tempDir();
  let db: Quiver;
  let col: Collection;
  const N = 120;
  const idOf = (i: number): PointId => (i % 2 === 0 ? i : `s${i}`);

  before(async () => {
    db = await Quiver.open(dir.path);
    col = await db.createCollection('points', {
      dimension: 4,
      segmentSize: 50,
      payloadIndexes: { group: 'integer' },
    });
    const rng = new SeededRandom(5);
    const points = Array.from({ length: N }, (_, i) => ({
      id: idOf(i),
      vector: Array.from({ length: 4 }, () => rng.gaussian()),
      payload: { group: i % 4 },
    }));
    for (let i = 0; i < N; i += 40) await col.upsert(points.slice(i, i + 40));
  });
  after(async () => {
    await db.close();
    dir.cleanup();
  });

  const wanted: PointId[] = [0, 's1', 2, 's3', 64, 's65', 118, 's119', 'missing', 7];

  test('count and scroll', async () => {
    const filter = { must: [{ has_id: wanted }] };
    assert.equal(await col.count({ filter }), 8);
    assert.equal(
      await col.count({ must: [{ has_id: wanted }], must_not: [{ key: 'group', match: { value: 0 } }] }),
      6,
    );
    const page = await col.scroll({ filter, limit: 100 });
    assert.deepEqual(
      page.points.map((point) => point.id),
      [0, 2, 64, 118, 's1', 's119', 's3', 's65'],
    );
    const ordered = await col.scroll({ filter, limit: 100, orderBy: { key: 'group', direction: 'desc' } });
    assert.deepEqual(
      ordered.points.map((point) => point.id).sort(),
      page.points.map((point) => point.id).sort(),
    );
    const second = await col.scroll({ filter, limit: 3, cursor: 2 });
    assert.deepEqual(
      second.points.map((point) => point.id),
      [64, 118, 's1'],
    );
  });

  test('search returns only the listed ids, ranked as without the filter', async () => {
    const query = [0.5, -0.2, 0.1, 0.9];
    const hits = await col.search(query, { k: 5, filter: { must: [{ has_id: wanted }] } });
    assert.equal(hits.length, 5);
    const all = await col.search(query, { k: N });
    const expected = all.filter((hit) => wanted.includes(hit.id)).slice(0, 5);
    assert.deepEqual(
      hits.map((hit) => hit.id),
      expected.map((hit) => hit.id),
    );
    const excluded = await col.search(query, { k: N, filter: { must_not: [{ has_id: wanted }] } });
    assert.equal(excluded.length, N - 8);
  });

  test('delete by a has_id filter', async () => {
    assert.equal(await col.delete({ filter: { must: [{ has_id: ['s1', 2, 'nope'] }] } }), 2);
    assert.equal(await col.count(), N - 2);
    assert.equal(await col.count({ filter: { must: [{ has_id: wanted }] } }), 6);
  });

  test('a malformed has_id is an InvalidFilterError', async () => {
    await assert.rejects(col.count({ filter: { must: [{ has_id: [-1] }] } }), InvalidFilterError);
    await assert.rejects(
      col.search([1, 0, 0, 0], { k: 1, filter: { must: [{ has_id: {} as never }] } }),
      InvalidFilterError,
    );
  });
});
