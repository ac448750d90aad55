/**
 * Vector fields with an embedding provider through raw HTTP: creating them (the dimension
 * left to the provider; `onnx:`/`openai:` providers only when the server allows them),
 * `inputs` in upserts and searches (texts as they are, images as base64 bytes), and what the
 * server refuses: a string that is not base64 (never read as a path), raw keys outside
 * `inputs`, a bare `text` that would name a server file, inputs over the body limit. Also
 * the mapping of the embedding errors to statuses and back to typed errors in the client, and
 * a full embedding queue answering 503 with `Retry-After`. The providers are `color-histogram`
 * and `hog` (no model to load); images are the `@stdlib` photos.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { errorFromResponse } from '../src/client/errors.js';
import { providerResolver } from '../src/embed/index.js';
import { EmbeddingInputError, EmbeddingModelError } from '../src/embed/provider.js';
import { InvalidArgumentError, Quiver, SeededRandom } from '../src/index.js';
import { loadSettings } from '../src/server/config.js';
import { toErrorResponse } from '../src/server/errors.js';
import { checkProviderPolicy } from '../src/server/provider-policy.js';
import { QuiverServer } from '../src/server/server.js';
import { STDLIB_PHOTOS } from './support/classical-photos.js';
import { tempDir } from './support/reference.js';
import { assertError, http, resultOf, startTestServer, type TestServer } from './support/server.js';

/** Cosine similarity at or above which a search by a photo counts as finding that very photo. */
const SAME_PHOTO = 0.999;
const base64 = (path: string) => readFileSync(path).toString('base64');

/** A PNG of random pixels (it hardly compresses: about 3 bytes a pixel), with a fixed seed. */
async function noisePng(side: number, seed: number): Promise<Buffer> {
  const rng = new SeededRandom(seed);
  const pixels = Buffer.alloc(side * side * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.int(256);
  return sharp(pixels, { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

describe('REST API: vector fields with a provider', () => {
  let s: TestServer;
  const call = (method: string, path: string, body?: unknown) => http(s.url, method, path, body);
  const upsert = (points: unknown[]) => call('PUT', '/collections/photos/points', { points });
  const search = (query: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    call('POST', '/collections/photos/points/search', { ...query, limit: 3, ...extra });
  const count = async () =>
    resultOf<{ count: number }>(await call('POST', '/collections/photos/points/count')).count;

  before(async () => {
    s = await startTestServer({ allowedProviders: ['openai:http://127.0.0.1:9/v1'] });
  });
  after(async () => {
    await s.stop();
  });

  test('PUT /collections/{name}: the dimension comes from the provider; info and the list name the provider', async () => {
    const created = await call('PUT', '/collections/photos', {
      vectors: {
        image: { provider: 'color-histogram', index: { type: 'flat' } },
        tag: { size: 2, distance: 'Euclid' },
      },
      payload_indexes: { caption: 'text' },
    });
    assert.equal(resultOf(created), true);
    const described = resultOf<{
      config: { params: { vectors: Record<string, { size: number; provider?: string }> } };
      quiver: { vectors: Record<string, { dimension: number; provider?: string }> };
    }>(await call('GET', '/collections/photos'));
    const info = described.quiver;
    assert.equal(info.vectors.image.provider, 'color-histogram');
    assert.ok(info.vectors.image.dimension > 0);
    assert.equal(info.vectors.tag.provider, undefined);
    assert.equal(described.config.params.vectors.image.provider, 'color-histogram');
    assert.equal(described.config.params.vectors.image.size, info.vectors.image.dimension);
    const listed = resultOf<{
      collections: { name: string; quiver: { vectors?: Record<string, { provider?: string }> } }[];
    }>(await call('GET', '/collections'));
    const photos = listed.collections.find((c) => c.name === 'photos');
    assert.equal(photos?.quiver.vectors?.image.provider, 'color-histogram');

    const create = (field: unknown) => call('PUT', '/collections/never', { vectors: { image: field } });
    assertError(
      await create({ provider: 'color-histogram', size: info.vectors.image.dimension + 1 }),
      400,
      'DIMENSION_MISMATCH',
    );
    assertError(await create({ provider: 'no-such-provider' }), 400, 'INVALID_ARGUMENT');
    assertError(await create({ provider: '' }), 400, 'INVALID_ARGUMENT', 'vectors.image.provider');
    assertError(await create({ provider: 'color-histogram', store_input: 'yes' }), 400, 'INVALID_ARGUMENT');
    assertError(await create({ distance: 'Cosine' }), 400, 'INVALID_ARGUMENT');
    // A folder or URL of the server's choosing only when the server allows it.
    const located = await create({ provider: 'onnx:/etc' });
    assertError(located, 400, 'INVALID_ARGUMENT');
    assert.match(JSON.stringify(located.body), /not enabled on this server/);
    assertError(
      await create({ provider: 'glove-100', provider_options: { cacheDir: '/tmp' } }),
      400,
      'INVALID_ARGUMENT',
    );
    assertError(await call('GET', '/collections/never'), 404, 'COLLECTION_NOT_FOUND');
  });

  test(`PUT …/points with inputs (base64 bytes), then a search by inputs finds the photo first (score >= ${SAME_PHOTO})`, async () => {
    const points = STDLIB_PHOTOS.map((path, i) => ({
      id: i,
      inputs: { image: base64(path) },
      payload: { caption: `photo ${i}` },
    }));
    const answer = await upsert(points);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(resultOf<{ status: string }>(answer).status, 'completed');
    for (const i of [0, 4, 8]) {
      const found = await search({ inputs: { image: base64(STDLIB_PHOTOS[i]) } });
      assert.equal(found.status, 200, JSON.stringify(found.body));
      const [best] = resultOf<{ id: number; score: number }[]>(found);
      assert.equal(best.id, i);
      assert.ok(best.score >= SAME_PHOTO, `score ${best.score}`);
    }
    const hybrid = await search(
      { inputs: { image: base64(STDLIB_PHOTOS[5]) }, text: 'photo 5', text_field: 'caption' },
      { with_payload: true },
    );
    assert.equal(resultOf<{ id: number }[]>(hybrid)[0].id, 5);
    const stored = await call('POST', '/collections/photos/points', { ids: [0] });
    assert.deepEqual(resultOf(stored), [{ id: 0, payload: { caption: 'photo 0' } }], 'bytes are not stored');
  });

  test('an image input is base64 bytes, never a path: anything else is a 400 and writes nothing', async () => {
    const before = await count();
    // Photo 2 is 171,368 bytes: its base64 ends in padding.
    const photo = base64(STDLIB_PHOTOS[2]);
    assert.ok(photo.endsWith('='));
    const good = { id: 'good', inputs: { image: photo } };
    const notBase64 = [
      STDLIB_PHOTOS[1],
      '/etc/passwd',
      `data:image/jpeg;base64,${photo}`,
      `${photo.slice(0, 76)}\n${photo.slice(76)}`,
      photo.replaceAll('+', '-').replaceAll('/', '_'),
      photo.replace(/=+$/, ''),
    ];
    for (const image of notBase64) {
      assertError(
        await upsert([good, { id: 'bad', inputs: { image } }]),
        400,
        'INVALID_ARGUMENT',
        'points[1].inputs.image',
      );
      assertError(await search({ inputs: { image } }), 400, 'INVALID_ARGUMENT', 'inputs.image');
    }
    const notAnImage = Buffer.from('these bytes are not an image').toString('base64');
    assertError(await upsert([good, { id: 'bad', inputs: { image: notAnImage } }]), 400, 'EMBEDDING_INPUT');
    assertError(await search({ inputs: { image: notAnImage } }), 400, 'EMBEDDING_INPUT');
    // Raw keys outside `inputs` are unknown properties: the server never reads a path a client names.
    assertError(
      await upsert([{ id: 'bad', image: STDLIB_PHOTOS[1] }]),
      400,
      'INVALID_ARGUMENT',
      'points[0].image',
    );
    assertError(await search({ image: STDLIB_PHOTOS[1] }), 400, 'INVALID_ARGUMENT');
    const refused: [string, unknown[], string?][] = [
      ['an unknown field', [good, { id: 'bad', inputs: { imag: photo } }]],
      ['a field without a provider', [good, { id: 'bad', inputs: { tag: 'x' } }]],
      ['an empty input', [good, { id: 'bad', inputs: { image: '' } }], 'points[1].inputs.image'],
      ['a number', [good, { id: 'bad', inputs: { image: 7 } }], 'points[1].inputs.image'],
      ['no field', [good, { id: 'bad', inputs: {} }], 'points[1].inputs'],
      [
        'an input and a vector for one field',
        [{ id: 'bad', inputs: { image: photo }, vector: { image: [1, 2] } }],
      ],
    ];
    for (const [label, points, path] of refused) {
      const answer = await upsert(points);
      assert.equal(answer.status, 400, `${label}: ${JSON.stringify(answer.body)}`);
      assertError(answer, 400, 'INVALID_ARGUMENT', path);
    }
    assertError(await search({ inputs: { image: photo, tag: 'x' } }), 400, 'INVALID_ARGUMENT', 'inputs');
    assertError(await search({ inputs: { image: photo }, vector: [1, 2] }), 400, 'INVALID_ARGUMENT');
    assert.equal(await count(), before);
    assert.deepEqual(
      resultOf(await call('POST', '/collections/photos/points', { ids: ['good', 'bad'] })),
      [],
    );
  });

  test('a bare text is never read as a path; a provider field cannot take the name of a request property', async () => {
    assertError(
      await call('PUT', '/collections/named', {
        vectors: { text: { provider: 'color-histogram' }, payload: { provider: 'color-histogram' } },
      }),
      400,
      'INVALID_ARGUMENT',
      'vectors.payload',
    );
    const created = await call('PUT', '/collections/named', {
      vectors: { text: { provider: 'color-histogram' } },
    });
    assert.equal(resultOf(created), true);
    const photo = base64(STDLIB_PHOTOS[2]);
    const put = (points: unknown[]) => call('PUT', '/collections/named/points', { points });
    const find = (query: Record<string, unknown>) => call('POST', '/collections/named/points/search', query);
    assert.equal((await put([{ id: 1, inputs: { text: photo } }])).status, 200);
    // In-process, `{ text: path }` reads the file; over HTTP the path would be the server's.
    const bare = await find({ text: STDLIB_PHOTOS[2] });
    assertError(bare, 400, 'INVALID_ARGUMENT');
    assert.match((bare.body as { status: { error: string } }).status.error, /takes images/);
    const byBytes = await find({ inputs: { text: photo } });
    assert.equal(resultOf<{ id: number }[]>(byBytes)[0].id, 1);
    assertError(
      await find({ inputs: { text: photo }, text: 'x', text_field: 'caption' }),
      400,
      'INVALID_ARGUMENT',
    );
    assert.deepEqual(resultOf(await call('POST', '/collections/named/points/count')), { count: 1 });
    await call('DELETE', '/collections/named');
  });

  test('an image of a few MB fits the default body limit (base64: 4/3 of the file); past a set limit, 413', async () => {
    const png = await noisePng(1100, 3);
    assert.ok(png.length > 3_000_000, `${png.length} bytes`);
    const answer = await upsert([{ id: 'large', inputs: { image: png.toString('base64') } }]);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const found = await search({ inputs: { image: png.toString('base64') } });
    assert.equal(resultOf<{ id: string }[]>(found)[0].id, 'large');
    const small = await startTestServer({ limits: { bodyBytes: 1024 * 1024 } });
    try {
      await http(small.url, 'PUT', '/collections/c', { vectors: { image: { provider: 'color-histogram' } } });
      const over = await http(small.url, 'PUT', '/collections/c/points', {
        points: [{ id: 1, inputs: { image: png.toString('base64') } }],
      });
      assertError(over, 413, 'PAYLOAD_TOO_LARGE');
    } finally {
      await small.stop();
    }
  });

  test('a base64 vector longer than the largest dimension is a 400, not a stack overflow', async () => {
    const huge = Buffer.alloc(6_000_000).toString('base64');
    assertError(
      await call('PUT', '/collections/photos/points', { points: [{ id: 1, vector: { tag: huge } }] }),
      400,
      'INVALID_VECTOR',
    );
  });

  test('GET /openapi.json documents providers and inputs', async () => {
    const doc = (await call('GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
    };
    const text = (value: unknown) => JSON.stringify(value);
    const create = text(doc.paths['/collections/{name}'].put.requestBody);
    for (const field of ['"provider"', '"provider_options"', '"store_input"'])
      assert.ok(create.includes(field));
    assert.match(text(doc.paths['/collections/{name}'].get.responses['200']), /"provider"/);
    const upsertDoc = doc.paths['/collections/{name}/points'].put;
    assert.match(text(upsertDoc.requestBody), /"inputs".*base64/s);
    assert.match(text(upsertDoc), /bodyBytes/);
    assert.match(text(doc.paths['/collections/{name}/points/search'].post.requestBody), /"inputs"/);
  });
});

describe('embedding errors', () => {
  test('EMBEDDING_INPUT is a 400 with its message; EMBEDDING_MODEL a 500 that hides the server files', () => {
    const input = toErrorResponse(
      new EmbeddingInputError('input 0: cannot decode image 9-byte buffer'),
      {},
      1024,
    );
    assert.equal(input.status, 400);
    assert.deepEqual(input.body, {
      status: { error: 'input 0: cannot decode image 9-byte buffer', code: 'EMBEDDING_INPUT' },
      time: 0,
    });
    const model = toErrorResponse(new EmbeddingModelError('cannot read /srv/secret/model.onnx'), {}, 1024);
    assert.equal(model.status, 500);
    assert.equal(model.body.status.code, 'EMBEDDING_MODEL');
    assert.doesNotMatch(model.body.status.error, /secret/);
  });

  test('the client raises the same typed errors', () => {
    const error = (code: string) => ({ status: { error: 'm', code }, time: 0 });
    assert.ok(errorFromResponse(400, error('EMBEDDING_INPUT')) instanceof EmbeddingInputError);
    assert.ok(errorFromResponse(500, error('EMBEDDING_MODEL')) instanceof EmbeddingModelError);
  });

  test('provider policy: onnx: and openai: providers only as listed, no server folders in options', async () => {
    const field = (provider: string, providerOptions?: Record<string, unknown>) => ({
      vectors: { f: { provider, providerOptions } },
    });
    checkProviderPolicy(field('mobilenet-v2', { inputSize: 128 }), []);
    checkProviderPolicy(field('onnx:/srv/models/minilm'), ['onnx:/srv/models/minilm']);
    assert.throws(
      () => checkProviderPolicy(field('onnx:/srv/models/other'), ['onnx:/srv/models/minilm']),
      InvalidArgumentError,
    );
    assert.throws(() => checkProviderPolicy(field('openai:http://10.0.0.1/v1'), []), InvalidArgumentError);
    assert.throws(() => checkProviderPolicy(field('glove-100', { cacheDir: '/' }), []), InvalidArgumentError);
    assert.throws(
      () => checkProviderPolicy(field('orb-bovw', { vocabulary: '/srv/photos.qvoc' }), []),
      InvalidArgumentError,
    );
    const dir = tempDir();
    const file = join(dir.path, 'quiver.json');
    writeFileSync(file, JSON.stringify({ allowedProviders: ['onnx:/srv/models/minilm'] }));
    assert.deepEqual((await loadSettings(file, {})).allowedProviders, ['onnx:/srv/models/minilm']);
    assert.deepEqual((await loadSettings(undefined, {})).allowedProviders, []);
    writeFileSync(file, JSON.stringify({ allowedProviders: ['mobilenet-v2'] }));
    await assert.rejects(loadSettings(file, {}), InvalidArgumentError);
    dir.cleanup();
  });
});

describe('REST API: a full embedding queue', () => {
  test('an upsert beyond the provider queue bound answers 503 OVERLOADED with Retry-After; it succeeds when retried', async () => {
    const dir = tempDir('quiver-server-overload-');
    const db = await Quiver.open(dir.path, { embedders: providerResolver({ workers: 1, queueLimit: 1 }) });
    const server = await QuiverServer.create(db, { logLevel: 'error' });
    const url = await server.listen('127.0.0.1', 0);
    try {
      const call = (method: string, path: string, body?: unknown) => http(url, method, path, body);
      assert.equal(
        (await call('PUT', '/collections/photos', { vectors: { image: { provider: 'hog' } } })).status,
        200,
      );
      const photo = (i: number) => ({
        id: i,
        inputs: { image: base64(STDLIB_PHOTOS[i % STDLIB_PHOTOS.length]) },
      });
      // Whichever reaches the provider second finds the only place in the queue taken.
      const bodies = [{ points: Array.from({ length: 36 }, (_, i) => photo(i)) }, { points: [photo(100)] }];
      const answers = await Promise.all(
        bodies.map((body) => call('PUT', '/collections/photos/points', body)),
      );
      assert.deepEqual(
        answers.map((a) => a.status).sort(),
        [200, 503],
        JSON.stringify(answers.map((a) => a.body)),
      );
      const refused = answers.findIndex((a) => a.status === 503);
      assertError(answers[refused], 503, 'OVERLOADED');
      assert.equal(answers[refused].headers.get('retry-after'), '1');
      assert.equal((await call('PUT', '/collections/photos/points', bodies[refused])).status, 200);
      assert.equal(
        resultOf<{ count: number }>(await call('POST', '/collections/photos/points/count')).count,
        37,
      );
    } finally {
      await server.close();
      await db.close();
      dir.cleanup();
    }
  });
});
