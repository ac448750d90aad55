/**
 * Security of the server: API keys (none, wrong, read-only, admin; both headers), which
 * routes are public, collection names that try to escape (`..`, `/`, `\`, control
 * characters), the refusal to listen beyond loopback without a key, and the settings file.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AuthenticationError, connect, PermissionDeniedError } from '../src/client/index.js';
import { InvalidArgumentError } from '../src/errors.js';
import { ApiKeys, isLoopback } from '../src/server/auth.js';
import { loadSettings } from '../src/server/config.js';
import { tempDir } from './support/reference.js';
import { assertError, http, resultOf, startTestServer, type TestServer } from './support/server.js';

const BIN = fileURLToPath(new URL('../../bin/quiver.js', import.meta.url));
const ADMIN = 'admin-key-0123456789';
const READER = 'reader-key-0123456789';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('API keys', () => {
  let s: TestServer;
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    http(s.url, method, path, body, headers);

  before(async () => {
    s = await startTestServer({ keys: { admin: [ADMIN], readOnly: ['other-reader', READER] } });
    const made = await call(
      'PUT',
      '/collections/docs',
      { vectors: { size: 2, distance: 'Euclid' } },
      bearer(ADMIN),
    );
    assert.equal(made.status, 200);
    await call('PUT', '/collections/docs/points', { points: [{ id: 1, vector: [1, 0] }] }, bearer(ADMIN));
  });
  after(async () => {
    await s.stop();
  });

  const reads: [string, string, unknown][] = [
    ['GET', '/collections', undefined],
    ['GET', '/collections/docs', undefined],
    ['POST', '/collections/docs/points/search', { vector: [1, 0] }],
    ['POST', '/collections/docs/points/search/batch', { searches: [{ vector: [1, 0] }] }],
    ['POST', '/collections/docs/points/query', { query: [1, 0] }],
    ['GET', '/collections/docs/exists', undefined],
    ['GET', '/collections/docs/points/1', undefined],
    ['POST', '/collections/docs/points/range', { vector: [1, 0], score_threshold: 1 }],
    ['POST', '/collections/docs/points', { ids: [1] }],
    ['POST', '/collections/docs/points/count', {}],
    ['POST', '/collections/docs/points/scroll', {}],
    ['POST', '/collections/docs/points/recommend', { positive: [1] }],
    ['GET', '/metrics', undefined],
  ];
  const writes: [string, string, unknown][] = [
    ['PUT', '/collections/new', { vectors: { size: 2, distance: 'Dot' } }],
    ['PATCH', '/collections/docs', {}],
    ['DELETE', '/collections/docs', undefined],
    ['PUT', '/collections/docs/points', { points: [{ id: 2, vector: [0, 1] }] }],
    ['POST', '/collections/docs/points/delete', { points: [1] }],
    ['POST', '/collections/docs/points/payload', { payload: { a: 1 }, points: [1] }],
    ['PUT', '/collections/docs/points/payload', { payload: { a: 1 }, points: [1] }],
    ['POST', '/collections/docs/points/payload/delete', { keys: ['a'], points: [1] }],
    ['POST', '/collections/docs/points/payload/clear', { points: [1] }],
    ['POST', '/collections/docs/flush', undefined],
    ['POST', '/collections/docs/compact', undefined],
    ['PUT', '/collections/docs/index', { field_name: 'tag', field_schema: 'keyword' }],
    ['DELETE', '/collections/docs/index/tag', undefined],
  ];

  test('without a key or with a wrong one, every data route is 401', async () => {
    for (const [method, path, body] of [...reads, ...writes]) {
      const none = await call(method, path, body);
      assertError(none, 401, 'UNAUTHORIZED');
      assert.equal(none.headers.get('www-authenticate'), 'Bearer');
      for (const headers of [
        bearer('wrong'),
        bearer(`${ADMIN}x`),
        bearer(ADMIN.slice(0, -1)),
        { 'api-key': 'wrong' },
        { authorization: ADMIN },
        { authorization: `Basic ${ADMIN}` },
      ]) {
        assertError(await call(method, path, body, headers), 401, 'UNAUTHORIZED');
      }
    }
    assertError(await call('GET', '/no-such-route'), 401, 'UNAUTHORIZED');
  });

  test('a read-only key reads and gets 403 on every write; the data is unchanged', async () => {
    for (const [method, path, body] of reads) {
      const result = await call(method, path, body, bearer(READER));
      assert.equal(result.status, 200, `${method} ${path}: ${JSON.stringify(result.body)}`);
    }
    for (const [method, path, body] of writes) {
      assertError(await call(method, path, body, bearer(READER)), 403, 'FORBIDDEN');
      assertError(await call(method, path, body, { 'api-key': READER }), 403, 'FORBIDDEN');
    }
    assert.deepEqual(resultOf(await call('POST', '/collections/docs/points/count', {}, bearer(ADMIN))), {
      count: 1,
    });
    assert.deepEqual(resultOf(await call('GET', '/collections', undefined, bearer(ADMIN))), {
      collections: [{ name: 'docs', quiver: { dimension: 2, metric: 'l2' } }],
    });
  });

  test('the admin key may write, through either header', async () => {
    const upsert = { points: [{ id: 2, vector: [0, 1] }] };
    assert.equal((await call('PUT', '/collections/docs/points', upsert, bearer(ADMIN))).status, 200);
    assert.equal((await call('PUT', '/collections/docs/points', upsert, { 'api-key': ADMIN })).status, 200);
    assert.equal(
      (await call('PUT', '/collections/docs/points', upsert, { authorization: `bearer  ${ADMIN}` })).status,
      200,
    );
  });

  test('health, readiness and the API description are public', async () => {
    for (const path of ['/', '/healthz', '/readyz', '/openapi.json', '/docs']) {
      assert.equal((await call('GET', path)).status, 200, path);
    }
  });

  test('the client: a wrong key fails at connect, a read-only key cannot write', async () => {
    await assert.rejects(connect(s.url), AuthenticationError);
    await assert.rejects(connect(s.url, { apiKey: 'wrong' }), AuthenticationError);
    const reader = await connect(s.url, { apiKey: READER });
    const docs = reader.collection('docs');
    assert.equal((await docs.search([1, 0], { k: 1 }))[0].id, 1);
    await assert.rejects(docs.upsert([{ id: 3, vector: [1, 1] }]), PermissionDeniedError);
    await assert.rejects(reader.dropCollection('docs'), PermissionDeniedError);
    await assert.rejects(reader.createCollection('x', { dimension: 2 }), PermissionDeniedError);
    await assert.rejects(docs.createPayloadIndex('tag', 'keyword'), PermissionDeniedError);
    await assert.rejects(docs.dropPayloadIndex('tag'), PermissionDeniedError);
    await reader.close();
    const admin = await connect(s.url, { apiKey: ADMIN });
    assert.equal(await admin.collection('docs').count(), 2);
    await admin.close();
  });
});

describe('collection names that try to escape are 400', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.stop();
  });

  const names = [
    '..',
    '.',
    '..%2F..%2Fetc',
    'a%2Fb',
    'a%5Cb',
    '%00',
    'a%0Ab',
    'a%7F',
    '%E2%80%AE',
    'x'.repeat(65),
    'a b'.replace(' ', '%20'),
  ];
  test('on create, describe, drop and every points route', async () => {
    for (const name of names) {
      for (const [method, suffix, body] of [
        ['PUT', '', { vectors: { size: 2, distance: 'Dot' } }],
        ['GET', '', undefined],
        ['DELETE', '', undefined],
        ['PUT', '/points', { points: [] }],
        ['POST', '/points/search', { vector: [1, 0] }],
        ['POST', '/points/query', { query: [1, 0] }],
        ['POST', '/flush', undefined],
      ] as const) {
        const result = await http(s.url, method, `/collections/${name}${suffix}`, body);
        // `.` and `..` are resolved away by URL normalization before they reach the server: a
        // 404 route, or `GET /` (the server's name), never a collection.
        if (name === '.' || name === '..') {
          assert.ok([200, 400, 404].includes(result.status), `${name}: ${result.status}`);
          if (result.status === 200)
            assert.equal((result.body as { title?: string }).title, 'quiver - vector search engine');
        } else assertError(result, 400, 'INVALID_ARGUMENT', 'name');
      }
    }
    assert.deepEqual(resultOf(await http(s.url, 'GET', '/collections')), { collections: [] });
  });

  test('raw `..` path segments never reach a collection', async () => {
    const { request } = await import('node:http');
    const url = new URL(s.url);
    for (const path of ['/collections/../healthz', '/collections/..', '/collections/%2E%2E']) {
      const status = await new Promise<number>((resolve, reject) => {
        const req = request({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      assert.ok(status === 400 || status === 404, `${path}: ${status}`);
    }
  });
});

describe('listening beyond loopback', () => {
  test('isLoopback', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])
      assert.ok(isLoopback(host), host);
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com', '10.0.0.1']) {
      assert.ok(!isLoopback(host), host);
    }
  });

  test('`quiver serve --host 0.0.0.0` without a key refuses with exit code 2 and says why', async () => {
    const dir = tempDir();
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [BIN, '--data', dir.path, 'serve', '--host', '0.0.0.0', '--port', '0'],
        {
          env: { ...process.env, QUIVER_API_KEY: undefined, QUIVER_READ_ONLY_API_KEYS: undefined },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr }));
    });
    dir.cleanup();
    assert.equal(result.code, 2);
    assert.match(result.stderr, /refusing to listen on 0\.0\.0\.0 without an API key/);
  });
});

describe('settings', () => {
  test('keys from the environment and the config file are all accepted; limits merge with defaults', async () => {
    const dir = tempDir();
    const file = join(dir.path, 'quiver.json');
    writeFileSync(
      file,
      JSON.stringify({ apiKeys: { admin: ['file-admin'], readOnly: ['r3'] }, limits: { k: 50 } }),
    );
    const settings = await loadSettings(file, {
      QUIVER_API_KEY: 'env-admin',
      QUIVER_READ_ONLY_API_KEYS: ' r1, ,r2 ',
    });
    assert.deepEqual(settings.keys, { admin: ['env-admin', 'file-admin'], readOnly: ['r1', 'r2', 'r3'] });
    assert.equal(settings.limits.k, 50);
    assert.equal(settings.limits.upsertPoints, 10_000);
    writeFileSync(file, JSON.stringify({ apiKeys: { admin: [''] } }));
    await assert.rejects(loadSettings(file, {}), InvalidArgumentError);
    writeFileSync(file, JSON.stringify({ apikeys: {} }));
    await assert.rejects(loadSettings(file, {}), /apikeys/);
    writeFileSync(file, '{ not json');
    await assert.rejects(loadSettings(file, {}), InvalidArgumentError);
    dir.cleanup();
  });

  test('keys compare by digest: equal keys match, near misses and other lengths do not', () => {
    const keys = new ApiKeys({ admin: ['a'.repeat(40)], readOnly: ['short'] });
    assert.equal(keys.roleOf('a'.repeat(40)), 'admin');
    assert.equal(keys.roleOf('short'), 'read-only');
    for (const wrong of ['a'.repeat(39), 'a'.repeat(41), 'shorT', '', 'short '])
      assert.equal(keys.roleOf(wrong), undefined);
  });
});
