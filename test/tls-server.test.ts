/**
 * TLS: the server serves HTTPS with a certificate and key (PEM); `quiverdb/client` verifies
 * the certificate (with a `ca` option for a private CA) and fails with a typed
 * `CertificateError` without it, with the wrong CA, or for a name the certificate is not
 * for; plain HTTP to the TLS port (and HTTPS to a plain port) fails with a
 * `ConnectionError` that says which scheme to use; `@qdrant/js-client-rest` works over
 * HTTPS with a JWT; `quiver serve --tls-cert --tls-key --jwt-secret-file` serves HTTPS.
 * Certificates are made at test time with `openssl` (see `support/tls-certs.ts`).
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CertificateError, ConnectionError, connect } from '../src/client/index.js';
import { loadSettings } from '../src/server/config.js';
import { JWT_SECRET, token } from './support/jwt.js';
import { tempDir } from './support/reference.js';
import { startTestServer, type TestServer } from './support/server.js';
import { makeTestCertificates, type TestCertificates } from './support/tls-certs.js';

const BIN = fileURLToPath(new URL('../../bin/quiver.js', import.meta.url));
const QDRANT_CHILD = fileURLToPath(new URL('./support/qdrant-over-tls.js', import.meta.url));
const ADMIN = 'admin-key-tls-0123456789';

describe('HTTPS', () => {
  let certs: TestCertificates;
  let s: TestServer;
  let plain: TestServer;

  before(async () => {
    certs = makeTestCertificates();
    s = await startTestServer({
      keys: { admin: [ADMIN], readOnly: [], jwtSecret: JWT_SECRET },
      tls: { cert: certs.cert, key: certs.key },
    });
    plain = await startTestServer({ keys: { admin: [ADMIN], readOnly: [] } });
    const db = await connect(s.url, { apiKey: ADMIN, ca: certs.ca });
    const docs = await db.createCollection('docs', { dimension: 2, metric: 'l2' });
    await docs.upsert([
      { id: 1, vector: [1, 0] },
      { id: 2, vector: [0, 1] },
    ]);
  });
  after(async () => {
    await s.stop();
    await plain.stop();
    certs.cleanup();
  });

  test('the server answers on https://, and the client with the CA verifies and works', async () => {
    assert.match(s.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const db = await connect(s.url, { apiKey: ADMIN, ca: certs.ca });
    assert.deepEqual(await db.listCollections(), ['docs']);
    const hits = await db.collection('docs').search([1, 0], { k: 1 });
    assert.equal(hits[0].id, 1);
    const byName = await connect(s.url.replace('127.0.0.1', 'localhost'), { apiKey: ADMIN, ca: [certs.ca] });
    assert.deepEqual(await byName.listCollections(), ['docs'], 'the DNS name in the SAN verifies too');
  });

  test('without the CA, with another CA, the client refuses the certificate (CertificateError)', async () => {
    await assert.rejects(connect(s.url, { apiKey: ADMIN }), CertificateError);
    await assert.rejects(connect(s.url, { apiKey: ADMIN, ca: certs.otherCa }), CertificateError);
    await assert.rejects(
      connect(s.url, { apiKey: ADMIN, ca: certs.otherCa }),
      /give the CA that signed it as \{ ca \}/,
    );
  });

  test('a certificate for another name is refused, although the CA is trusted', async () => {
    const elsewhere = await startTestServer({ keys: { admin: [ADMIN], readOnly: [] }, tls: certs.wrongName });
    try {
      await assert.rejects(connect(elsewhere.url, { apiKey: ADMIN, ca: certs.ca }), CertificateError);
    } finally {
      await elsewhere.stop();
    }
  });

  test('plain HTTP to the TLS port fails with a ConnectionError naming https', async () => {
    const httpUrl = s.url.replace('https://', 'http://');
    await assert.rejects(connect(httpUrl, { apiKey: ADMIN }), (error: unknown) => {
      assert.ok(error instanceof ConnectionError, String(error));
      assert.ok(!(error instanceof CertificateError));
      assert.match((error as Error).message, /use an https:\/\/ URL/);
      return true;
    });
    await assert.rejects(fetch(`${httpUrl}/collections`), TypeError, 'no answer over plain HTTP');
  });

  test('HTTPS to a plain HTTP port fails with a ConnectionError naming http', async () => {
    const httpsUrl = plain.url.replace('http://', 'https://');
    await assert.rejects(connect(httpsUrl, { apiKey: ADMIN, ca: certs.ca }), (error: unknown) => {
      assert.ok(error instanceof ConnectionError, String(error));
      assert.match((error as Error).message, /use http:\/\//);
      return true;
    });
  });

  test('@qdrant/js-client-rest over HTTPS with a JWT (trusting the CA through NODE_EXTRA_CA_CERTS)', async () => {
    const jwt = await token({ access: [{ collection: 'docs', access: 'r' }] });
    const { stdout } = await promisify(execFile)(process.execPath, [QDRANT_CHILD], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: certs.caFile, QUIVER_URL: s.url, QUIVER_TOKEN: jwt },
    });
    const seen = JSON.parse(stdout) as { collections: string[]; hits: number[]; writeStatus?: number };
    assert.deepEqual(seen, { collections: ['docs'], hits: [1, 2], writeStatus: 403 });
  });
});

describe('quiver serve with TLS', () => {
  test('--tls-cert, --tls-key and --jwt-secret-file: HTTPS with tokens; one without the other is a usage error', async () => {
    const certs = makeTestCertificates();
    const dir = tempDir();
    const secretFile = join(certs.dir, 'jwt-secret');
    writeFileSync(secretFile, `${JWT_SECRET}\n`);
    const args = [BIN, '--data', dir.path, 'serve', '--port', '0', '--jwt-secret-file', secretFile];
    const env = {
      ...process.env,
      QUIVER_API_KEY: undefined,
      QUIVER_READ_ONLY_API_KEYS: undefined,
      QUIVER_JWT_SECRET: undefined,
    };
    try {
      const half = spawn(process.execPath, [...args, '--tls-cert', certs.certFile], { env, stdio: 'ignore' });
      assert.equal(await new Promise((resolve) => half.on('close', resolve)), 2);

      const child = spawn(
        process.execPath,
        [...args, '--tls-cert', certs.certFile, '--tls-key', certs.keyFile],
        {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const closed = new Promise((resolve) => child.on('close', resolve));
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          const match = /at (https:\/\/\S+) /.exec(out);
          if (match) resolve(match[1]);
        });
        child.on('close', (code) => reject(new Error(`serve exited with ${code}`)));
      });
      const db = await connect(url, { apiKey: await token({ access: 'm' }), ca: certs.ca });
      await db.createCollection('made', { dimension: 2, metric: 'cosine' });
      assert.deepEqual(await db.listCollections(), ['made']);
      await assert.rejects(connect(url, { apiKey: 'not-a-token', ca: certs.ca }), /not valid/);
      child.kill('SIGTERM');
      assert.equal(await closed, 0);
    } finally {
      dir.cleanup();
      certs.cleanup();
    }
  });

  test('the config file’s tls and jwtSecret are read; a short secret is refused', async () => {
    const dir = tempDir();
    const file = join(dir.path, 'quiver.json');
    writeFileSync(file, JSON.stringify({ jwtSecret: JWT_SECRET, tls: { cert: 'c.pem', key: 'k.pem' } }));
    const settings = await loadSettings(file, {});
    assert.equal(settings.keys.jwtSecret, JWT_SECRET);
    assert.deepEqual(settings.tlsFiles, { cert: 'c.pem', key: 'k.pem' });
    assert.equal(
      (await loadSettings(file, { QUIVER_JWT_SECRET: `env-${JWT_SECRET}` })).keys.jwtSecret,
      `env-${JWT_SECRET}`,
    );
    await assert.rejects(loadSettings(undefined, { QUIVER_JWT_SECRET: 'short' }), /at least 32 characters/);
    dir.cleanup();
  });
});
