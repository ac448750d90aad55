/**
 * The shared `Database` contract, continued (see `shared-suite.ts`): payload indexes (which
 * change how filters are answered, never what they answer), full-text and hybrid search,
 * grouped search, and the refusal of bad inputs to all of these with typed errors and no
 * change. Registered inside the contract's `describe`, so each case runs against the
 * embedded engine and against the HTTP client alike.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type Database,
  DimensionMismatchError,
  type Filter,
  type Hit,
  InvalidArgumentError,
  InvalidVectorError,
  type Payload,
  type PointId,
  SeededRandom,
} from '../src/index.js';
import { gaussian, storedAs } from './shared-suite-vectors.js';
import { assertTopK, bruteForce } from './support/reference.js';

const DIM = 8;
const COLOURS = ['red', 'green', 'blue'];
const DAY = 86_400_000;

interface Doc {
  id: PointId;
  vector: number[];
  payload: Payload;
}

/** Points with a keyword, an integer, a float, a bool and a datetime in their payloads. */
function docs(from: number, count: number, rng: SeededRandom): Doc[] {
  return Array.from({ length: count }, (_, j) => {
    const i = from + j;
    return {
      id: i % 2 === 0 ? i : `d${i}`,
      vector: gaussian(rng, DIM),
      payload: {
        colour: COLOURS[i % 3],
        n: i,
        weight: i / 7,
        even: i % 2 === 0,
        at: new Date(Date.UTC(2024, 0, 1) + i * DAY).toISOString(),
      },
    };
  });
}

/** Filters on each kind of field, with the predicate they mean. */
const FILTERS: [string, Filter, (p: Payload) => boolean][] = [
  ['keyword', { must: [{ key: 'colour', match: { value: 'red' } }] }, (p) => p.colour === 'red'],
  [
    'integer range and keyword any',
    {
      must: [{ key: 'n', range: { gte: 20, lt: 120 } }],
      must_not: [{ key: 'colour', match: { any: ['blue'] } }],
    },
    (p) => (p.n as number) >= 20 && (p.n as number) < 120 && p.colour !== 'blue',
  ],
  [
    'bool or float range',
    {
      should: [
        { key: 'even', match: { value: true } },
        { key: 'weight', range: { gt: 15.5 } },
      ],
    },
    (p) => p.even === true || (p.weight as number) > 15.5,
  ],
  [
    'datetime range',
    { must: [{ key: 'at', range: { gte: '2024-02-01T00:00:00Z', lt: '2024-03-15T12:00:00Z' } }] },
    (p) => (p.at as string) >= '2024-02-01' && (p.at as string) < '2024-03-15T12',
  ],
];

/** A tiny corpus: doc 6 says "tax cuts" most, doc 2 alone says "defense budget". */
const CORPUS = [
  'tax cuts for working families',
  'the tax code is far too complex',
  'cuts to the defense budget',
  'health care for every family',
  'new roads and bridges across the nation',
  'schools need more teachers',
  'tax cuts, tax cuts and more tax cuts',
  'energy independence and clean power',
  'a balanced budget amendment',
  'trade agreements with our neighbours',
];
const CHINESE = ['我爱北京天安门', '上海是一个大城市', '北京的冬天很冷'];

/** The payload-index, text, hybrid, groupBy and bad-input cases; `db` is the contract's database of the moment. */
export function queryCases(db: () => Database): void {
  test('payload indexes: declared or created later; filtered counts and searches equal brute force throughout', async () => {
    const rng = new SeededRandom(41);
    const c = await db().createCollection('indexed', {
      dimension: DIM,
      segmentSize: 60,
      index: { type: 'flat' },
      payloadIndexes: { colour: 'keyword' },
    });
    const points = docs(0, 150, rng);
    for (let i = 0; i < points.length; i += 50) await c.upsert(points.slice(i, i + 50));
    const queries = [gaussian(rng, DIM), gaussian(rng, DIM)];
    const check = async (stage: string) => {
      const stored = points.map((p): [PointId, number[]] => [p.id, storedAs('l2', p.vector)]);
      const payloadOf = new Map(points.map((p) => [p.id, p.payload]));
      for (const [name, filter, matches] of FILTERS) {
        const expected = points.filter((p) => matches(p.payload)).length;
        assert.ok(expected >= 10, `${name} matches enough points`);
        assert.equal(await c.count({ filter }), expected, `${stage}: count, ${name}`);
        for (const q of queries) {
          const allowed = bruteForce('l2', stored, q, (id) => matches(payloadOf.get(id)!));
          assertTopK(await c.search(q, { k: 10, filter }), allowed, 10);
        }
      }
    };
    await check('colour indexed when declared');
    assert.deepEqual((await c.info()).payloadIndexes, { colour: { type: 'keyword' } });
    await c.createPayloadIndex('n', 'integer');
    await c.createPayloadIndex('weight', { type: 'float' });
    await c.createPayloadIndex('even', 'bool');
    await c.createPayloadIndex('at', 'datetime');
    assert.deepEqual((await c.info()).payloadIndexes, {
      colour: { type: 'keyword' },
      n: { type: 'integer' },
      weight: { type: 'float' },
      even: { type: 'bool' },
      at: { type: 'datetime' },
    });
    await check('every field indexed');
    const late = docs(150, 30, rng);
    await c.upsert(late);
    points.push(...late);
    await c.flush();
    await check('after more points and a flush');
    await c.dropPayloadIndex('n');
    assert.ok(!('n' in (await c.info()).payloadIndexes));
    await check('after dropping one index');
    await db().dropCollection('indexed');
  });

  test('text search ranks by BM25; hybrid search keeps the best of each branch; filters apply to both', async () => {
    const rng = new SeededRandom(43);
    const c = await db().createCollection('texts', {
      dimension: 4,
      segmentSize: 6,
      index: { type: 'flat' },
      payloadIndexes: {
        body: { type: 'text', analyzer: 'english' },
        zh: { type: 'text', analyzer: 'chinese' },
      },
    });
    const vectors = CORPUS.map(() => gaussian(rng, 4));
    await c.upsert(
      CORPUS.map((body, i) => ({
        id: i,
        vector: vectors[i],
        payload: i < CHINESE.length ? { body, zh: CHINESE[i], topic: i % 2 ? 'odd' : 'even' } : { body },
      })),
    );
    const ids = (hits: Hit[]) => hits.map((h) => h.id);

    const text = await c.search({ text: 'tax cuts', textField: 'body' }, { k: 10, withPayload: true });
    assert.equal(text[0].id, 6, 'the document that says it most comes first');
    assert.deepEqual(ids(text).sort(), [0, 1, 2, 6], 'exactly the documents with a query term (stemmed)');
    assert.ok(text.every((h, i) => h.score > 0 && (i === 0 || h.score <= text[i - 1].score)));
    assert.deepEqual(ids(await c.search({ text: '北京', textField: 'zh' }, { k: 5 })).sort(), [0, 2]);
    assert.deepEqual(await c.search({ text: 'zebra', textField: 'body' }, { k: 5 }), []);
    assert.equal(await c.count({ must: [{ key: 'body', match: { text: 'tax' } }] }), 3);
    assert.equal(await c.count({ must: [{ key: 'body', match: { text: 'tax cuts' } }] }), 2);

    // Doc 2 is the best text hit for "defense budget"; doc 4 the best vector hit for a query near its vector.
    const near4 = vectors[4].map((x) => x + 0.01);
    assert.equal((await c.search(near4, { k: 1 }))[0].id, 4);
    assert.equal((await c.search({ text: 'defense budget', textField: 'body' }, { k: 1 }))[0].id, 2);
    const hybrid = { text: 'defense budget', textField: 'body', vector: near4 };
    for (const fusion of ['rrf', 'weighted'] as const) {
      const hits = await c.search(hybrid, { k: 3, fusion });
      assert.equal(hits.length, 3);
      assert.ok(ids(hits).includes(2) && ids(hits).includes(4), `${fusion}: ${ids(hits)}`);
    }
    const weighted = await c.search(hybrid, { k: 3, fusion: 'weighted', weights: { vector: 0, text: 1 } });
    assert.equal(weighted[0].id, 2, 'a zero vector weight leaves the text ranking on top');
    const rrf = await c.search(hybrid, { k: 3, rrfK: 10, weights: { vector: 1, text: 0.01 } });
    assert.equal(rrf[0].id, 4, 'a small text weight leaves the vector ranking on top');

    const notEven: Filter = { must_not: [{ key: 'topic', match: { value: 'even' } }] };
    const filtered = await c.search(hybrid, { k: 5, filter: notEven, withPayload: true });
    assert.ok(filtered.length > 0 && !ids(filtered).includes(2) && !ids(filtered).includes(0));
    assert.ok(filtered.every((h) => h.payload?.topic !== 'even'));
    const filteredText = await c.search({ text: 'tax cuts', textField: 'body' }, { k: 5, filter: notEven });
    assert.deepEqual(ids(filteredText).sort(), [1, 6]);
    await db().dropCollection('texts');
  });

  test('groupBy: the best k groups, best first, each of up to groupSize hits, as brute force', async () => {
    const rng = new SeededRandom(47);
    const c = await db().createCollection('groups', {
      dimension: DIM,
      segmentSize: 50,
      index: { type: 'flat' },
    });
    const points = docs(0, 120, rng);
    await c.upsert(points);
    const stored = points.map((p): [PointId, number[]] => [p.id, storedAs('l2', p.vector)]);
    const colourOf = new Map(points.map((p) => [p.id, p.payload.colour as string]));
    for (let q = 0; q < 3; q++) {
      const query = gaussian(rng, DIM);
      const ranked = bruteForce('l2', stored, query);
      const order = [...new Set(ranked.map((r) => colourOf.get(r.id)!))];
      const groups = await c.search(query, { k: 2, groupBy: 'colour', groupSize: 3, withPayload: true });
      assert.deepEqual(
        groups.map((g) => g.group),
        order.slice(0, 2),
        'the groups of the two best points, best first',
      );
      for (const g of groups) {
        assertTopK(
          g.hits,
          ranked.filter((r) => colourOf.get(r.id) === g.group),
          3,
        );
        assert.ok(g.hits.every((h) => h.payload?.colour === g.group));
      }
      // Unique values: k groups of one hit each, the k best points.
      const singles = await c.search(query, { k: 5, groupBy: 'n', groupSize: 3 });
      assert.deepEqual(
        singles.map((g) => g.hits.map((h) => h.id)),
        ranked.slice(0, 5).map((r) => [r.id]),
      );
      assert.deepEqual(
        singles.map((g) => g.group),
        ranked.slice(0, 5).map((r) => points.find((p) => p.id === r.id)!.payload.n),
      );
    }
    const red: Filter = { must: [{ key: 'colour', match: { value: 'red' } }] };
    const onlyRed = await c.search(gaussian(rng, DIM), { k: 3, groupBy: 'colour', filter: red });
    assert.deepEqual(
      onlyRed.map((g) => [g.group, g.hits.length]),
      [['red', 3]],
      'groupSize defaults to 3',
    );
    await db().dropCollection('groups');
  });

  test('bad configs, queries, recommendations and payload indexes are refused with typed errors, and change nothing', async () => {
    const name = 'bad-query';
    const create = (config: unknown) => db().createCollection('never', config as never);
    for (const config of [
      {},
      { dimension: 2, vectors: { a: { dimension: 2 } } },
      { vectors: {} },
      { vectors: { 'a b': { dimension: 2 } } },
      { vectors: { a: { dimension: 0 } } },
      { dimension: 2, payloadIndexes: { tag: 'hologram' } },
      { dimension: 2, payloadIndexes: { body: { type: 'text', analyzer: 'klingon' } } },
    ]) {
      await assert.rejects(create(config), InvalidArgumentError, JSON.stringify(config));
    }
    assert.ok(!(await db().listCollections()).includes('never'));

    const c = await db().createCollection(name, {
      vectors: { a: { dimension: 2 }, b: { dimension: 3 } },
      payloadIndexes: { body: 'text', tag: 'keyword' },
    });
    await c.upsert(
      Array.from({ length: 12 }, (_, i) => ({
        id: i,
        vectors: { a: [i, 1], b: [1, i, 2] },
        payload: { body: `word${i % 3} common`, tag: `t${i % 2}` },
      })),
    );
    const snapshot = async () => ({
      count: await c.count(),
      page: await c.scroll({ limit: 100, withVector: true }),
      info: (await c.info()).payloadIndexes,
    });
    const state = await snapshot();
    const q = { vector: [1, 1], using: 'a' };
    const cases: [string, () => Promise<unknown>, new (...args: never[]) => Error][] = [
      ['unknown using', () => c.search({ vector: [1, 1], using: 'nope' }), InvalidArgumentError],
      ['unknown using option', () => c.search([1, 1], { using: 'nope' }), InvalidArgumentError],
      ['query dimension', () => c.search({ vector: [1, 1, 1], using: 'a' }), DimensionMismatchError],
      ['empty query', () => c.search({}), InvalidArgumentError],
      ['text on a keyword field', () => c.search({ text: 'x', textField: 'tag' }), InvalidArgumentError],
      ['text on a missing field', () => c.search({ text: 'x', textField: 'nope' }), InvalidArgumentError],
      ['fusion', () => c.search(q, { fusion: 'max' as never }), InvalidArgumentError],
      [
        'rrfK',
        () => c.search({ ...q, text: 'common', textField: 'body' }, { rrfK: -1 }),
        InvalidArgumentError,
      ],
      [
        'weights',
        () => c.search({ ...q, text: 'common', textField: 'body' }, { weights: { vector: -1 } }),
        InvalidArgumentError,
      ],
      ['groupSize 0', () => c.search(q, { groupBy: 'tag', groupSize: 0 }), InvalidArgumentError],
      ['groupSize 101', () => c.search(q, { groupBy: 'tag', groupSize: 101 }), InvalidArgumentError],
      ['no positive example', () => c.recommend({ positive: [] }, { using: 'a' }), InvalidArgumentError],
      [
        'strategy',
        () => c.recommend({ positive: [1] }, { using: 'a', strategy: 'median' as never }),
        InvalidArgumentError,
      ],
      ['recommend using', () => c.recommend({ positive: [1] }, { using: 'nope' }), InvalidArgumentError],
      [
        'example dimension',
        () => c.recommend({ positive: [[1, 2, 3]] }, { using: 'a' }),
        DimensionMismatchError,
      ],
      ['index type', () => c.createPayloadIndex('tag', 'hologram' as never), InvalidArgumentError],
      ['empty key', () => c.createPayloadIndex('', 'keyword'), InvalidArgumentError],
      [
        'analyzer',
        () => c.createPayloadIndex('body', { type: 'text', analyzer: 'klingon' as never }),
        InvalidArgumentError,
      ],
      [
        'analyzer on a keyword index',
        () => c.createPayloadIndex('tag', { type: 'keyword', analyzer: 'english' } as never),
        InvalidArgumentError,
      ],
      [
        'named vector dimension',
        () => c.upsert([{ id: 99, vectors: { a: [1, 2], b: [1, 2] } }]),
        DimensionMismatchError,
      ],
      [
        'NaN in a named vector',
        () => c.upsert([{ id: 99, vectors: { a: [1, Number.NaN] } }]),
        InvalidVectorError,
      ],
    ];
    for (const [label, call, ErrorType] of cases) await assert.rejects(call(), ErrorType, label);
    assert.deepEqual(await snapshot(), state);
    await db().dropCollection(name);
  });
}
