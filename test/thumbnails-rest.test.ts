/**
 * Thumbnails over REST, as the web console uses them: a `mobilenet-v2` field created with
 * `store_input: "thumbnail"` (listed in the collection's info), the @stdlib photos upserted as
 * base64 `inputs`, `GET /collections/{c}/points/{id}/thumbnail/{field}` answering
 * `image/webp` (with an ETag and 304) to a read-only key, 404 `THUMBNAIL_NOT_FOUND` when
 * there is none, 400 for a field without thumbnails; a search by a dropped image (base64
 * `inputs`) finding that photo first; the client's `thumbnail()`; the route's metrics label
 * and OpenAPI entry.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { connect } from '../src/client/index.js';
import { InvalidArgumentError } from '../src/index.js';
import { STDLIB_PHOTOS } from './support/classical-photos.js';
import { assertError, http, resultOf, startTestServer, type TestServer } from './support/server.js';

const ADMIN = 'admin-key-thumbnails';
const READER = 'reader-key-thumbnails';
/** Cosine similarity at or above which a search by a photo counts as finding that very photo. */
const SAME_PHOTO = 0.999;
const base64 = (path: string) => readFileSync(path).toString('base64');

describe('REST API: thumbnails', () => {
  let s: TestServer;
  const as =
    (key: string) =>
    (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
      http(s.url, method, path, body, { authorization: `Bearer ${key}`, ...headers });
  const admin = as(ADMIN);
  const reader = as(READER);
  /** A thumbnail's raw answer (the helper would parse text; bytes are needed here). */
  const fetchThumbnail = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${s.url}/collections/photos/points/${path}`, {
      headers: { authorization: `Bearer ${READER}`, ...headers },
    });

  before(async () => {
    s = await startTestServer({ keys: { admin: [ADMIN], readOnly: [READER] } });
  });
  after(async () => {
    await s.stop();
  });

  test('store_input: "thumbnail" is accepted for an image provider and shown in the info and the list', async () => {
    const created = await admin('PUT', '/collections/photos', {
      vectors: {
        image: {
          provider: 'mobilenet-v2',
          provider_options: { inputSize: 96 },
          store_input: 'thumbnail',
          index: { type: 'flat' },
        },
      },
      payload_indexes: { n: 'integer' },
    });
    assert.equal(resultOf(created), true);
    const info = resultOf<{
      config: { params: { vectors: Record<string, { store_input?: unknown }> } };
      quiver: { vectors: Record<string, { store_input?: unknown }> };
    }>(await reader('GET', '/collections/photos'));
    assert.equal(info.config.params.vectors.image.store_input, 'thumbnail');
    assert.equal(info.quiver.vectors.image.store_input, 'thumbnail');
    const listed = resultOf<{
      collections: { name: string; quiver: { vectors: Record<string, unknown> } }[];
    }>(await reader('GET', '/collections'));
    const photos = listed.collections.find((c) => c.name === 'photos');
    assert.deepEqual(photos?.quiver.vectors.image, {
      dimension: 1280,
      metric: 'cosine',
      provider: 'mobilenet-v2',
      store_input: 'thumbnail',
    });
    const bad = await admin('PUT', '/collections/words', {
      vectors: { w: { provider: 'glove-100', store_input: 'thumbnail' } },
    });
    assertError(bad, 400, 'INVALID_ARGUMENT');
  });

  test('photos upserted as base64 inputs are served as image/webp of at most 256 px to a read-only key', async () => {
    const points = STDLIB_PHOTOS.map((path, n) => ({
      id: n,
      inputs: { image: base64(path) },
      payload: { n },
    }));
    resultOf(await admin('PUT', '/collections/photos/points', { points }));
    const answer = await fetchThumbnail('3/thumbnail/image');
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('content-type'), 'image/webp');
    const bytes = Buffer.from(await answer.arrayBuffer());
    const meta = await sharp(bytes).metadata();
    assert.equal(meta.format, 'webp');
    assert.ok(Math.max(meta.width!, meta.height!) <= 256);
    assert.deepEqual(bytes, await s.db.collection('photos').thumbnail(3, 'image'), 'the engine’s bytes');

    const etag = answer.headers.get('etag');
    assert.ok(etag);
    const again = await fetchThumbnail('3/thumbnail/image', { 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal((await again.arrayBuffer()).byteLength, 0);
    const unauthenticated = await http(s.url, 'GET', '/collections/photos/points/3/thumbnail/image');
    assertError(unauthenticated, 401, 'UNAUTHORIZED');
  });

  test('no thumbnail is 404 THUMBNAIL_NOT_FOUND; a field without thumbnails is 400; no collection is 404', async () => {
    assertError(
      await reader('GET', '/collections/photos/points/999/thumbnail/image'),
      404,
      'THUMBNAIL_NOT_FOUND',
    );
    assertError(
      await reader('GET', '/collections/photos/points/abc/thumbnail/image'),
      404,
      'THUMBNAIL_NOT_FOUND',
    );
    resultOf(await admin('POST', '/collections/photos/points/delete', { points: [8] }));
    assertError(
      await reader('GET', '/collections/photos/points/8/thumbnail/image'),
      404,
      'THUMBNAIL_NOT_FOUND',
    );
    assertError(await reader('GET', '/collections/photos/points/3/thumbnail/other'), 400, 'INVALID_ARGUMENT');
    assertError(
      await reader('GET', '/collections/nope/points/3/thumbnail/image'),
      404,
      'COLLECTION_NOT_FOUND',
    );
  });

  test('a search by an image in base64 inputs finds that photo first, and its hit has a thumbnail', async () => {
    const answer = await reader('POST', '/collections/photos/points/search', {
      inputs: { image: base64(STDLIB_PHOTOS[5]) },
      limit: 3,
      with_payload: true,
      filter: { must: [{ key: 'n', range: { gte: 2 } }] },
      params: { hnsw_ef: 64 },
    });
    const hits = resultOf<{ id: number; score: number; payload: { n: number } }[]>(answer);
    assert.equal(hits[0].id, 5);
    assert.ok(hits[0].score >= SAME_PHOTO, `score ${hits[0].score}`);
    assert.deepEqual(hits[0].payload, { n: 5 });
    for (const hit of hits) assert.equal((await fetchThumbnail(`${hit.id}/thumbnail/image`)).status, 200);
  });

  test('the client reads thumbnails (undefined when there is none) and the info names the setting', async () => {
    const db = await connect(s.url, { apiKey: READER });
    const photos = db.collection('photos');
    assert.deepEqual(
      await photos.thumbnail(2, 'image'),
      await s.db.collection('photos').thumbnail(2, 'image'),
    );
    assert.equal(await photos.thumbnail(8, 'image'), undefined);
    assert.equal(await photos.thumbnail(999, 'image'), undefined);
    await assert.rejects(photos.thumbnail(2, 'other'), InvalidArgumentError);
    assert.equal((await photos.info()).vectors?.image.storeInput, 'thumbnail');
    await db.close();
  });

  test("a collection created by the client with storeInput: 'thumbnail' keeps thumbnails of local paths", async () => {
    const db = await connect(s.url, { apiKey: ADMIN });
    const local = await db.createCollection('local', {
      vectors: { image: { provider: 'color-histogram', storeInput: 'thumbnail' } },
    });
    await local.upsert([{ id: 'p', image: STDLIB_PHOTOS[4] }]);
    const webp = await local.thumbnail('p', 'image');
    assert.deepEqual(webp, await s.db.collection('local').thumbnail('p', 'image'));
    assert.equal((await sharp(webp).metadata()).format, 'webp');
    await db.dropCollection('local');
    await db.close();
  });

  test('the route has its own metrics label and an OpenAPI entry', async () => {
    const metrics = await reader('GET', '/metrics');
    assert.match(
      String(metrics.body),
      /quiver_http_requests_total\{method="GET",route="\/collections\/:name\/points\/:id\/thumbnail\/:field",status="200"\}/,
    );
    const doc = (await http(s.url, 'GET', '/openapi.json')).body as { paths: Record<string, unknown> };
    assert.ok(doc.paths['/collections/{name}/points/{id}/thumbnail/{field}']);
  });
});
