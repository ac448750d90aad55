/**
 * The REST API of named vectors, payload indexes, text / hybrid / grouped search and
 * recommendations, through raw HTTP: the success shapes (named vectors as arrays or base64
 * both ways, `{ groups }` with `groupBy`), every new schema error with its code and field
 * path, and the new routes and fields in the OpenAPI document.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeVector, encodeVector } from '../src/wire/format.js';
import { assertError, http, startTestServer, type TestServer } from './support/server.js';

const IMAGE = [
  [1, 0, 0, 0],
  [0.9, 0.1, 0, 0],
  [0, 1, 0, 0],
  [0.2, 0, 1, 0],
  [0, 0, 0.5, 0.5],
  [0.1, 0, 0, 1],
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
  vectors?: Record<string, number[] | string>;
}

describe('REST API: named vectors, payload indexes, text, hybrid, groups, recommend', () => {
  let s: TestServer;
  const call = (method: string, path: string, body?: unknown) => http(s.url, method, path, body);
  const media = (suffix: string, body?: unknown) => call('POST', `/collections/media${suffix}`, body);
  const hitIds = (body: unknown) => (body as { hits: WireHit[] }).hits.map((h) => h.id);

  before(async () => {
    s = await startTestServer({ limits: { ids: 20, k: 100 } });
  });
  after(async () => {
    await s.stop();
  });

  test('PUT /collections/{name} with vectors and payloadIndexes; the list and info report them', async () => {
    const created = await call('PUT', '/collections/media', {
      vectors: { image: { dimension: 4, metric: 'cosine' }, text: { dimension: 2 } },
      payloadIndexes: { body: { type: 'text', analyzer: 'english' }, album: 'keyword' },
      index: { type: 'flat' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const info = created.body as Record<string, unknown>;
    assert.deepEqual([info.dimension, info.metric], [4, 'cosine']);
    assert.deepEqual(info.vectors, {
      image: { dimension: 4, metric: 'cosine', index: { type: 'flat' } },
      text: { dimension: 2, metric: 'l2', index: { type: 'flat' } },
    });
    assert.deepEqual(info.payloadIndexes, {
      body: { type: 'text', analyzer: 'english' },
      album: { type: 'keyword' },
    });
    assert.deepEqual((await call('GET', '/collections')).body, {
      collections: [
        {
          name: 'media',
          dimension: 4,
          metric: 'cosine',
          vectors: { image: { dimension: 4, metric: 'cosine' }, text: { dimension: 2, metric: 'l2' } },
        },
      ],
    });
    const bad = (config: unknown, path: string) =>
      call('PUT', '/collections/other', config).then((r) => assertError(r, 400, 'INVALID_ARGUMENT', path));
    await bad({ vectors: {} }, 'vectors');
    await bad({ vectors: { 'a b': { dimension: 2 } } }, 'vectors.a b');
    await bad({ vectors: { a: { dimension: 0 } } }, 'vectors.a.dimension');
    await bad({ vectors: { a: { dimension: 2, metric: 'manhattan' } } }, 'vectors.a.metric');
    await bad({ vectors: { a: { dim: 2 } } }, 'vectors.a.dim');
    await bad({ dimension: 2, payloadIndexes: { tag: 'hologram' } }, 'payloadIndexes.tag');
    await bad(
      { dimension: 2, payloadIndexes: { body: { type: 'text', analyzer: 'klingon' } } },
      'payloadIndexes.body.analyzer',
    );
    assertError(await call('PUT', '/collections/other', {}), 400, 'INVALID_ARGUMENT');
    assertError(
      await call('PUT', '/collections/other', { dimension: 2, vectors: { a: { dimension: 2 } } }),
      400,
      'INVALID_ARGUMENT',
    );
    assert.deepEqual(
      ((await call('GET', '/collections')).body as { collections: { name: string }[] }).collections.map(
        (c) => c.name,
      ),
      ['media'],
    );
  });

  test('PUT …/points with named vectors (arrays or base64, fields left out); get returns them', async () => {
    const points = IMAGE.map((image, i) => ({
      id: i,
      vectors:
        i === 5
          ? { text: [i, 1] }
          : { image: i % 2 ? encodeVector(Float32Array.from(image)) : image, text: [i, 1] },
      payload: { body: BODIES[i], album: i < 3 ? 'first' : 'second' },
    }));
    assert.deepEqual((await call('PUT', '/collections/media/points', { points })).body, { upserted: 6 });
    const upsert = (pts: unknown) => call('PUT', '/collections/media/points', { points: pts });
    assertError(
      await upsert([{ id: 9, vectors: { image: 'not base64!' } }]),
      400,
      'INVALID_VECTOR',
      'points[0].vectors.image',
    );
    assertError(await upsert([{ id: 9, vectors: [1, 2] }]), 400, 'INVALID_VECTOR', 'points[0].vectors');
    assertError(
      await upsert([{ id: 9, vectors: { image: [1, 0, 0, 0], text: [1, 'x'] } }]),
      400,
      'INVALID_VECTOR',
      'points[0].vectors.text[1]',
    );
    assertError(
      await upsert([{ id: 9, vectors: { image: [1, 0, 0] } }]),
      400,
      'DIMENSION_MISMATCH',
      'points[0].vectors.image',
    );
    assertError(
      await upsert([{ id: 9, vectors: { image: [1, 0, 0, 0] }, vektors: {} }]),
      400,
      'INVALID_ARGUMENT',
      'points[0].vektors',
    );
    assert.deepEqual((await media('/points/count')).body, { count: 6 });

    const got = await media('/points/get', { ids: [1, 5], withVector: true, withPayload: false });
    const [one, five] = (got.body as { points: WireHit[] }).points;
    assert.deepEqual(Object.keys(one.vectors ?? {}).sort(), ['image', 'text']);
    assert.deepEqual(one.vectors?.text, [1, 1]);
    assert.deepEqual(Object.keys(five.vectors ?? {}), ['text']);
    const b64 = await media('/points/get', { ids: [2], withVector: true, vectorEncoding: 'base64' });
    const [two] = (b64.body as { points: WireHit[] }).points;
    assert.deepEqual(Array.from(decodeVector(two.vectors?.image as string)), [0, 1, 0, 0]);
    const page = await media('/points/scroll', { limit: 2, withVector: true });
    assert.ok((page.body as { points: WireHit[] }).points.every((p) => p.vectors !== undefined));
  });

  test('POST …/points/search: query objects, using, text, hybrid, groups; schema errors name the field', async () => {
    const near0 = [1, 0.05, 0, 0];
    assert.deepEqual(
      hitIds((await media('/points/search', { query: near0, using: 'image', k: 2 })).body),
      [0, 1],
    );
    const asObject = await media('/points/search', { query: { vector: near0, using: 'image' }, k: 2 });
    assert.deepEqual(hitIds(asObject.body), [0, 1]);
    const b64 = await media('/points/search', {
      query: { vector: encodeVector(Float32Array.from([0, 0, 0, 1])), using: 'image' },
      k: 1,
    });
    assert.deepEqual(hitIds(b64.body), [4]);
    const text = await media('/points/search', { query: { text: 'budget', textField: 'body' }, k: 5 });
    assert.deepEqual(hitIds(text.body).sort(), [1, 5]);
    const hybrid = await media('/points/search', {
      query: { text: 'budget', textField: 'body', vector: near0, using: 'image' },
      k: 3,
      fusion: 'rrf',
      rrfK: 60,
      weights: { vector: 1, text: 1 },
    });
    assert.equal(hybrid.status, 200, JSON.stringify(hybrid.body));
    assert.ok(hitIds(hybrid.body).includes(0));
    const grouped = await media('/points/search', {
      query: { vector: near0, using: 'image' },
      k: 2,
      groupBy: 'album',
      groupSize: 2,
    });
    assert.equal(grouped.status, 200, JSON.stringify(grouped.body));
    const groups = (grouped.body as { groups: { group: string; hits: WireHit[] }[] }).groups;
    assert.deepEqual(
      groups.map((g) => [g.group, g.hits.map((h) => h.id)]),
      [
        ['first', [0, 1]],
        ['second', [3, 4]],
      ],
    );
    assert.equal((grouped.body as { hits?: unknown }).hits, undefined);

    const search = (body: Record<string, unknown>) =>
      media('/points/search', { query: near0, using: 'image', ...body });
    assertError(await search({ query: { text: 5 } }), 400, 'INVALID_ARGUMENT', 'query.text');
    assertError(await search({ query: { vector: 'not base64!' } }), 400, 'INVALID_VECTOR', 'query.vector');
    assertError(await search({ query: { vector: [1, 'x'] } }), 400, 'INVALID_VECTOR', 'query.vector[1]');
    assertError(await search({ query: { vectr: near0 } }), 400, 'INVALID_ARGUMENT', 'query.vectr');
    assertError(await search({ query: 5 }), 400, 'INVALID_VECTOR', 'query');
    assertError(await search({ using: 'a b' }), 400, 'INVALID_ARGUMENT', 'using');
    assertError(await search({ fusion: 'max' }), 400, 'INVALID_ARGUMENT', 'fusion');
    assertError(await search({ rrfK: -1 }), 400, 'INVALID_ARGUMENT', 'rrfK');
    assertError(await search({ weights: { vector: -1 } }), 400, 'INVALID_ARGUMENT', 'weights.vector');
    assertError(await search({ weights: { image: 1 } }), 400, 'INVALID_ARGUMENT', 'weights.image');
    assertError(await search({ groupBy: '' }), 400, 'INVALID_ARGUMENT', 'groupBy');
    assertError(await search({ groupBy: 'album', groupSize: 0 }), 400, 'INVALID_ARGUMENT', 'groupSize');
    assertError(await search({ groupBy: 'album', groupSize: 101 }), 400, 'INVALID_ARGUMENT', 'groupSize');
    assertError(await search({ using: 'audio' }), 400, 'INVALID_ARGUMENT');
    assertError(await search({ query: { text: 'x', textField: 'album' } }), 400, 'INVALID_ARGUMENT');
    assertError(
      await search({ filter: { must: [{ key: 'body', match: { text: 5 } }] } }),
      400,
      'INVALID_FILTER',
    );
    const filtered = await search({
      query: { text: 'budget', textField: 'body' },
      filter: { must: [{ key: 'body', match: { text: 'defense' } }] },
    });
    assert.deepEqual(hitIds(filtered.body), [1]);
  });

  test('POST …/points/recommend: ids and vectors as examples; schema errors name the field', async () => {
    const rec = (body: Record<string, unknown>) => media('/points/recommend', { using: 'image', ...body });
    const byId = await rec({ positive: [0], k: 1, withPayload: true });
    assert.equal(byId.status, 200, JSON.stringify(byId.body));
    assert.deepEqual(hitIds(byId.body), [1]);
    assert.deepEqual((byId.body as { hits: WireHit[] }).hits[0].payload?.album, 'first');
    const byVector = await rec({ positive: [{ vector: [1, 0, 0, 0] }], k: 1 });
    assert.deepEqual(hitIds(byVector.body), [0]);
    const bare = await rec({ positive: [[1, 0, 0, 0]], negative: [2], k: 1, strategy: 'best_score' });
    assert.deepEqual(hitIds(bare.body), [0]);
    const b64 = await rec({ positive: [{ vector: encodeVector(Float32Array.from([0, 0, 1, 0])) }], k: 1 });
    assert.deepEqual(hitIds(b64.body), [3]);

    assertError(await rec({}), 400, 'INVALID_ARGUMENT', 'positive');
    assertError(await rec({ positive: [0], strategy: 'median' }), 400, 'INVALID_ARGUMENT', 'strategy');
    assertError(
      await rec({ positive: [{ vector: 'not base64!' }] }),
      400,
      'INVALID_VECTOR',
      'positive[0].vector',
    );
    assertError(await rec({ positive: [0], negative: [[1, 'x']] }), 400, 'INVALID_VECTOR', 'negative[0][1]');
    assertError(await rec({ positive: [0], k: 101 }), 400, 'INVALID_ARGUMENT', 'k');
    assertError(await rec({ positive: [0], groupBy: 'album' }), 400, 'INVALID_ARGUMENT', 'groupBy');
    assertError(await rec({ positive: new Array(21).fill(0) }), 400, 'INVALID_ARGUMENT', 'positive');
    assertError(await rec({ positive: [{ vector: [1, 0, 0] }] }), 400, 'DIMENSION_MISMATCH');
    assertError(
      await call('POST', '/collections/missing/points/recommend', { positive: [0] }),
      404,
      'COLLECTION_NOT_FOUND',
    );
  });

  test('PUT and DELETE …/payload-indexes/{key}', async () => {
    const index = (key: string, body?: unknown) =>
      call('PUT', `/collections/media/payload-indexes/${key}`, body);
    assert.deepEqual((await index('meta.year', { type: 'integer' })).body, { ok: true });
    assert.deepEqual((await index('title', { type: 'text', analyzer: 'simple' })).body, { ok: true });
    const info = (await call('GET', '/collections/media')).body as {
      payloadIndexes: Record<string, unknown>;
    };
    assert.deepEqual(info.payloadIndexes['meta.year'], { type: 'integer' });
    assert.deepEqual(info.payloadIndexes.title, { type: 'text', analyzer: 'simple' });
    assertError(await index('x', { type: 'hologram' }), 400, 'INVALID_ARGUMENT', 'type');
    assertError(await index('x', { type: 'text', analyzer: 'klingon' }), 400, 'INVALID_ARGUMENT', 'analyzer');
    assertError(await index('x', { type: 'keyword', unique: true }), 400, 'INVALID_ARGUMENT', 'unique');
    assertError(await index('x'), 400, 'INVALID_ARGUMENT', 'type');
    assertError(await index('x', { type: 'keyword', analyzer: 'english' }), 400, 'INVALID_ARGUMENT');
    assertError(
      await call('PUT', '/collections/missing/payload-indexes/x', { type: 'keyword' }),
      404,
      'COLLECTION_NOT_FOUND',
    );
    assert.deepEqual((await call('DELETE', '/collections/media/payload-indexes/meta.year')).body, {
      ok: true,
    });
    const after = (await call('GET', '/collections/media')).body as {
      payloadIndexes: Record<string, unknown>;
    };
    assert.ok(!('meta.year' in after.payloadIndexes));
    assertError(
      await call('POST', '/collections/media/payload-indexes/x', { type: 'keyword' }),
      404,
      'NOT_FOUND',
    );
  });

  test('GET /openapi.json documents the new routes, bodies and fields', async () => {
    const doc = (await call('GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
    };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    for (const route of [
      'POST /collections/{name}/points/recommend',
      'PUT /collections/{name}/payload-indexes/{key}',
      'DELETE /collections/{name}/payload-indexes/{key}',
    ]) {
      assert.ok(routes.includes(route), `${route} missing`);
    }
    const text = (value: unknown) => JSON.stringify(value);
    const search = doc.paths['/collections/{name}/points/search'].post;
    for (const field of ['textField', 'using', 'fusion', 'rrfK', 'weights', 'groupBy', 'groupSize']) {
      assert.match(text(search.requestBody), new RegExp(`"${field}"`), `search body documents ${field}`);
    }
    assert.match(text(search.responses['200']), /"groups"/);
    const recommend = doc.paths['/collections/{name}/points/recommend'].post;
    assert.match(text(recommend.requestBody), /"positive".*"negative".*"strategy"/s);
    assert.match(text(recommend.responses['400']), /"code"/);
    const create = doc.paths['/collections/{name}'].put;
    assert.match(text(create.requestBody), /"vectors".*"payloadIndexes"/s);
    assert.match(text(create.responses['201']), /"payloadIndexes"/);
    const upsert = doc.paths['/collections/{name}/points'].put;
    assert.match(text(upsert.requestBody), /"vectors"/);
    const index = doc.paths['/collections/{name}/payload-indexes/{key}'].put;
    assert.match(text(index.requestBody), /"analyzer"/);
  });
});
