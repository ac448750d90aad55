/**
 * The REST API (Qdrant's shapes) through raw HTTP: every endpoint, its success response in
 * the envelope and each of its error statuses (400 with the field path, 404, 409, 413, 415,
 * 500 without details, 503), base64 vectors both ways (a Quiver extension), UUID ids, the
 * OpenAPI document, and the metrics.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../src/db/types.js';
import { SeededRandom } from '../src/index.js';
import { QuiverServer } from '../src/server/server.js';
import { decodeVector, encodeVector } from '../src/wire/format.js';
import { assertError, http, resultOf, startTestServer, type TestServer } from './support/server.js';

const DIM = 4;
const LIMITS = { bodyBytes: 64 * 1024, upsertPoints: 20, batchQueries: 5, ids: 30, k: 100 };

describe('REST API over HTTP', () => {
  let s: TestServer;
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    http(s.url, method, path, body, headers);
  const rng = new SeededRandom(5);
  const vectors = Array.from({ length: 15 }, () => Array.from({ length: DIM }, () => rng.gaussian()));
  const points = vectors.map((vector, i) => ({ id: i, vector, payload: { even: i % 2 === 0, i } }));

  before(async () => {
    s = await startTestServer({ limits: LIMITS });
  });
  after(async () => {
    await s.stop();
  });

  test('health and readiness (outside the envelope)', async () => {
    assert.deepEqual((await call('GET', '/healthz')).body, { status: 'ok' });
    assert.deepEqual((await call('GET', '/readyz')).body, { status: 'ready' });
  });

  test('GET / names the server and the Qdrant API version it speaks', async () => {
    const root = (await call('GET', '/')).body as Record<string, string>;
    assert.equal(root.title, 'quiver - vector search engine');
    assert.equal(root.version, '1.18.0');
    assert.match(root.quiver_version, /^\d+\.\d+\.\d+/);
  });

  test('PUT /collections/{name} creates (Qdrant config), 409 on a duplicate, 400 on a bad config', async () => {
    const created = await call('PUT', '/collections/items', {
      vectors: { size: DIM, distance: 'Euclid' },
      segment_size: 10,
    });
    assert.equal(resultOf(created), true);
    const info = resultOf<Record<string, unknown>>(await call('GET', '/collections/items'));
    const quiver = info.quiver as Record<string, unknown>;
    assert.deepEqual(
      [quiver.dimension, quiver.metric, quiver.count, quiver.sealed_segments, quiver.growing_points],
      [DIM, 'l2', 0, 0, 0],
    );
    assert.equal(quiver.catalog_integrity, 'ok');
    assertError(
      await call('PUT', '/collections/items', { vectors: { size: DIM, distance: 'Dot' } }),
      409,
      'COLLECTION_EXISTS',
    );
    assertError(await call('PUT', '/collections/other', {}), 400, 'INVALID_ARGUMENT');
    assertError(await call('PUT', '/collections/other'), 400, 'INVALID_ARGUMENT');
    assertError(
      await call('PUT', '/collections/other', { vectors: { size: 0, distance: 'Dot' } }),
      400,
      'INVALID_ARGUMENT',
      'vectors.size',
    );
    assertError(
      await call('PUT', '/collections/other', { vectors: { size: 2, distance: 'Chebyshev' } }),
      400,
      'INVALID_ARGUMENT',
      'vectors.distance',
    );
    assertError(
      await call('PUT', '/collections/other', { vectors: { size: 2, distance: 'Dot' }, dimensions: 3 }),
      400,
      'INVALID_ARGUMENT',
      'dimensions',
    );
    assertError(
      await call('PUT', '/collections/other', {
        vectors: { size: 2, distance: 'Dot' },
        index: { type: 'ivf' },
      }),
      400,
      'INVALID_ARGUMENT',
      'index.type',
    );
    assertError(
      await call('PUT', '/collections/other', { vectors: { size: 2, distance: 'Dot' }, segment_size: 0 }),
      400,
      'INVALID_ARGUMENT',
    );
    assert.deepEqual(resultOf(await call('GET', '/collections/other/exists')), { exists: false });
    assert.deepEqual(resultOf(await call('GET', '/collections/items/exists')), { exists: true });
  });

  test("GET /collections lists, GET /collections/{name} describes in Qdrant's shape, 404 when missing", async () => {
    assert.deepEqual(resultOf(await call('GET', '/collections')), {
      collections: [{ name: 'items', quiver: { dimension: DIM, metric: 'l2' } }],
    });
    const info = resultOf<Record<string, unknown>>(await call('GET', '/collections/items'));
    assert.equal(info.status, 'green');
    assert.equal(info.points_count, 0);
    assert.deepEqual((info.config as { params: { vectors: unknown } }).params.vectors, {
      size: DIM,
      distance: 'Euclid',
    });
    assert.deepEqual(info.payload_schema, {});
    assertError(await call('GET', '/collections/missing'), 404, 'COLLECTION_NOT_FOUND');
  });

  test('PUT …/points upserts JSON and base64 vectors, list and batch forms; all-or-nothing; limits', async () => {
    const upsert = (body: unknown) => call('PUT', '/collections/items/points?wait=true', body);
    const answer = resultOf<{ operation_id: number; status: string }>(
      await upsert({ points: points.slice(0, 8) }),
    );
    assert.equal(answer.status, 'completed');
    assert.equal(typeof answer.operation_id, 'number');
    const batch = points.slice(8, 10);
    resultOf(
      await upsert({
        batch: {
          ids: batch.map((p) => p.id),
          vectors: batch.map((p) => p.vector),
          payloads: batch.map((p) => p.payload),
        },
      }),
    );
    const b64 = points.slice(10).map((p) => ({ ...p, vector: encodeVector(Float32Array.from(p.vector)) }));
    resultOf(await upsert({ points: b64 }));
    const bad = [
      { id: 100, vector: [1, 2, 3, 4] },
      { id: 101, vector: [1, 2] },
    ];
    assertError(await upsert({ points: bad }), 400, 'DIMENSION_MISMATCH', 'points[1].vector');
    assertError(
      await upsert({ batch: { ids: [100, 101], vectors: [[1, 2, 3, 4]] } }),
      400,
      'INVALID_ARGUMENT',
    );
    assertError(await upsert({}), 400, 'INVALID_ARGUMENT');
    assertError(
      await upsert({ points: [{ id: 100, vector: 'AAAAAAAAAAA=' }] }),
      400,
      'DIMENSION_MISMATCH',
      'points[0].vector',
    );
    assertError(
      await upsert({ points: [{ id: 100, vector: 'AAAAAAAA' }] }),
      400,
      'INVALID_VECTOR',
      'points[0].vector',
    );
    assertError(
      await upsert({ points: [{ id: 100, vector: 'not base64!' }] }),
      400,
      'INVALID_VECTOR',
      'points[0].vector',
    );
    const nan = encodeVector(Float32Array.from([1, Number.NaN, 3, 4]));
    assertError(
      await upsert({ points: [{ id: 100, vector: nan }] }),
      400,
      'INVALID_VECTOR',
      'points[0].vector[1]',
    );
    assertError(
      await upsert({ points: [{ id: -1, vector: [1, 2, 3, 4] }] }),
      400,
      'INVALID_ID',
      'points[0].id',
    );
    assertError(await upsert({ points: [{ vector: [1, 2, 3, 4] }] }), 400, 'INVALID_ID', 'points[0].id');
    assertError(
      await upsert({ points: [{ id: 1, vector: [1, 2, 3, 4], payload: [1] }] }),
      400,
      'INVALID_ARGUMENT',
      'points[0].payload',
    );
    const many = Array.from({ length: LIMITS.upsertPoints + 1 }, (_, i) => ({ id: i, vector: [1, 2, 3, 4] }));
    const tooMany = await upsert({ points: many });
    assertError(tooMany, 400, 'INVALID_ARGUMENT', 'points');
    assert.match((tooMany.body as { status: { error: string } }).status.error, /20 items/);
    assertError(
      await call('PUT', '/collections/missing/points', { points: [{ id: 1, vector: [1] }] }),
      404,
      'COLLECTION_NOT_FOUND',
    );
    assert.deepEqual(resultOf(await call('POST', '/collections/items/points/count')), { count: 15 });
  });

  test('UUID ids are canonicalized: any case, hyphenated or 32 hex digits, one point', async () => {
    const upper = '5C56C793-69F3-4FBF-87E6-C4BF54C28C26';
    resultOf(
      await call('PUT', '/collections/items/points', { points: [{ id: upper, vector: [9, 9, 9, 9] }] }),
    );
    const got = resultOf<{ id: string }[]>(
      await call('POST', '/collections/items/points', { ids: ['5c56c79369f34fbf87e6c4bf54c28c26'] }),
    );
    assert.deepEqual(
      got.map((p) => p.id),
      ['5c56c793-69f3-4fbf-87e6-c4bf54c28c26'],
    );
    const one = resultOf<{ id: string }>(await call('GET', `/collections/items/points/${upper}`));
    assert.equal(one.id, '5c56c793-69f3-4fbf-87e6-c4bf54c28c26');
    assert.deepEqual(
      resultOf(
        await call('POST', '/collections/items/points/count', { filter: { must: [{ has_id: [upper] }] } }),
      ),
      { count: 1 },
    );
    resultOf(await call('POST', '/collections/items/points/delete', { points: [upper.toLowerCase()] }));
    assertError(await call('GET', `/collections/items/points/${upper}`), 404, 'POINT_NOT_FOUND');
  });

  test('POST …/points retrieves in the order asked, vectors as arrays or base64; GET …/points/{id}', async () => {
    const got = resultOf<{ id: number; vector: number[]; payload: unknown }[]>(
      await call('POST', '/collections/items/points', { ids: [3, 99, 12], with_vector: true }),
    );
    assert.deepEqual(
      got.map((p) => p.id),
      [3, 12],
    );
    assert.deepEqual(got[0].vector, Array.from(Float32Array.from(vectors[3])));
    assert.deepEqual(got[0].payload, { even: false, i: 3 });
    const [p] = resultOf<{ id: number; vector: string; payload?: unknown }[]>(
      await call('POST', '/collections/items/points', {
        ids: [12],
        with_vector: true,
        with_payload: false,
        vector_encoding: 'base64',
      }),
    );
    assert.equal(p.payload, undefined);
    assert.deepEqual(Array.from(decodeVector(p.vector)), Array.from(Float32Array.from(vectors[12])));
    const [kept] = resultOf<{ payload: unknown }[]>(
      await call('POST', '/collections/items/points', { ids: [4], with_payload: ['i'] }),
    );
    assert.deepEqual(kept.payload, { i: 4 });
    const [dropped] = resultOf<{ payload: unknown }[]>(
      await call('POST', '/collections/items/points', { ids: [4], with_payload: { exclude: ['i'] } }),
    );
    assert.deepEqual(dropped.payload, { even: true });
    const one = resultOf<{ id: number; payload: unknown; vector: number[] }>(
      await call('GET', '/collections/items/points/5'),
    );
    assert.deepEqual(
      [one.id, one.payload, one.vector],
      [5, { even: false, i: 5 }, Array.from(Float32Array.from(vectors[5]))],
    );
    assertError(await call('GET', '/collections/items/points/77'), 404, 'POINT_NOT_FOUND');
    assertError(await call('POST', '/collections/items/points', { ids: [{}] }), 400, 'INVALID_ID', 'ids[0]');
    assertError(
      await call('POST', '/collections/items/points', { ids: Array.from({ length: 31 }, (_, i) => i) }),
      400,
      'INVALID_ARGUMENT',
      'ids',
    );
  });

  test('POST …/points/search: JSON and base64 vectors agree; Euclid scores are distances; limit, offset, threshold, filter and vector errors', async () => {
    const search = (body: unknown) => call('POST', '/collections/items/points/search', body);
    const hits = resultOf<{ id: number; score: number; payload: { i: number } }[]>(
      await search({ vector: vectors[7], limit: 3, with_payload: true }),
    );
    assert.equal(hits.length, 3);
    assert.equal(hits[0].id, 7);
    assert.equal(hits[0].score, 0);
    assert.equal(hits[0].payload.i, 7);
    const d = (a: number[], b: number[]) =>
      Math.hypot(...a.map((x, i) => Math.fround(x) - Math.fround(b[i])));
    assert.ok(
      Math.abs(hits[1].score - d(vectors[7], vectors[hits[1].id])) < 1e-5,
      'the Euclidean distance, not its square',
    );
    const b64 = resultOf(
      await search({ vector: encodeVector(Float32Array.from(vectors[7])), limit: 3, with_payload: true }),
    );
    assert.deepEqual(b64, hits);
    const page = resultOf<{ id: number }[]>(await search({ vector: vectors[7], limit: 2, offset: 1 }));
    assert.deepEqual(
      page.map((h) => h.id),
      hits.slice(1, 3).map((h) => h.id),
    );
    const near = resultOf<{ score: number }[]>(
      await search({ vector: vectors[7], limit: 15, score_threshold: hits[1].score }),
    );
    assert.equal(near.length, 2, 'score_threshold is an upper bound on the Euclid distance');
    const evens = resultOf<{ id: number }[]>(
      await search({
        vector: vectors[7],
        limit: 15,
        filter: { must: [{ key: 'even', match: { value: true } }] },
      }),
    );
    assert.deepEqual(
      evens.map((h) => h.id % 2),
      new Array(8).fill(0),
    );
    assertError(await search({ vector: vectors[7], limit: 101 }), 400, 'INVALID_ARGUMENT', 'limit');
    assertError(await search({ vector: vectors[7], limit: '3' }), 400, 'INVALID_ARGUMENT', 'limit');
    assertError(await search({ vector: [1, 2, 3] }), 400, 'DIMENSION_MISMATCH');
    assertError(await search({ vector: [1, 2, 'x', 4] }), 400, 'INVALID_VECTOR', 'vector[2]');
    assertError(await search({ limit: 3 }), 400, 'INVALID_ARGUMENT');
    assertError(
      await search({ vector: vectors[0], withPayload: true }),
      400,
      'INVALID_ARGUMENT',
      'withPayload',
    );
    assertError(
      await search({ vector: vectors[0], filter: { must: [{ key: 'i', range: { gte: 'x' } }] } }),
      400,
      'INVALID_FILTER',
      'filter.must[0].range.gte',
    );
    assertError(
      await search({ vector: vectors[0], filter: { mustnt: [] } }),
      400,
      'INVALID_FILTER',
      'filter.mustnt',
    );
  });

  test('POST …/points/search/batch and …/points/range', async () => {
    const results = resultOf<{ id: number }[][]>(
      await call('POST', '/collections/items/points/search/batch', {
        searches: [
          { vector: vectors[1], limit: 2 },
          { vector: encodeVector(Float32Array.from(vectors[2])), limit: 2 },
        ],
      }),
    );
    assert.deepEqual(
      results.map((r) => r[0].id),
      [1, 2],
    );
    assertError(
      await call('POST', '/collections/items/points/search/batch', {
        searches: new Array(6).fill({ vector: vectors[0] }),
      }),
      400,
      'INVALID_ARGUMENT',
      'searches',
    );
    const range = resultOf(
      await call('POST', '/collections/items/points/range', { vector: vectors[4], score_threshold: 0 }),
    );
    assert.deepEqual(range, [{ id: 4, version: 0, score: 0 }]);
    assertError(
      await call('POST', '/collections/items/points/range', { vector: vectors[4] }),
      400,
      'INVALID_ARGUMENT',
      'score_threshold',
    );
  });

  test('POST …/points/count and …/points/scroll (offset is the first id, next_page_offset the next one)', async () => {
    const filter = { must: [{ key: 'even', match: { value: true } }] };
    assert.deepEqual(
      resultOf(await call('POST', '/collections/items/points/count', { filter, exact: true })),
      {
        count: 8,
      },
    );
    const scroll = (body: unknown) => call('POST', '/collections/items/points/scroll', body);
    assert.deepEqual(resultOf(await scroll({ limit: 10, with_payload: false })), {
      points: Array.from({ length: 10 }, (_, i) => ({ id: i })),
      next_page_offset: 10,
    });
    assert.deepEqual(resultOf(await scroll({ limit: 10, offset: 10, with_payload: false })), {
      points: Array.from({ length: 5 }, (_, i) => ({ id: 10 + i })),
      next_page_offset: null,
    });
    assert.deepEqual(resultOf(await scroll({ limit: 2, offset: 3, filter, with_payload: false })), {
      points: [{ id: 4 }, { id: 6 }],
      next_page_offset: 8,
    });
    assert.deepEqual(resultOf(await scroll({ limit: 2, after: 3, with_payload: false })), {
      points: [{ id: 4 }, { id: 5 }],
      next_page_offset: 6,
    });
    assertError(await scroll({ offset: 1, skip: 1 }), 400, 'INVALID_ARGUMENT');
    assertError(await scroll({ limit: 0 }), 400, 'INVALID_ARGUMENT', 'limit');
  });

  test('payload routes: set (with key), overwrite, delete keys, clear; by ids or filter', async () => {
    const get = async (id: number) =>
      resultOf<{ payload: unknown }[]>(await call('POST', '/collections/items/points', { ids: [id] }))[0]
        .payload;
    const set = resultOf<{ status: string; updated: number }>(
      await call('POST', '/collections/items/points/payload', { payload: { tag: 'x' }, points: [2, 3, 99] }),
    );
    assert.deepEqual([set.status, set.updated], ['completed', 2]);
    assert.deepEqual(await get(2), { even: true, i: 2, tag: 'x' });
    resultOf(
      await call('POST', '/collections/items/points/payload', {
        payload: { a: 1 },
        key: 'meta',
        points: [2],
      }),
    );
    assert.deepEqual(await get(2), { even: true, i: 2, tag: 'x', meta: { a: 1 } });
    resultOf(
      await call('PUT', '/collections/items/points/payload', { payload: { sole: true }, points: [3] }),
    );
    assert.deepEqual(await get(3), { sole: true });
    resultOf(
      await call('POST', '/collections/items/points/payload/delete', {
        keys: ['tag', 'meta'],
        filter: { must: [{ key: 'i', match: { value: 2 } }] },
      }),
    );
    assert.deepEqual(await get(2), { even: true, i: 2 });
    resultOf(await call('POST', '/collections/items/points/payload/clear', { points: [3] }));
    assert.deepEqual(await get(3), {});
    resultOf(
      await call('PUT', '/collections/items/points/payload', { payload: { even: false, i: 3 }, points: [3] }),
    );
    assertError(
      await call('POST', '/collections/items/points/payload', { payload: { a: 1 } }),
      400,
      'INVALID_ARGUMENT',
    );
    assertError(
      await call('POST', '/collections/items/points/payload', { payload: 5, points: [1] }),
      400,
      'INVALID_ARGUMENT',
      'payload',
    );
  });

  test('PUT and DELETE …/index: Qdrant field schemas; info reports payload_schema with counts', async () => {
    resultOf(
      await call('PUT', '/collections/items/index?wait=true', { field_name: 'even', field_schema: 'bool' }),
    );
    resultOf(
      await call('PUT', '/collections/items/index', {
        field_name: 'i',
        field_schema: { type: 'integer', range: true },
      }),
    );
    const info = resultOf<{ payload_schema: unknown }>(await call('GET', '/collections/items'));
    assert.deepEqual(info.payload_schema, {
      even: { data_type: 'bool', points: 15 },
      i: { data_type: 'integer', points: 15 },
    });
    resultOf(await call('DELETE', '/collections/items/index/i'));
    assertError(
      await call('PUT', '/collections/items/index', { field_name: 'x', field_schema: 'vector' }),
      400,
      'INVALID_ARGUMENT',
    );
  });

  test('POST …/points/delete by ids or by filter, exactly one of them', async () => {
    const del = (body: unknown) => call('POST', '/collections/items/points/delete', body);
    assert.equal(resultOf<{ deleted: number }>(await del({ points: [0, 1, 'nope'] })).deleted, 2);
    assert.equal(
      resultOf<{ deleted: number }>(await del({ filter: { must: [{ key: 'i', range: { gte: 13 } }] } }))
        .deleted,
      2,
    );
    assertError(await del({}), 400, 'INVALID_ARGUMENT');
    assertError(await del({ points: [2], filter: {} }), 400, 'INVALID_ARGUMENT');
    assertError(await del({ filter: 'all' }), 400, 'INVALID_FILTER', 'filter');
    assert.deepEqual(resultOf(await call('POST', '/collections/items/points/count')), { count: 11 });
  });

  test('POST …/flush and …/compact; PATCH accepts tuning and refuses what cannot change', async () => {
    assert.equal(resultOf(await call('POST', '/collections/items/flush')), true);
    assert.equal(resultOf(await call('POST', '/collections/items/compact')), true);
    const info = resultOf<{ quiver: { count: number; growing_points: number } }>(
      await call('GET', '/collections/items'),
    );
    assert.deepEqual([info.quiver.count, info.quiver.growing_points], [11, 0]);
    assertError(await call('POST', '/collections/missing/flush'), 404, 'COLLECTION_NOT_FOUND');
    assert.equal(
      resultOf(await call('PATCH', '/collections/items', { optimizers_config: { indexing_threshold: 1 } })),
      true,
    );
    assertError(
      await call('PATCH', '/collections/items', { hnsw_config: { m: 32 } }),
      400,
      'INVALID_ARGUMENT',
    );
    assertError(await call('PATCH', '/collections/missing', {}), 404, 'COLLECTION_NOT_FOUND');
  });

  test('malformed requests: 413, 415, invalid JSON, unknown routes', async () => {
    const big = { points: [{ id: 1, vector: new Array(20_000).fill(0.123456789) }] };
    assertError(await call('PUT', '/collections/items/points', big), 413, 'PAYLOAD_TOO_LARGE');
    assertError(
      await call('PUT', '/collections/items/points', '<points/>', { 'content-type': 'application/xml' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    assertError(
      await call('POST', '/collections/items/points/search', '{"vector": [1, 2,'),
      400,
      'INVALID_JSON',
    );
    assertError(
      await call('POST', '/collections/items/points/search', '{"vector": [NaN, 1, 2, 3]}'),
      400,
      'INVALID_JSON',
    );
    assertError(await call('POST', '/collections/items/points/search', ''), 400, 'INVALID_JSON');
    assertError(
      await call(
        'POST',
        '/collections/items/points/search',
        '{"__proto__": {"limit": 1}, "vector": [1,2,3,4]}',
      ),
      400,
      'INVALID_JSON',
    );
    assertError(await call('GET', '/nowhere'), 404, 'NOT_FOUND');
    assertError(await call('POST', '/collections/items'), 404, 'NOT_FOUND');
  });

  test('DELETE /collections/{name} drops, then 404', async () => {
    assert.equal(resultOf(await call('DELETE', '/collections/items')), true);
    assertError(await call('DELETE', '/collections/items'), 404, 'COLLECTION_NOT_FOUND');
    assertError(await call('POST', '/collections/items/points/count'), 404, 'COLLECTION_NOT_FOUND');
  });

  test('GET /openapi.json describes every route, its body schema and the error shape; /docs serves a page', async () => {
    const doc = (await call('GET', '/openapi.json')).body as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
    };
    assert.equal(doc.openapi, '3.1.0');
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    for (const route of [
      'GET /collections',
      'PUT /collections/{name}',
      'GET /collections/{name}',
      'DELETE /collections/{name}',
      'POST /collections/{name}/flush',
      'POST /collections/{name}/compact',
      'PUT /collections/{name}/points',
      'POST /collections/{name}/points',
      'GET /collections/{name}/points/{id}',
      'GET /collections/{name}/exists',
      'PATCH /collections/{name}',
      'POST /collections/{name}/points/payload',
      'PUT /collections/{name}/points/payload',
      'POST /collections/{name}/points/payload/delete',
      'POST /collections/{name}/points/payload/clear',
      'PUT /collections/{name}/index',
      'DELETE /collections/{name}/index/{field_name}',
      'POST /collections/{name}/points/search/groups',
      'POST /collections/{name}/points/recommend',
      'POST /collections/{name}/points/recommend/batch',
      'POST /collections/{name}/points/recommend/groups',
      'POST /collections/{name}/points/query',
      'POST /collections/{name}/points/query/batch',
      'POST /collections/{name}/points/query/groups',
      'GET /',
      'POST /collections/{name}/points/delete',
      'POST /collections/{name}/points/count',
      'POST /collections/{name}/points/scroll',
      'POST /collections/{name}/points/search',
      'POST /collections/{name}/points/search/batch',
      'POST /collections/{name}/points/range',
      'GET /healthz',
      'GET /readyz',
      'GET /metrics',
    ]) {
      assert.ok(routes.includes(route), `${route} missing from ${routes.join(', ')}`);
    }
    const search = doc.paths['/collections/{name}/points/search'].post;
    assert.match(JSON.stringify(search.requestBody), /"with_payload"/);
    assert.match(JSON.stringify(search.responses['200']), /"result"/);
    assert.match(JSON.stringify(search.responses['400']), /"code"/);
    assert.ok(doc.components.schemas.Error);
    assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['apiKey', 'bearer']);
    const page = await call('GET', '/docs');
    assert.equal(page.status, 200);
    assert.match(String(page.body), /<html/i);
  });

  test('GET /metrics counts requests by route pattern and reports collection sizes', async () => {
    await call('PUT', '/collections/metered', { vectors: { size: 2, distance: 'Euclid' } });
    await call('PUT', '/collections/metered/points', {
      points: [
        { id: 1, vector: [1, 2] },
        { id: 2, vector: [2, 1] },
      ],
    });
    await call('POST', '/collections/metered/points/search', { vector: [1, 1] });
    const metrics = await call('GET', '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
    const text = String(metrics.body);
    const lines = (pattern: string) =>
      text.split('\n').filter((l) => l.startsWith(pattern) && !l.startsWith('#'));
    assert.deepEqual(lines('quiver_http_requests_total{method="GET",route="unmatched"'), [
      'quiver_http_requests_total{method="GET",route="unmatched",status="404"} 1',
    ]);
    assert.match(
      text,
      /quiver_http_requests_total\{method="POST",route="\/collections\/:name\/points\/search",status="200"\} \d+/,
    );
    assert.match(
      text,
      /quiver_http_request_duration_seconds_bucket\{le="[\d.]+",method="PUT",route="\/collections\/:name\/points"\}/,
    );
    assert.match(text, /quiver_collection_points\{collection="metered"\} 2/);
    assert.match(text, /quiver_collection_growing_points\{collection="metered"\} 2/);
    assert.match(text, /quiver_collection_sealed_segments\{collection="metered"\} 0/);
    assert.doesNotMatch(text, /route="\/collections\/metered/, 'routes are patterns, not raw URLs');
  });
});

describe('server life cycle and failures', () => {
  test('close() lets a request in flight finish, and refuses new connections meanwhile', async () => {
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = {
      collection: () => ({
        metric: 'ip',
        search: async () => {
          entered();
          await gate;
          return [{ id: 7, score: 0.5 }];
        },
      }),
    } as unknown as Database;
    const server = await QuiverServer.create(slow, { logLevel: 'silent' });
    const url = await server.listen('127.0.0.1', 0);
    const pending = http(url, 'POST', '/collections/c/points/search', { vector: [1, 2] });
    await inHandler;
    let closed = false;
    const closing = server.close().then(() => {
      closed = true;
    });
    await assert.rejects(fetch(`${url}/healthz`), TypeError, 'the listener no longer accepts');
    assert.equal(closed, false, 'close() waits for the request in flight');
    release();
    const result = await pending;
    assert.equal(result.status, 200);
    assert.deepEqual(resultOf(result), [{ id: 7, version: 0, score: 0.5 }]);
    await closing;
    assert.equal(closed, true);
  });

  test('an unexpected error is a 500 with a generic message, no details', async () => {
    const failing = {
      listCollections: async () => {
        throw new Error('disk /secret/path exploded');
      },
    } as unknown as Database;
    const server = await QuiverServer.create(failing, { logLevel: 'silent' });
    const url = await server.listen('127.0.0.1', 0);
    try {
      const result = await http(url, 'GET', '/collections');
      assertError(result, 500, 'INTERNAL');
      assert.doesNotMatch(JSON.stringify(result.body), /secret|exploded/);
    } finally {
      await server.close();
    }
  });

  test('a closed database answers 503', async () => {
    const s = await startTestServer();
    await http(s.url, 'PUT', '/collections/c', { vectors: { size: 2, distance: 'Dot' } });
    await s.db.close();
    assertError(await http(s.url, 'POST', '/collections/c/points/count'), 503, 'CLOSED');
    await s.stop();
  });
});
