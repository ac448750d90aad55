/**
 * The key-rotation admin route (server/routes/encryption.ts): `GET /quiver/encryption` tells
 * whether the database is encrypted; `POST /quiver/encryption/rotate` with a key file on the
 * server re-encrypts while the server keeps answering (`wait=true` answers when done), and
 * the database then opens with the new key only. Refused: a read-only key (403), a database
 * without encryption, the current key again (400 `ENCRYPTION_KEY`), a file that is not a key
 * (400 `INVALID_ARGUMENT`).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EncryptionKeyError, Quiver } from '../src/index.js';
import { QuiverServer } from '../src/server/server.js';
import { facesPoint, KEY_A, KEY_B } from './support/encryption-data.js';
import { purgeVector } from './support/purge-data.js';
import { tempDir } from './support/reference.js';
import { assertError, http, resultOf, startTestServer } from './support/server.js';

const ADMIN = { 'api-key': 'admin-key-for-tests' };
const READER = { 'api-key': 'read-key-for-tests' };

test('POST /quiver/encryption/rotate re-encrypts under the key file while the server answers', async () => {
  const dir = tempDir('quiver-enc-rest-');
  const keyB = join(dir.path, 'b.key');
  const notKey = join(dir.path, 'bad.key');
  const keyA = join(dir.path, 'a.key');
  writeFileSync(keyB, KEY_B);
  writeFileSync(keyA, KEY_A);
  writeFileSync(notKey, 'hello');
  const data = join(dir.path, 'db');
  try {
    const db = await Quiver.open(data, { encryptionKey: KEY_A });
    const faces = await db.createCollection('faces', { dimension: 8, metric: 'l2', segmentSize: 200 });
    await faces.upsert(Array.from({ length: 1_000 }, (_, i) => facesPoint(i)));
    await faces.flush();
    const server = await QuiverServer.create(db, {
      logLevel: 'silent',
      keys: { admin: [ADMIN['api-key']], readOnly: [READER['api-key']] },
    });
    const url = await server.listen('127.0.0.1', 0);
    try {
      assert.deepEqual(resultOf(await http(url, 'GET', '/quiver/encryption', undefined, ADMIN)), {
        encrypted: true,
        rotating: false,
      });
      assertError(
        await http(url, 'POST', '/quiver/encryption/rotate', { key_file: keyB }, READER),
        403,
        'FORBIDDEN',
      );
      assertError(
        await http(url, 'POST', '/quiver/encryption/rotate', { key_file: notKey }, ADMIN),
        400,
        'INVALID_ARGUMENT',
      );
      assertError(
        await http(url, 'POST', '/quiver/encryption/rotate', { key_file: keyA }, ADMIN),
        400,
        'ENCRYPTION_KEY',
      );
      const started = http(url, 'POST', '/quiver/encryption/rotate?wait=true', { key_file: keyB }, ADMIN);
      const hits = resultOf<{ id: number }[]>(
        await http(
          url,
          'POST',
          '/collections/faces/points/search',
          { vector: purgeVector(10), limit: 1 },
          READER,
        ),
      );
      assert.equal(hits[0].id, 10, 'searches are answered during the rotation');
      const done = resultOf<{ status: string; files: number }>(await started);
      assert.equal(done.status, 'done');
      assert.ok(done.files >= 5, `files re-sealed: ${done.files}`);
    } finally {
      await server.close();
      await db.close();
    }
    await assert.rejects(Quiver.open(data, { encryptionKey: KEY_A }), EncryptionKeyError);
    const reopened = await Quiver.open(data, { encryptionKey: KEY_B });
    assert.equal(await reopened.collection('faces').count(), 1_000);
    await reopened.close();
  } finally {
    dir.cleanup();
  }
});

test('a database without encryption: the state says so and rotation is refused', async () => {
  const server = await startTestServer();
  const keyFile = join(server.dir, 'k.key');
  writeFileSync(keyFile, KEY_B);
  try {
    assert.deepEqual(resultOf(await http(server.url, 'GET', '/quiver/encryption')), {
      encrypted: false,
      rotating: false,
    });
    assertError(
      await http(server.url, 'POST', '/quiver/encryption/rotate', { key_file: keyFile }),
      400,
      'ENCRYPTION_KEY',
    );
  } finally {
    await server.stop();
  }
});
