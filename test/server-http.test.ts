/**
 * The REST API through raw HTTP: every endpoint, its success response and each of its
 * error statuses (400 with the field path, 404, 409, 413, 415, 500 without details, 503),
 * base64 vectors both ways, the OpenAPI document, and the metrics.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database } from '../src/db/types.js';
import { SeededRandom } from '../src/index.js';
import { QuiverServer } from '../src/server/server.js';
import { decodeVector, encodeVector } from '../src/wire/format.js';
import { assertError, http, startTestServer, type TestServer } from './support/server.js';

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

  test('health and readiness', async () => {
    assert.deepEqual((await call('GET', '/healthz')).body, { status: 'ok' });
    assert.deepEqual((await call('GET', '/readyz')).body, { status: 'ready' });
  });

  test('PUT /collections/{name} creates, 409 on a duplicate, 400 on a bad config', async () => {
    const created = await call('PUT', '/collections/items', {
      dimension: DIM,
      metric: 'l2',
      segmentSize: 10,
    });
    assert.equal(created.status, 201);
    const info = created.body as Record<string, unknown>;
    assert.deepEqual(
      [info.name, info.dimension, info.metric, info.count, info.sealedSegments, info.growingPoints],
      ['items', DIM, 'l2', 0, 0, 0],
    );
    assert.equal(info.catalogIntegrity, 'ok');
    assertError(await call('PUT', '/collections/items', { dimension: DIM }), 409, 'COLLECTION_EXISTS');
    // Neither `dimension` nor `vectors`: the engine refuses it (the schema allows either).
    assertError(await call('PUT', '/collections/other', {}), 400, 'INVALID_ARGUMENT');
    assertError(await call('PUT', '/collections/other'), 400, 'INVALID_ARGUMENT');
    assertError(
      await call('PUT', '/collections/other', { dimension: 0 }),
      400,
      'INVALID_ARGUMENT',
      'dimension',
    );
    assertError(
      await call('PUT', '/collections/other', { dimension: 2, metric: 'manhattan' }),
      400,
      'INVALID_ARGUMENT',
      'metric',
    );
    assertError(
      await call('PUT', '/collections/other', { dimension: 2, dimensions: 3 }),
      400,
      'INVALID_ARGUMENT',
      'dimensions',
    );
    assertError(
      await call('PUT', '/collections/other', { dimension: 2, index: { type: 'ivf' } }),
      400,
      'INVALID_ARGUMENT',
      'index.type',
    );
    assertError(
      await call('PUT', '/collections/other', { dimension: 2, segmentSize: 0 }),
      400,
      'INVALID_ARGUMENT',
    );
  });

  test('GET /collections lists, GET /collections/{name} describes, 404 when missing', async () => {
    assert.deepEqual((await call('GET', '/collections')).body, {
      collections: [{ name: 'items', dimension: DIM, metric: 'l2' }],
    });
    const info = await call('GET', '/collections/items');
    assert.equal(info.status, 200);
    assert.equal((info.body as { name: string }).name, 'items');
    assertError(await call('GET', '/collections/missing'), 404, 'COLLECTION_NOT_FOUND');
  });

  test('PUT …/points upserts JSON and base64 vectors; all-or-nothing; limits', async () => {
    const upsert = (body: unknown) => call('PUT', '/collections/items/points', body);
    assert.deepEqual((await upsert({ points: points.slice(0, 10) })).body, { upserted: 10 });
    const b64 = points.slice(10).map((p) => ({ ...p, vector: encodeVector(Float32Array.from(p.vector)) }));
    assert.deepEqual((await upsert({ points: b64 })).body, { upserted: 5 });
    const bad = [
      { id: 'a', vector: [1, 2, 3, 4] },
      { id: 'b', vector: [1, 2] },
    ];
    assertError(await upsert({ points: bad }), 400, 'DIMENSION_MISMATCH', 'points[1].vector');
    assertError(
      await upsert({ points: [{ id: 'a', vector: 'AAAAAAAAAAA=' }] }),
      400,
      'DIMENSION_MISMATCH',
      'points[0].vector',
    );
    assertError(
      await upsert({ points: [{ id: 'a', vector: 'AAAAAAAA' }] }),
      400,
      'INVALID_VECTOR',
      'points[0].vector',
    );
    assertError(
      await upsert({ points: [{ id: 'a', vector: 'not base64!' }] }),
      400,
      'INVALID_VECTOR',
      'points[0].vector',
    );
    const nan = encodeVector(Float32Array.from([1, Number.NaN, 3, 4]));
    assertError(
      await upsert({ points: [{ id: 'a', vector: nan }] }),
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
    assert.match((tooMany.body as { error: { message: string } }).error.message, /20 items/);
    assertError(
      await call('PUT', '/collections/missing/points', { points: [{ id: 1, vector: [1] }] }),
      404,
      'COLLECTION_NOT_FOUND',
    );
    assert.deepEqual((await call('POST', '/collections/items/points/count')).body, { count: 15 });
  });

  test('POST …/points/get returns points in the order asked, vectors as arrays or base64', async () => {
    const got = await call('POST', '/collections/items/points/get', { ids: [3, 99, 12], withVector: true });
    const body = got.body as { points: { id: number; vector: number[]; payload: unknown }[] };
    assert.deepEqual(
      body.points.map((p) => p.id),
      [3, 12],
    );
    assert.deepEqual(body.points[0].vector, Array.from(Float32Array.from(vectors[3])));
    assert.deepEqual(body.points[0].payload, { even: false, i: 3 });
    const b64 = await call('POST', '/collections/items/points/get', {
      ids: [12],
      withVector: true,
      withPayload: false,
      vectorEncoding: 'base64',
    });
    const [p] = (b64.body as { points: { id: number; vector: string; payload?: unknown }[] }).points;
    assert.equal(p.payload, undefined);
    assert.deepEqual(Array.from(decodeVector(p.vector)), Array.from(Float32Array.from(vectors[12])));
    assertError(
      await call('POST', '/collections/items/points/get', { ids: [{}] }),
      400,
      'INVALID_ID',
      'ids[0]',
    );
    assertError(
      await call('POST', '/collections/items/points/get', { ids: Array.from({ length: 31 }, (_, i) => i) }),
      400,
      'INVALID_ARGUMENT',
      'ids',
    );
  });

  test('POST …/points/search: JSON and base64 queries agree; k, filter and vector errors', async () => {
    const search = (body: unknown) => call('POST', '/collections/items/points/search', body);
    const json = await search({ query: vectors[7], k: 3, withPayload: true });
    assert.equal(json.status, 200);
    const hits = (json.body as { hits: { id: number; score: number; payload: { i: number } }[] }).hits;
    assert.equal(hits.length, 3);
    assert.equal(hits[0].id, 7);
    assert.equal(hits[0].score, 0);
    assert.equal(hits[0].payload.i, 7);
    const b64 = await search({ query: encodeVector(Float32Array.from(vectors[7])), k: 3, withPayload: true });
    assert.deepEqual(b64.body, json.body);
    const evens = await search({
      query: vectors[7],
      k: 15,
      filter: { must: [{ key: 'even', match: { value: true } }] },
    });
    assert.deepEqual(
      (evens.body as { hits: { id: number }[] }).hits.map((h) => h.id % 2),
      new Array(8).fill(0),
    );
    assertError(await search({ query: vectors[7], k: 101 }), 400, 'INVALID_ARGUMENT', 'k');
    assertError(await search({ query: vectors[7], k: '3' }), 400, 'INVALID_ARGUMENT', 'k');
    assertError(await search({ query: [1, 2, 3] }), 400, 'DIMENSION_MISMATCH', 'query');
    assertError(await search({ query: [1, 2, 'x', 4] }), 400, 'INVALID_VECTOR', 'query[2]');
    assertError(await search({ k: 3 }), 400, 'INVALID_VECTOR', 'query');
    assertError(
      await search({ query: vectors[0], with_payload: true }),
      400,
      'INVALID_ARGUMENT',
      'with_payload',
    );
    assertError(
      await search({ query: vectors[0], filter: { must: [{ key: 'i', range: { gte: 'x' } }] } }),
      400,
      'INVALID_FILTER',
      'filter.must[0].range.gte',
    );
    assertError(
      await search({ query: vectors[0], filter: { mustnt: [] } }),
      400,
      'INVALID_FILTER',
      'filter.mustnt',
    );
  });

  test('POST …/points/search/batch and …/points/range', async () => {
    const batch = await call('POST', '/collections/items/points/search/batch', {
      queries: [vectors[1], encodeVector(Float32Array.from(vectors[2]))],
      k: 2,
    });
    const results = (batch.body as { results: { id: number }[][] }).results;
    assert.deepEqual(
      results.map((r) => r[0].id),
      [1, 2],
    );
    assertError(
      await call('POST', '/collections/items/points/search/batch', {
        queries: new Array(6).fill(vectors[0]),
      }),
      400,
      'INVALID_ARGUMENT',
      'queries',
    );
    assertError(
      await call('POST', '/collections/items/points/search/batch', { queries: [vectors[0], [1]] }),
      400,
      'DIMENSION_MISMATCH',
      'queries[1]',
    );
    const range = await call('POST', '/collections/items/points/range', { query: vectors[4], radius: 0 });
    assert.deepEqual(range.body, { hits: [{ id: 4, score: 0 }] });
    assertError(
      await call('POST', '/collections/items/points/range', { query: vectors[4] }),
      400,
      'INVALID_ARGUMENT',
      'radius',
    );
  });

  test('POST …/points/count and …/points/scroll', async () => {
    const filter = { must: [{ key: 'even', match: { value: true } }] };
    assert.deepEqual((await call('POST', '/collections/items/points/count', { filter })).body, { count: 8 });
    const first = await call('POST', '/collections/items/points/scroll', { limit: 10, withPayload: false });
    assert.deepEqual(first.body, {
      points: Array.from({ length: 10 }, (_, i) => ({ id: i })),
      nextCursor: 9,
    });
    const rest = await call('POST', '/collections/items/points/scroll', {
      limit: 10,
      cursor: 9,
      withPayload: false,
    });
    assert.deepEqual(rest.body, { points: Array.from({ length: 5 }, (_, i) => ({ id: 10 + i })) });
    assertError(
      await call('POST', '/collections/items/points/scroll', { offset: 1, cursor: 1 }),
      400,
      'INVALID_ARGUMENT',
    );
    assertError(
      await call('POST', '/collections/items/points/scroll', { limit: 0 }),
      400,
      'INVALID_ARGUMENT',
      'limit',
    );
  });

  test('POST …/points/delete by ids or by filter, exactly one of them', async () => {
    const del = (body: unknown) => call('POST', '/collections/items/points/delete', body);
    assert.deepEqual((await del({ ids: [0, 1, 'nope'] })).body, { deleted: 2 });
    assert.deepEqual((await del({ filter: { must: [{ key: 'i', range: { gte: 13 } }] } })).body, {
      deleted: 2,
    });
    assertError(await del({}), 400, 'INVALID_ARGUMENT');
    assertError(await del({ ids: [2], filter: {} }), 400, 'INVALID_ARGUMENT');
    assertError(await del({ filter: 'all' }), 400, 'INVALID_FILTER', 'filter');
    assert.deepEqual((await call('POST', '/collections/items/points/count')).body, { count: 11 });
  });

  test('POST …/flush and …/compact', async () => {
    assert.deepEqual((await call('POST', '/collections/items/flush')).body, { ok: true });
    assert.deepEqual((await call('POST', '/collections/items/compact')).body, { ok: true });
    const info = (await call('GET', '/collections/items')).body as { count: number; growingPoints: number };
    assert.deepEqual([info.count, info.growingPoints], [11, 0]);
    assertError(await call('POST', '/collections/missing/flush'), 404, 'COLLECTION_NOT_FOUND');
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
      await call('POST', '/collections/items/points/search', '{"query": [1, 2,'),
      400,
      'INVALID_JSON',
    );
    assertError(
      await call('POST', '/collections/items/points/search', '{"query": [NaN, 1, 2, 3]}'),
      400,
      'INVALID_JSON',
    );
    assertError(await call('POST', '/collections/items/points/search', ''), 400, 'INVALID_JSON');
    assertError(
      await call('POST', '/collections/items/points/search', '{"__proto__": {"k": 1}, "query": [1,2,3,4]}'),
      400,
      'INVALID_JSON',
    );
    assertError(await call('GET', '/nowhere'), 404, 'NOT_FOUND');
    assertError(await call('PATCH', '/collections/items'), 404, 'NOT_FOUND');
  });

  test('DELETE /collections/{name} drops, then 404', async () => {
    assert.deepEqual((await call('DELETE', '/collections/items')).body, { ok: true });
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
      'POST /collections/{name}/points/get',
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
    assert.match(JSON.stringify(search.requestBody), /"query"/);
    assert.match(JSON.stringify(search.responses['400']), /"code"/);
    assert.ok(doc.components.schemas.Error);
    assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['apiKey', 'bearer']);
    const page = await call('GET', '/docs');
    assert.equal(page.status, 200);
    assert.match(String(page.body), /<html/i);
  });

  test('GET /metrics counts requests by route pattern and reports collection sizes', async () => {
    await call('PUT', '/collections/metered', { dimension: 2 });
    await call('PUT', '/collections/metered/points', {
      points: [
        { id: 1, vector: [1, 2] },
        { id: 2, vector: [2, 1] },
      ],
    });
    await call('POST', '/collections/metered/points/search', { query: [1, 1] });
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
        search: async () => {
          entered();
          await gate;
          return [{ id: 7, score: 0.5 }];
        },
      }),
    } as unknown as Database;
    const server = await QuiverServer.create(slow, { logLevel: 'silent' });
    const url = await server.listen('127.0.0.1', 0);
    const pending = http(url, 'POST', '/collections/c/points/search', { query: [1, 2] });
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
    assert.deepEqual(result.body, { hits: [{ id: 7, score: 0.5 }] });
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
    await http(s.url, 'PUT', '/collections/c', { dimension: 2 });
    await s.db.close();
    assertError(await http(s.url, 'POST', '/collections/c/points/count'), 503, 'CLOSED');
    await s.stop();
  });
});
