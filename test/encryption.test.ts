/**
 * Encryption at rest (issue 21, item 1): with a key, no byte of any file under the database
 * folder (segments, HNSW index, tombstones, value partitions, the onDisk field's segment,
 * the snapshot, the catalog and SQLite's `-wal` file) holds a sample point's vector (any two
 * neighbouring floats) or payload string, while the same database without a key holds them
 * (so the scan is real); searches answer the same; a missing, wrong or superfluous key fails
 * at open with `EncryptionKeyError`; a flipped byte in a segment, a tombstone file or a WAL
 * row fails with `CorruptDataError`, never garbage.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Sqlite from 'better-sqlite3';
import { CorruptDataError, EncryptionKeyError, InvalidArgumentError, Quiver } from '../src/index.js';
import {
  clearBytes,
  DELETED,
  DISK_BASE,
  facesPoint,
  KEY_A,
  KEY_B,
  populate,
  SAMPLE,
  SEALED,
  TAIL,
} from './support/encryption-data.js';
import { filesUnder, purgeSecret, purgeVector } from './support/purge-data.js';
import { tempDir } from './support/reference.js';

const QUERIES = [0, 3, 99, 4_321, SEALED + 5, DISK_BASE + 10];

const PART = { must: [{ key: 'group', match: { value: 'part' } }] };

/** Each query's exact hits in both collections (unfiltered and filtered): ids, distances and payloads. */
async function exactAnswers(db: Quiver) {
  const out: unknown[] = [];
  for (const q of QUERIES) {
    for (const name of ['faces', 'disk']) {
      out.push(await db.collection(name).search(purgeVector(q), { k: 5, withPayload: true, exact: true }));
    }
    out.push(await db.collection('faces').search(purgeVector(q), { k: 5, exact: true, filter: PART }));
  }
  return out;
}

/** The same through the approximate indexes (HNSW, onDisk HNSW over SQ8, value partitions). */
async function approximateAnswers(db: Quiver) {
  const out: { id: string | number }[][] = [];
  for (const q of QUERIES) {
    for (const name of ['faces', 'disk']) {
      out.push(await db.collection(name).search(purgeVector(q), { k: 5, withPayload: true, ef: 128 }));
    }
    out.push(await db.collection('faces').search(purgeVector(q), { k: 5, filter: PART }));
  }
  return out;
}

/** Recall of `approximate` against `exact` (hit lists in the same order). */
function recall(approximate: { id: string | number }[][], exact: unknown[]): number {
  let found = 0;
  let total = 0;
  approximate.forEach((hits, i) => {
    const truth = new Set((exact[i] as { id: string | number }[]).map((h) => h.id));
    total += truth.size;
    found += hits.filter((h) => truth.has(h.id)).length;
  });
  return found / total;
}

describe('encryption at rest', () => {
  const plain = tempDir('quiver-plain-');
  const sealed = tempDir('quiver-sealed-');
  let plainAnswers: unknown[];
  let sealedAnswers: unknown[];
  let sealedApproximate: { id: string | number }[][];
  let sealedOpenFiles: string[];
  let plainOpenFiles: string[];

  before(async () => {
    const p = await populate(plain.path);
    plainOpenFiles = clearBytes(plain.path);
    plainAnswers = await exactAnswers(p);
    await p.close();
    const s = await populate(sealed.path, { encryptionKey: KEY_A });
    assert.equal(s.encrypted, true);
    const faces = s.collection('faces');
    assert.ok(
      faces.storage.set.sealed[0].segment.partition(0, 'group', 'part'),
      'value partitions were built',
    );
    const rows = s.collection('disk').storage.set.sealed[0].segment.diskRows(0);
    assert.equal(
      rows?.constructor.name,
      'EncryptedFileRows',
      'the onDisk field reads the encrypted file in place',
    );
    sealedOpenFiles = clearBytes(sealed.path);
    sealedAnswers = await exactAnswers(s);
    sealedApproximate = await approximateAnswers(s);
    await s.close();
  });
  after(() => {
    plain.cleanup();
    sealed.cleanup();
  });

  test('without a key the scan finds every sample point in clear (the scan is real)', () => {
    const found = clearBytes(plain.path).concat(plainOpenFiles);
    for (const i of SAMPLE) {
      assert.ok(
        found.some((f) => f.includes(`payload ${i}`)),
        `payload ${i} found`,
      );
      assert.ok(
        found.some((f) => f.includes(`vector ${i}[`)),
        `vector ${i} found`,
      );
    }
    const kinds = new Set(found.map((f) => f.split(':')[0].replace(/.*\./, '.')));
    for (const ext of ['.qseg', '.snapshot'])
      assert.ok(kinds.has(ext), `${ext} holds data in clear: ${[...kinds]}`);
  });

  test('with a key no file under the folder holds any of it (open, with the -wal file, and closed)', () => {
    const names = filesUnder(sealed.path).map((f) => f.slice(sealed.path.length));
    for (const ext of ['.qseg', '.qidx', '.qtmb', '.qpay', '.qpart', '.snapshot', 'catalog.sqlite']) {
      assert.ok(
        names.some((n) => n.endsWith(ext)),
        `the database has a ${ext} file: ${names}`,
      );
    }
    assert.deepEqual(sealedOpenFiles, [], 'while open');
    assert.deepEqual(clearBytes(sealed.path), [], 'after close');
  });

  test('searches answer the same with and without the key, after a reopen too', async () => {
    assert.deepEqual(sealedAnswers, plainAnswers, 'exact searches');
    const approximate = recall(sealedApproximate, plainAnswers);
    assert.ok(approximate >= 0.9, `recall@5 of the indexes ${approximate} >= 0.9`);
    const db = await Quiver.open(sealed.path, { encryptionKey: Buffer.from(KEY_A, 'hex') });
    try {
      assert.deepEqual(await exactAnswers(db), plainAnswers);
      assert.deepEqual(
        await approximateAnswers(db),
        sealedApproximate,
        'the same index files answer the same',
      );
      const faces = db.collection('faces');
      assert.equal(await faces.count(), SEALED + TAIL - DELETED.length);
      const [p] = await faces.get([SEALED + 1], { withPayload: true, withVector: true });
      assert.deepEqual(p.payload, facesPoint(SEALED + 1).payload);
      const [changed] = await faces.get([4_321], { withPayload: true });
      assert.deepEqual(changed.payload, { ...facesPoint(4_321).payload, reviewed: true });
      assert.deepEqual(await faces.get(DELETED), []);
      const snap = (await db.listSnapshots('faces'))[0];
      const restored = await db.recoverSnapshot('restored', await db.snapshotPath('faces', snap.name));
      assert.equal(await restored.count(), SEALED);
      const [hit] = await restored.search(purgeVector(4_321), { k: 1, withPayload: true });
      assert.equal(hit.payload?.secret, purgeSecret(4_321));
    } finally {
      await db.close();
    }
    assert.deepEqual(clearBytes(sealed.path), [], 'after the restore');
  });

  test('no key, a wrong key or a malformed key is refused at open', async () => {
    await assert.rejects(Quiver.open(sealed.path), EncryptionKeyError);
    await assert.rejects(Quiver.open(sealed.path, { encryptionKey: KEY_B }), EncryptionKeyError);
    await assert.rejects(Quiver.open(sealed.path, { encryptionKey: 'abc' }), InvalidArgumentError);
    await assert.rejects(
      Quiver.open(sealed.path, { encryptionKey: new Uint8Array(16) }),
      InvalidArgumentError,
    );
    // The folder is not left locked by a refused open.
    const db = await Quiver.open(sealed.path, { encryptionKey: KEY_A });
    await db.close();
  });

  test('a database created without a key is not opened with one', async () => {
    await assert.rejects(Quiver.open(plain.path, { encryptionKey: KEY_A }), EncryptionKeyError);
    const db = await Quiver.open(plain.path);
    assert.equal(db.encrypted, false);
    await db.close();
  });

  test('a snapshot of an encrypted database is not restored without its key', async () => {
    const other = tempDir('quiver-other-');
    const db = await Quiver.open(sealed.path, { encryptionKey: KEY_A });
    try {
      const snap = (await db.listSnapshots('faces'))[0];
      const path = await db.snapshotPath('faces', snap.name);
      const clear = await Quiver.open(other.path);
      await assert.rejects(clear.recoverSnapshot('faces', path), EncryptionKeyError);
      await clear.close();
    } finally {
      await db.close();
      other.cleanup();
    }
  });
});

describe('tampered ciphertext is refused, never garbage', () => {
  const dir = tempDir('quiver-tamper-');
  after(() => dir.cleanup());

  /** A fresh encrypted copy: faces with one sealed segment, a tombstone file and WAL rows. */
  async function build(): Promise<string> {
    const path = join(dir.path, String(Math.random()).slice(2));
    const db = await Quiver.open(path, { encryptionKey: KEY_A });
    const c = await db.createCollection('faces', { dimension: 8, metric: 'l2' });
    await c.upsert(Array.from({ length: 300 }, (_, i) => facesPoint(i)));
    await c.flush();
    await c.delete([5]);
    await c.flush();
    await c.upsert(Array.from({ length: 20 }, (_, i) => facesPoint(1000 + i)));
    await db.close();
    return path;
  }

  function flip(file: string, at: (size: number) => number): void {
    const bytes = readFileSync(file);
    bytes[at(bytes.length)] ^= 0x40;
    writeFileSync(file, bytes);
  }

  async function failure(path: string): Promise<Error> {
    const db = await Quiver.open(path, { encryptionKey: KEY_A });
    try {
      await db.collection('faces').search(purgeVector(1), { k: 3 });
      assert.fail('the damaged collection answered');
    } catch (err) {
      return err as Error;
    } finally {
      await db.close();
    }
  }

  for (const [what, file, at] of [
    ['a segment file (body)', 'seg-000001.qseg', (n: number) => Math.floor(n / 2)],
    ['a segment file (header)', 'seg-000001.qseg', () => 20],
    ['a tombstone file', '.qtmb', (n: number) => n - 5],
  ] as const) {
    test(`a flipped byte in ${what} → CorruptDataError naming it`, async () => {
      const path = await build();
      const target = filesUnder(path).find((f) => f.endsWith(file));
      assert.ok(target, `${file} exists`);
      flip(target, at);
      const err = await failure(path);
      assert.ok(err instanceof CorruptDataError, String(err));
      assert.match(err.message, /seg-000001/);
    });
  }

  test('a flipped byte in a WAL row (checksum recomputed, so only the cipher can tell) → CorruptDataError', async () => {
    const path = await build();
    const sqlite = new Sqlite(join(path, 'catalog.sqlite'));
    const row = sqlite
      .prepare('SELECT seq, collection_id, kind, body FROM wal ORDER BY seq DESC LIMIT 1')
      .get() as {
      seq: number;
      collection_id: number;
      kind: number;
      body: Buffer;
    };
    row.body[row.body.length - 30] ^= 1;
    const { walCrc } = await import('../src/storage/catalog-rows.js');
    sqlite
      .prepare('UPDATE wal SET body = ?, crc = ? WHERE seq = ?')
      .run(row.body, walCrc(row.collection_id, row.kind, row.body), row.seq);
    sqlite.close();
    const err = await failure(path);
    assert.ok(err instanceof CorruptDataError, String(err));
    assert.match(err.message, /WAL row/);
  });
});
