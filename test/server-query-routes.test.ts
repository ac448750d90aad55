/**
 * Named vectors, payload indexes, Quiver's text / hybrid extensions, groups, recommendations
 * and Qdrant's universal query API (`/points/query`: nearest, ids, MMR, recommend, fusion
 * of prefetches, re-scoring of prefetched candidates, order_by), through raw HTTP: answers
 * compared with the embedded engine on the same data, schema errors with their codes and
 * field paths, and the routes in the OpenAPI document.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fuseHitLists } from '../src/db/fusion.js';
import type { Collection, Hit } from '../src/db/types.js';
import { encodeVector } from '../src/wire/format.js';
import { assertError, http, resultOf, startTestServer, type TestServer } from './support/server.js';

const IMAGE = [
  [1, 0, 0, 0],
  [0.9, 0.1, 0, 0],
  [0, 1, 0, 0],
  [0.2, 0, 1, 0],
  [0, 0, 0.5, 0.5],
  [0.1, 0, 0, 1],
];
const TEXT = [
  [0, 0],
  [1, 0],
  [2, 1],
  [3, 3],
  [0, 4],
  [5, 5],
];
const BODIES = [
  'tax cuts for families',
  'the defense budget',
  'tax code reform',
  'roads and bridges',
  'schools and teachers',
  'a balanced budget',
];

interface WireHit {
  id: number;
  score: number;
  payload?: Record<string, unknown>;
  vector?: Record<string, number[] | string>;
  order_value?: number;
}

describe('REST API: named vectors, payload indexes, text, hybrid, groups, recommend, query', () => {
  let s: TestServer;
  let engine: Collection;
  const call = (method: string, path: string, body?: unknown) => http(s.url, method, path, body);
  const media = (suffix: string, body?: unknown) => call('POST', `/collections/media${suffix}`, body);
  const ids = (hits: WireHit[]) => hits.map((h) => h.id);

  before(async () => {
    s = await startTestServer({ limits: { ids: 20, k: 100 } });
  });
  after(async () => {
    await s.stop();
  });

  test('PUT /collections/{name} with named vectors, an index and payload indexes; the list and info report them', async () => {
    resultOf(
      await call('PUT', '/collections/media', {
        vectors: { image: { size: 4, distance: 'Cosine' }, text: { size: 2, distance: 'Euclid' } },
        payload_indexes: { body: { type: 'text', analyzer: 'english' }, album: 'keyword', n: 'integer' },
        index: 'Flat',
      }),
    );
    engine = s.db.collection('media');
    const info = resultOf<Record<string, unknown>>(await call('GET', '/collections/media'));
    assert.deepEqual((info.config as { params: { vectors: unknown } }).params.vectors, {
      image: { size: 4, distance: 'Cosine' },
      text: { size: 2, distance: 'Euclid' },
    });
    assert.deepEqual(Object.keys(info.payload_schema as object).sort(), ['album', 'body', 'n']);
    const fields = (await engine.info()).vectors!;
    assert.deepEqual(
      Object.entries(fields).map(([name, f]) => [name, f.dimension, f.metric, f.index]),
      [
        ['image', 4, 'cosine', { type: 'flat' }],
        ['text', 2, 'l2', { type: 'flat' }],
      ],
    );
    assert.deepEqual(resultOf(await call('GET', '/collections')), {
      collections: [
        {
          name: 'media',
          quiver: {
            dimension: 4,
            metric: 'cosine',
            vectors: { image: { dimension: 4, metric: 'cosine' }, text: { dimension: 2, metric: 'l2' } },
          },
        },
      ],
    });
    const bad = (config: unknown, path?: string) =>
      call('PUT', '/collections/other', config).then((r) => assertError(r, 400, 'INVALID_ARGUMENT', path));
    await bad({ vectors: {} });
    await bad({ vectors: { 'a b': { size: 2, distance: 'Dot' } } });
    await bad({ vectors: { size: 2, distance: 'Dot' }, hnsw_config: { m: 8 }, index: 'Flat' });
    await bad(
      { vectors: { size: 2, distance: 'Dot' }, quantization_config: { scalar: {} } },
      'quantization_config',
    );
    // hnsw_config maps onto the engine's HNSW; m = 0 is exact search.
    resultOf(
      await call('PUT', '/collections/tuned', {
        vectors: { size: 2, distance: 'Dot' },
        hnsw_config: { m: 8, ef_construct: 50 },
      }),
    );
    assert.deepEqual((await s.db.collection('tuned').info()).index, {
      type: 'hnsw',
      M: 8,
      efConstruction: 50,
      ef: 64,
    });
    resultOf(
      await call('PUT', '/collections/exact', {
        vectors: { size: 2, distance: 'Manhattan' },
        hnsw_config: { m: 0 },
      }),
    );
    assert.deepEqual((await s.db.collection('exact').info()).index, { type: 'flat' });
    assert.equal((await s.db.collection('exact').info()).metric, 'l1');
  });

  test('PUT …/points with named vectors (arrays or base64, fields left out); retrieve returns them', async () => {
    const points = IMAGE.map((image, i) => ({
      id: i,
      vector: i === 5 ? { image: encodeVector(Float32Array.from(image)) } : { image, text: TEXT[i] },
      payload: { body: BODIES[i], album: i < 3 ? 'a' : 'b', n: i },
    }));
    resultOf(await call('PUT', '/collections/media/points', { points }));
    resultOf(
      await call('PUT', '/collections/media/points', {
        batch: { ids: [5], vectors: { image: [IMAGE[5]], text: [TEXT[5]] }, payloads: [points[5].payload] },
      }),
    );
    const [p] = resultOf<WireHit[]>(await media('/points', { ids: [3], with_vector: ['text'] }));
    assert.deepEqual(p.vector, { text: [3, 3] });
    assertError(
      await call('PUT', '/collections/media/points', { points: [{ id: 9, vector: { audio: [1, 2] } }] }),
      400,
      'INVALID_ARGUMENT',
    );
    assertError(
      await call('PUT', '/collections/media/points', { points: [{ id: 9, vector: { text: [1, 2, 3] } }] }),
      400,
      'DIMENSION_MISMATCH',
    );
  });

  test('POST …/points/search: { name, vector }, text and hybrid extensions, groups; answers match the engine', async () => {
    const q = [1, 0.05, 0, 0];
    const named = resultOf<WireHit[]>(
      await media('/points/search', { vector: { name: 'image', vector: q }, limit: 3 }),
    );
    const expected = await engine.search(q, { using: 'image', k: 3 });
    assert.deepEqual(ids(named), ids(expected as never));
    assert.deepEqual(
      named.map((h) => h.score),
      expected.map((h) => h.score),
    );
    const euclid = resultOf<WireHit[]>(
      await media('/points/search', { vector: { name: 'text', vector: [0, 0] }, limit: 3 }),
    );
    const squared = await engine.search([0, 0], { using: 'text', k: 3 });
    assert.deepEqual(
      euclid.map((h) => h.score),
      squared.map((h) => Math.sqrt(h.score)),
    );
    const text = resultOf<WireHit[]>(
      await media('/points/search', { text: 'tax', text_field: 'body', limit: 5 }),
    );
    assert.deepEqual(ids(text).sort(), [0, 2]);
    const hybrid = resultOf<WireHit[]>(
      await media('/points/search', {
        vector: q,
        using: 'image',
        text: 'budget',
        text_field: 'body',
        fusion: 'dbsf',
        limit: 4,
      }),
    );
    const engineHybrid = await engine.search(
      { vector: q, using: 'image', text: 'budget', textField: 'body' },
      { fusion: 'dbsf', k: 4 },
    );
    assert.deepEqual(ids(hybrid), ids(engineHybrid as never));
    const groups = resultOf<{ groups: { id: string; hits: WireHit[] }[] }>(
      await media('/points/search/groups', {
        vector: { name: 'image', vector: q },
        group_by: 'album',
        group_size: 2,
        limit: 2,
      }),
    );
    assert.deepEqual(
      groups.groups.map((g) => [g.id, g.hits.length]),
      [
        ['a', 2],
        ['b', 2],
      ],
    );
    const search = (body: Record<string, unknown>) =>
      media('/points/search', { vector: { name: 'image', vector: q }, ...body });
    assertError(await search({ text: 5 }), 400, 'INVALID_ARGUMENT', 'text');
    assertError(
      await media('/points/search', { vector: { name: 'image', vector: 'not base64!' } }),
      400,
      'INVALID_VECTOR',
    );
    assertError(await search({ vectr: q }), 400, 'INVALID_ARGUMENT', 'vectr');
    assertError(await search({ fusion: 'max' }), 400, 'INVALID_ARGUMENT', 'fusion');
    assertError(await search({ rrf_k: -1 }), 400, 'INVALID_ARGUMENT', 'rrf_k');
    assertError(await search({ params: { hnsw_ef: 0 } }), 400, 'INVALID_ARGUMENT', 'params.hnsw_ef');
    assertError(
      await media('/points/search/groups', { vector: q, using: 'image', group_by: 'album', group_size: 0 }),
      400,
      'INVALID_ARGUMENT',
      'group_size',
    );
    assertError(
      await media('/points/search', { vector: { name: 'audio', vector: q } }),
      400,
      'INVALID_ARGUMENT',
    );
    assertError(await media('/points/search', { text: 'x', text_field: 'album' }), 400, 'INVALID_ARGUMENT');
  });

  test('POST …/points/recommend (average_vector, best_score, sum_scores), batch and groups', async () => {
    for (const strategy of ['average_vector', 'best_score', 'sum_scores'] as const) {
      const hits = resultOf<WireHit[]>(
        await media('/points/recommend', {
          positive: [0],
          negative: [2],
          strategy,
          using: 'image',
          limit: 3,
        }),
      );
      const expected = await engine.recommend(
        { positive: [0], negative: [2] },
        { strategy: strategy === 'average_vector' ? 'average' : strategy, using: 'image', k: 3 },
      );
      assert.deepEqual(ids(hits), ids(expected as never), strategy);
    }
    const batch = resultOf<WireHit[][]>(
      await media('/points/recommend/batch', {
        searches: [
          { positive: [0], using: 'image', limit: 1 },
          { positive: [[0, 0, 0, 1]], using: 'image', limit: 1 },
        ],
      }),
    );
    assert.deepEqual(
      batch.map((hits) => hits[0].id),
      [1, 5],
    );
    const groups = resultOf<{ groups: { id: string; hits: WireHit[] }[] }>(
      await media('/points/recommend/groups', {
        positive: [0],
        using: 'image',
        group_by: 'album',
        group_size: 1,
        limit: 2,
      }),
    );
    assert.ok(
      groups.groups.every((g) => g.hits.every((h) => h.id !== 0)),
      'the example itself is left out',
    );
    const rec = (body: Record<string, unknown>) => media('/points/recommend', { using: 'image', ...body });
    assertError(await rec({ positive: [0], strategy: 'median' }), 400, 'INVALID_ARGUMENT', 'strategy');
    assertError(await rec({ positive: [0], negative: [[1, 'x']] }), 400, 'INVALID_VECTOR', 'negative[0][1]');
    assertError(await rec({ positive: [0], limit: 101 }), 400, 'INVALID_ARGUMENT', 'limit');
    assertError(await rec({ positive: new Array(21).fill(0) }), 400, 'INVALID_ARGUMENT', 'positive');
    assertError(await rec({ positive: [{ vector: [1, 0, 0] }] }), 400, 'DIMENSION_MISMATCH');
  });

  test('POST …/points/query: vector, nearest with mmr, id, recommend, order_by; batch', async () => {
    const q = [1, 0.05, 0, 0];
    const query = (body: Record<string, unknown>) => media('/points/query', body);
    const plain = resultOf<{ points: WireHit[] }>(await query({ query: q, using: 'image', limit: 3 })).points;
    assert.deepEqual(ids(plain), ids((await engine.search(q, { using: 'image', k: 3 })) as never));
    const offset = resultOf<{ points: WireHit[] }>(
      await query({ query: { nearest: q }, using: 'image', limit: 2, offset: 1 }),
    );
    assert.deepEqual(ids(offset.points), ids(plain).slice(1, 3));
    const mmr = resultOf<{ points: WireHit[] }>(
      await query({
        query: { nearest: q, mmr: { diversity: 0.9, candidates_limit: 6 } },
        using: 'image',
        limit: 3,
      }),
    );
    const engineMmr = await engine.search(q, {
      using: 'image',
      k: 3,
      mmr: { diversity: 0.9, candidates: 6 },
    });
    assert.deepEqual(ids(mmr.points), ids(engineMmr as never));
    const byId = resultOf<{ points: WireHit[] }>(await query({ query: 3, using: 'text', limit: 2 }));
    assert.ok(!ids(byId.points).includes(3), 'a query by id leaves the point out');
    assert.deepEqual(
      ids(byId.points),
      ids((await engine.search(TEXT[3], { using: 'text', k: 3 })).slice(1) as never),
    );
    const rec = resultOf<{ points: WireHit[] }>(
      await query({
        query: { recommend: { positive: [0], strategy: 'best_score' } },
        using: 'image',
        limit: 2,
      }),
    );
    assert.deepEqual(
      ids(rec.points),
      ids(
        (await engine.recommend(
          { positive: [0] },
          { strategy: 'best_score', using: 'image', k: 2 },
        )) as never,
      ),
    );
    const ordered = resultOf<{ points: WireHit[] }>(
      await query({ query: { order_by: { key: 'n', direction: 'desc' } }, limit: 3 }),
    );
    assert.deepEqual(
      ordered.points.map((p) => [p.id, p.order_value]),
      [
        [5, 5],
        [4, 4],
        [3, 3],
      ],
    );
    const batch = resultOf<{ points: WireHit[] }[]>(
      await media('/points/query/batch', {
        searches: [
          { query: q, using: 'image', limit: 1 },
          { query: [5, 5], using: 'text', limit: 1 },
        ],
      }),
    );
    assert.deepEqual(
      batch.map((r) => r.points[0].id),
      [0, 5],
    );
    assertError(await query({ query: { fusion: 'rrf' } }), 400, 'INVALID_ARGUMENT');
    assertError(
      await query({ query: { nearest: q, mmr: { diversity: 2 } }, using: 'image' }),
      400,
      'INVALID_ARGUMENT',
    );
    assertError(await query({ query: 42, using: 'image' }), 400, 'INVALID_ARGUMENT');
  });

  test('POST …/points/query with prefetch: rrf and dbsf fuse the lists, another query re-scores only the candidates', async () => {
    const q = [1, 0.05, 0, 0];
    const prefetch = [
      { query: q, using: 'image', limit: 4 },
      { query: [0, 0], using: 'text', limit: 4 },
    ];
    const imageHits = await engine.search(q, { using: 'image', k: 4 });
    const textHits = await engine.search([0, 0], { using: 'text', k: 4 });
    for (const method of ['rrf', 'dbsf'] as const) {
      const fused = resultOf<{ points: WireHit[] }>(
        await media('/points/query', { prefetch, query: { fusion: method }, limit: 5 }),
      );
      const expected = fuseHitLists(
        [{ hits: imageHits }, { hits: textHits, higherIsBetter: false }],
        method === 'rrf' ? { method, rrfK: 1, limit: 5 } : { method, limit: 5 },
      );
      assert.deepEqual(
        fused.points.map((p) => [p.id, p.score]),
        expected.map((h: Hit) => [h.id, h.score]),
        method,
      );
    }
    const rescored = resultOf<{ points: WireHit[] }>(
      await media('/points/query', {
        prefetch: { query: q, using: 'image', limit: 3 },
        query: [5, 5],
        using: 'text',
        limit: 10,
      }),
    );
    const candidates = new Set(imageHits.slice(0, 3).map((h) => h.id));
    assert.deepEqual(
      ids(rescored.points).sort(),
      [...candidates].sort(),
      'only the prefetched points are re-scored',
    );
    const best = (await engine.search([5, 5], { using: 'text', k: 6 })).filter((h) => candidates.has(h.id));
    assert.deepEqual(ids(rescored.points), ids(best as never));
    const filtered = resultOf<{ points: WireHit[] }>(
      await media('/points/query', {
        prefetch,
        query: { fusion: 'rrf' },
        filter: { must: [{ key: 'album', match: { value: 'b' } }] },
        limit: 10,
        with_payload: ['album'],
      }),
    );
    assert.ok(filtered.points.length > 0);
    assert.ok(
      filtered.points.every((p) => p.payload?.album === 'b'),
      'the filter holds for the prefetches',
    );
    const groups = resultOf<{ groups: { id: string; hits: WireHit[] }[] }>(
      await media('/points/query/groups', {
        prefetch,
        query: { fusion: 'rrf' },
        group_by: 'album',
        group_size: 1,
        limit: 2,
      }),
    );
    assert.deepEqual(groups.groups.map((g) => g.id).sort(), ['a', 'b']);
  });

  test('PUT and DELETE …/index', async () => {
    const index = (body: unknown) => call('PUT', '/collections/media/index', body);
    resultOf(await index({ field_name: 'album', field_schema: { type: 'keyword', is_tenant: true } }));
    assert.deepEqual((await engine.info()).payloadIndexes.album, { type: 'keyword', partitioned: true });
    resultOf(
      await index({
        field_name: 'body',
        field_schema: { type: 'text', tokenizer: 'multilingual', lowercase: true },
      }),
    );
    assert.deepEqual((await engine.info()).payloadIndexes.body, { type: 'text', analyzer: 'multilingual' });
    resultOf(await call('DELETE', '/collections/media/index/album'));
    assert.equal((await engine.info()).payloadIndexes.album, undefined);
    assertError(await index({ field_name: 'x', field_schema: 'vector' }), 400, 'INVALID_ARGUMENT');
    assertError(
      await index({ field_name: 'x', field_schema: { type: 'text', analyzer: 'klingon' } }),
      400,
      'INVALID_ARGUMENT',
    );
    assertError(
      await index({ field_name: 'x', field_schema: { type: 'keyword', unique: true } }),
      400,
      'INVALID_ARGUMENT',
    );
    assertError(await index({ field_name: 'x' }), 400, 'INVALID_ARGUMENT');
    assertError(await index({ field_schema: 'keyword' }), 400, 'INVALID_ARGUMENT', 'field_name');
    assertError(await call('DELETE', '/collections/missing/index/x'), 404, 'COLLECTION_NOT_FOUND');
  });
});
