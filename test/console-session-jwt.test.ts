/**
 * The web console's `GET /console/session` with JWT bearer tokens: a global `m` token is an
 * admin, a global `r` token read-only, a token for collections an admin when it may write one
 * of them and read-only otherwise; a forged or expired token is 401, as it is on every route.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { nowSeconds, token } from './support/jwt.js';
import { http, startTestServer, type TestServer } from './support/server.js';

describe('console session with JWT tokens', () => {
  let s: TestServer;
  const session = async (credential: string) => {
    const res = await http(s.url, 'GET', '/console/session', undefined, {
      authorization: `Bearer ${credential}`,
    });
    return { status: res.status, body: res.body as { role?: string; keys?: boolean } };
  };

  before(async () => {
    s = await startTestServer({
      keys: {
        admin: ['admin-key-console-0123456789'],
        readOnly: [],
        jwtSecret: 'a-console-test-secret-of-32-characters!',
      },
    });
  });
  after(async () => {
    await s.stop();
  });

  test('tokens map to the role the console enables its controls by', async () => {
    const secret = 'a-console-test-secret-of-32-characters!';
    assert.deepEqual((await session(await token({ access: 'm' }, secret))).body, {
      role: 'admin',
      keys: true,
    });
    assert.deepEqual((await session(await token({ access: 'r' }, secret))).body, {
      role: 'read-only',
      keys: true,
    });
    const rw = await token({ access: [{ collection: 'docs', access: 'rw' }] }, secret);
    assert.deepEqual((await session(rw)).body, { role: 'admin', keys: true });
    const r = await token({ access: [{ collection: 'docs', access: 'r' }] }, secret);
    assert.deepEqual((await session(r)).body, { role: 'read-only', keys: true });
  });

  test('a forged or expired token is 401', async () => {
    const forged = await token({ access: 'm' }, 'another-secret-of-at-least-32-characters');
    assert.equal((await session(forged)).status, 401);
    const expired = await token(
      { access: 'm', exp: nowSeconds() - 3600 },
      'a-console-test-secret-of-32-characters!',
    );
    assert.equal((await session(expired)).status, 401);
  });
});
