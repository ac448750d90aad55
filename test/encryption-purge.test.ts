/**
 * Verified erasure (issue 21 item 4) with encryption at rest: ciphertext hides every point
 * from a raw scan anyway, so the check is made on the plaintext — every object under
 * `collections/` and every WAL row is decrypted with the key and scanned. After
 * `delete(ids, { purge: true })` no plaintext holds the deleted points, the others are still
 * found there (so the decrypted scan is real), purge-report says clean, and the snapshot taken
 * before is gone.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { test } from 'node:test';
import { Quiver } from '../src/index.js';
import { SqliteCatalog } from '../src/storage/catalog.js';
import { EncryptionKeyring } from '../src/storage/encrypt-keys.js';
import { KEY_A } from './support/encryption-data.js';
import { filesUnder, PURGE_DIM, purgePoint, purgeSecret, vectorBytes } from './support/purge-data.js';
import { tempDir } from './support/reference.js';

const N = 600;
const SEALED = 500;
const victims = [3, 77, 250, 499, 512, 590];

/** The decrypted bytes of every object and WAL row of the (closed) database at `dir`. */
function plaintexts(dir: string): { where: string; bytes: Buffer }[] {
  const keyring = new EncryptionKeyring(Buffer.from(KEY_A, 'hex'));
  const out = filesUnder(join(dir, 'collections')).map((file) => {
    const key = relative(dir, file).split(sep).join('/');
    return { where: key, bytes: keyring.open(key, readFileSync(file), key) };
  });
  const catalog = SqliteCatalog.open(join(dir, 'catalog.sqlite'));
  try {
    catalog.encryption.keyring = keyring;
    for (const row of catalog.listCollections()) {
      for (const w of catalog.walAfter(row.id, 0)) out.push({ where: `WAL row ${w.seq}`, bytes: w.body });
    }
  } finally {
    catalog.close();
  }
  return out;
}

function holdersIn(texts: { where: string; bytes: Buffer }[], i: number): string[] {
  const secret = Buffer.from(purgeSecret(i), 'utf8');
  return texts
    .filter((t) => t.bytes.indexOf(vectorBytes(i)) >= 0 || t.bytes.indexOf(secret) >= 0)
    .map((t) => t.where);
}

test('purge with encryption on: no decrypted file or WAL row holds the deleted points', async () => {
  const dir = tempDir('quiver-enc-purge-');
  try {
    const db = await Quiver.open(dir.path, { encryptionKey: KEY_A });
    const col = await db.createCollection('faces', { dimension: PURGE_DIM, metric: 'l2', segmentSize: 200 });
    await col.createPayloadIndex('group', 'keyword');
    for (let at = 0; at < SEALED; at += 100) {
      await col.upsert(Array.from({ length: 100 }, (_, k) => purgePoint(at + k)));
    }
    await col.flush();
    await col.upsert(Array.from({ length: N - SEALED }, (_, k) => purgePoint(SEALED + k)));
    const snapshot = await db.createSnapshot('faces');
    await db.close();
    const before = plaintexts(dir.path);
    for (const i of [3, 250, 590])
      assert.ok(holdersIn(before, i).length > 0, `point ${i} is in the plaintext`);

    const again = await Quiver.open(dir.path, { encryptionKey: KEY_A });
    const faces = again.collection('faces');
    const result = await faces.purge(victims);
    assert.equal(result.deleted, victims.length);
    assert.deepEqual(result.snapshotsDeleted, [snapshot.name]);
    const report = await again.purgeReport('faces');
    assert.equal(report.collections[0].clean, true, JSON.stringify(report));
    assert.equal(await faces.count(), N - victims.length);
    await again.close();

    const after = plaintexts(dir.path);
    for (const i of victims) assert.deepEqual(holdersIn(after, i), [], `point ${i} is erased`);
    for (const i of [4, 251, 591]) assert.ok(holdersIn(after, i).length > 0, `point ${i} is still there`);
  } finally {
    dir.cleanup();
  }
});
