/**
 * JWT bearer tokens (Qdrant's RBAC claims): global `r` / `m`, per-collection `r` / `rw`,
 * the list of collections cut to a token's, manage-only routes, and every way a token is
 * not valid (expired, forged, `alg: none`, another algorithm, no `exp`, tampered claims,
 * claims that do not parse, `value_exists` no longer holding) — 401 or 403 in the one
 * error shape; the secret's default (the admin keys) and `quiverdb/client` with a token.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { AuthenticationError, connect, PermissionDeniedError } from '../src/client/index.js';
import { nowSeconds as NOW, JWT_SECRET as SECRET, token } from './support/jwt.js';
import { assertError, http, resultOf, startTestServer, type TestServer } from './support/server.js';

const ADMIN = 'admin-key-jwt-0123456789';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('JWT bearer tokens', () => {
  let s: TestServer;
  const as = (credential: string | undefined) => (method: string, path: string, body?: unknown) =>
    http(
      s.url,
      method,
      path,
      body,
      credential === undefined ? {} : { authorization: `Bearer ${credential}` },
    );

  before(async () => {
    s = await startTestServer({ keys: { admin: [ADMIN], readOnly: [], jwtSecret: SECRET } });
    const admin = as(ADMIN);
    for (const name of ['docs', 'other', 'users']) {
      resultOf(await admin('PUT', `/collections/${name}`, { vectors: { size: 2, distance: 'Euclid' } }));
      resultOf(
        await admin('PUT', `/collections/${name}/points`, {
          points: [
            { id: 1, vector: [1, 0], payload: { user: 'u1' } },
            { id: 2, vector: [0, 1], payload: { user: 'u2' } },
          ],
        }),
      );
    }
  });
  after(async () => {
    await s.stop();
  });

  test('a global "m" token may do everything, a global "r" token may only read', async () => {
    const manage = as(await token({ access: 'm' }));
    resultOf(await manage('PUT', '/collections/made', { vectors: { size: 2, distance: 'Dot' } }));
    resultOf(await manage('DELETE', '/collections/made'));
    const read = as(await token({ access: 'r' }));
    assert.equal(
      resultOf<unknown[]>(await read('POST', '/collections/other/points/search', { vector: [1, 0] })).length,
      2,
    );
    assert.equal((await read('GET', '/metrics')).status, 200);
    assertError(
      await read('PUT', '/collections/docs/points', { points: [{ id: 3, vector: [1, 1] }] }),
      403,
      'FORBIDDEN',
    );
    assertError(await read('DELETE', '/collections/docs'), 403, 'FORBIDDEN');
  });

  test('a token without an access claim has full access (Qdrant’s default)', async () => {
    const full = as(await token({}));
    resultOf(await full('POST', '/collections/docs/flush'));
  });

  test('a collection "r" token reads its collection only, and writes nothing', async () => {
    const reader = as(await token({ access: [{ collection: 'docs', access: 'r' }] }));
    const hits = resultOf<{ id: number }[]>(
      await reader('POST', '/collections/docs/points/search', { vector: [1, 0] }),
    );
    assert.deepEqual(
      hits.map((h) => h.id),
      [1, 2],
    );
    assert.equal(
      resultOf<{ count: number }>(await reader('POST', '/collections/docs/points/count', {})).count,
      2,
    );
    assertError(
      await reader('POST', '/collections/other/points/search', { vector: [1, 0] }),
      403,
      'FORBIDDEN',
    );
    assertError(await reader('GET', '/collections/other'), 403, 'FORBIDDEN');
    assertError(await reader('GET', '/collections/other/exists'), 403, 'FORBIDDEN');
    assertError(
      await reader('PUT', '/collections/docs/points', { points: [{ id: 3, vector: [1, 1] }] }),
      403,
      'FORBIDDEN',
    );
    assertError(await reader('POST', '/collections/docs/points/delete', { points: [1] }), 403, 'FORBIDDEN');
    assertError(await reader('GET', '/metrics'), 403, 'FORBIDDEN');
    assertError(await reader('GET', '/no/such/route'), 404, 'NOT_FOUND');
    const listed = resultOf<{ collections: { name: string }[] }>(await reader('GET', '/collections'));
    assert.deepEqual(
      listed.collections.map((c) => c.name),
      ['docs'],
      'the list shows only the token’s collections',
    );
  });

  test('a collection "rw" token writes points there, but cannot create, change or drop collections', async () => {
    const writer = as(
      await token({
        access: [
          { collection: 'docs', access: 'rw' },
          { collection: 'other', access: 'r' },
        ],
      }),
    );
    resultOf(
      await writer('PUT', '/collections/docs/points', {
        points: [{ id: 3, vector: [1, 1], payload: { user: 'u3' } }],
      }),
    );
    resultOf(await writer('PUT', '/collections/docs/index', { field_name: 'user', field_schema: 'keyword' }));
    resultOf(await writer('POST', '/collections/docs/points/delete', { points: [3] }));
    assertError(
      await writer('PUT', '/collections/other/points', { points: [{ id: 3, vector: [1, 1] }] }),
      403,
      'FORBIDDEN',
    );
    assertError(await writer('DELETE', '/collections/docs'), 403, 'FORBIDDEN');
    assertError(await writer('PATCH', '/collections/docs', {}), 403, 'FORBIDDEN');
    assertError(
      await writer('PUT', '/collections/new', { vectors: { size: 2, distance: 'Dot' } }),
      403,
      'FORBIDDEN',
    );
    assertError(
      await writer('PUT', '/collections/docs/snapshots/recover', { location: 'file:///nowhere.snapshot' }),
      403,
      'FORBIDDEN',
    );
    const listed = resultOf<{ collections: { name: string }[] }>(await writer('GET', '/collections'));
    assert.deepEqual(
      listed.collections.map((c) => c.name),
      ['docs', 'other'],
    );
  });

  test('tokens that are not valid are 401 with WWW-Authenticate, whatever they claim', async () => {
    const claims = { access: 'm' };
    const valid = await token(claims);
    const [header, , signature] = valid.split('.');
    const cases: [string, string][] = [
      ['expired', await token({ ...claims, exp: NOW() - 3600 })],
      ['forged (another secret)', await token(claims, 'another-secret-0123456789-0123456789')],
      ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, exp: NOW() + 3600 })}.`],
      ['HS512 with the right secret', await token(claims, SECRET, 'HS512')],
      [
        'no exp',
        `${await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET))}`,
      ],
      ['claims changed after signing', `${header}.${b64({ access: 'm', exp: NOW() + 7200 })}.${signature}`],
      ['access of another shape', await token({ access: 'x' })],
      [
        'a collection twice',
        await token({
          access: [
            { collection: 'docs', access: 'r' },
            { collection: 'docs', access: 'rw' },
          ],
        }),
      ],
      ['an unknown collection mode', await token({ access: [{ collection: 'docs', access: 'm' }] })],
      [
        'a payload claim that is no filter',
        await token({ access: [{ collection: 'docs', access: 'r', payload: { user: { $ne: 1 } } }] }),
      ],
      ['signed with the admin key while a secret is set', await token(claims, ADMIN)],
    ];
    for (const [what, bad] of cases) {
      const answer = await as(bad)('GET', '/collections/docs');
      assertError(answer, 401, 'UNAUTHORIZED');
      assert.equal(answer.headers.get('www-authenticate'), 'Bearer', what);
    }
    resultOf(await as(valid)('GET', '/collections/docs'));
  });

  test('the api-key header carries a token too', async () => {
    const reader = await token({ access: [{ collection: 'docs', access: 'r' }] });
    const answer = await http(s.url, 'POST', '/collections/docs/points/count', {}, { 'api-key': reader });
    assert.equal(resultOf<{ count: number }>(answer).count, 2);
  });

  test('value_exists: the token holds only while a matching point exists', async () => {
    const claims = {
      access: [{ collection: 'docs', access: 'r' }],
      value_exists: { collection: 'users', matches: [{ key: 'user', value: 'u2' }] },
    };
    const reader = as(await token(claims));
    resultOf(await reader('GET', '/collections/docs'));
    resultOf(await as(ADMIN)('POST', '/collections/users/points/delete', { points: [2] }));
    assertError(await reader('GET', '/collections/docs'), 401, 'UNAUTHORIZED');
    const gone = {
      ...claims,
      value_exists: { collection: 'nowhere', matches: [{ key: 'user', value: 'u1' }] },
    };
    assertError(await as(await token(gone))('GET', '/collections/docs'), 401, 'UNAUTHORIZED');
  });

  test('quiverdb/client with a token: reads, and typed errors for a write or a bad token', async () => {
    const db = await connect(s.url, {
      apiKey: await token({ access: [{ collection: 'docs', access: 'r' }] }),
    });
    assert.deepEqual(await db.listCollections(), ['docs']);
    const hits = await db.collection('docs').search([1, 0], { k: 1 });
    assert.equal(hits[0].id, 1);
    await assert.rejects(db.collection('docs').upsert([{ id: 9, vector: [1, 1] }]), PermissionDeniedError);
    await assert.rejects(connect(s.url, { apiKey: await token({ exp: NOW() - 60 }) }), AuthenticationError);
  });
});

describe('JWT secret default: the admin keys', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ keys: { admin: ['first-admin-key', ADMIN], readOnly: ['reader-key'] } });
  });
  after(async () => {
    await s.stop();
  });

  test('a token signed with an admin key is accepted; one signed with a read-only key is not', async () => {
    const call = async (t: string) =>
      http(s.url, 'GET', '/collections', undefined, { authorization: `Bearer ${t}` });
    resultOf(await call(await token({ access: 'r' }, ADMIN)));
    resultOf(await call(await token({ access: 'r' }, 'first-admin-key')));
    assertError(await call(await token({ access: 'm' }, 'reader-key')), 401, 'UNAUTHORIZED');
  });
});
