/**
 * Key rotation of an encrypted database (db/encryption.ts): `rotateEncryptionKey` re-seals
 * every file, snapshot and catalog row under the new key while reads and writes go on; after
 * it no file holds the old key's id, the old key no longer opens the database and the new one
 * alone does, answers unchanged. SIGKILL during a rotation (a child process writing
 * meanwhile, killed at seeded delays) loses no acknowledged write, leaves no plaintext, and
 * the rotation resumes and completes when the database is opened with both keys.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import { EncryptionKeyError, Quiver, SeededRandom } from '../src/index.js';
import { keyCheckValue, keyIdOf } from '../src/storage/encrypt-keys.js';
import {
  clearBytes,
  DISK_BASE,
  facesPoint,
  KEY_A,
  KEY_B,
  populate,
  SEALED,
  TAIL,
} from './support/encryption-data.js';
import { filesUnder, purgeVector } from './support/purge-data.js';
import { tempDir } from './support/reference.js';

const child = fileURLToPath(new URL('./fixtures/rotation-crash-writer.js', import.meta.url));
const idOf = (hex: string) => Buffer.from(keyIdOf(keyCheckValue(Buffer.from(hex, 'hex'))), 'hex');

/** Files under `dir` whose bytes hold the key id of `key` (what it sealed carries it in clear). */
function sealedUnder(dir: string, key: string): string[] {
  const id = idOf(key);
  return filesUnder(dir).filter((f) => readFileSync(f).indexOf(id) >= 0);
}

async function answers(db: Quiver) {
  const out: unknown[] = [];
  for (const q of [0, 3, 4_321, SEALED + 5, DISK_BASE + 10]) {
    for (const name of ['faces', 'disk']) {
      out.push(await db.collection(name).search(purgeVector(q), { k: 5, withPayload: true }));
    }
  }
  return out;
}

test('rotateEncryptionKey re-seals everything under the new key while writes go on', async () => {
  const dir = tempDir('quiver-rotate-');
  try {
    const db = await populate(dir.path, { encryptionKey: KEY_A });
    const before = await answers(db);
    const rotation = db.rotateEncryptionKey(KEY_B);
    assert.ok(db.encryptionRotation, 'the rotation runs in the background');
    await assert.rejects(db.rotateEncryptionKey(KEY_A), EncryptionKeyError);
    const faces = db.collection('faces');
    // Reads and writes meanwhile.
    for (let i = 0; i < 5; i++) {
      await faces.upsert(Array.from({ length: 10 }, (_, k) => facesPoint(200_000 + i * 10 + k)));
      assert.equal((await faces.search(purgeVector(4_321), { k: 1 }))[0].id, 4_321);
    }
    const done = await rotation;
    assert.ok(done.files >= 6, `files re-sealed: ${done.files}`);
    assert.ok(done.rows >= 1, `WAL rows re-sealed: ${done.rows}`);
    assert.equal(db.encryptionRotation, undefined);
    assert.deepEqual(await answers(db), before);
    await db.close();
    assert.deepEqual(sealedUnder(dir.path, KEY_A), [], 'nothing is sealed under the old key');
    assert.deepEqual(clearBytes(dir.path), []);
    await assert.rejects(Quiver.open(dir.path, { encryptionKey: KEY_A }), EncryptionKeyError);
    const reopened = await Quiver.open(dir.path, { encryptionKey: KEY_B });
    assert.deepEqual(await answers(reopened), before);
    assert.equal(await reopened.collection('faces').count(), SEALED + TAIL - 2 + 50);
    const snap = (await reopened.listSnapshots('faces'))[0];
    const restored = await reopened.recoverSnapshot('again', await reopened.snapshotPath('faces', snap.name));
    assert.equal(await restored.count(), SEALED);
    await reopened.close();
  } finally {
    dir.cleanup();
  }
});

/** Runs the child; kills it `delayMs` after it starts; resolves with the last acknowledged id (`first − 1` if none). */
function rotateAndKill(dir: string, first: number, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, dir, KEY_A, KEY_B, String(first)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stderr.on('data', (d) => {
      err += d;
    });
    proc.stdout.on('data', (d) => {
      const started = out.includes('start');
      out += d;
      if (!started && out.includes('start')) setTimeout(() => proc.kill('SIGKILL'), delayMs);
    });
    proc.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`rotation child exited with ${code}: ${err}`));
      const acks = [...out.matchAll(/ack (\d+)/g)].map((m) => Number(m[1]));
      resolve(acks.length ? Math.max(...acks) : first - 1);
    });
  });
}

test('SIGKILL during a key rotation loses nothing acknowledged and leaves no plaintext; the rotation resumes', async () => {
  const rng = new SeededRandom(2121);
  const rounds = 4;
  let finishedBeforeKill = 0;
  /** Rounds killed while the rotation was recorded and unfinished (before it was recorded, the open starts it). */
  let midway = 0;
  for (let round = 0; round < rounds; round++) {
    const dir = tempDir('quiver-rotate-crash-');
    try {
      const db = await Quiver.open(dir.path, { encryptionKey: KEY_A });
      const faces = await db.createCollection('faces', { dimension: 8, metric: 'l2', segmentSize: 500 });
      for (let at = 0; at < 3_000; at += 500)
        await faces.upsert(Array.from({ length: 500 }, (_, k) => facesPoint(at + k)));
      await faces.flush();
      await faces.upsert(Array.from({ length: 30 }, (_, k) => facesPoint(3_000 + k)));
      await db.createSnapshot('faces');
      await db.close();

      const first = 100_000;
      const acked = await rotateAndKill(dir.path, first, rng.int(round === 0 ? 5 : 400));
      const catalog = new Sqlite(join(dir.path, 'catalog.sqlite'));
      const record = catalog.prepare(`SELECT value FROM meta WHERE key = 'encryption'`).get() as {
        value: string;
      };
      catalog.close();
      const { kcv, previous } = JSON.parse(record.value) as { kcv: string; previous: string[] };
      const recorded = kcv === keyCheckValue(Buffer.from(KEY_B, 'hex'));
      if (recorded) {
        if (previous.length > 0) midway++;
        else finishedBeforeKill++;
        await assert.rejects(
          Quiver.open(dir.path, { encryptionKey: KEY_A }),
          EncryptionKeyError,
          `round ${round}`,
        );
      }
      if (!recorded || previous.length > 0) {
        // Not started, or unfinished: the new key alone does not open it.
        await assert.rejects(
          Quiver.open(dir.path, { encryptionKey: KEY_B }),
          EncryptionKeyError,
          `round ${round}`,
        );
      }
      const reopened = await Quiver.open(dir.path, { encryptionKey: KEY_B, previousEncryptionKeys: [KEY_A] });
      await reopened.encryptionRotation;
      const c = reopened.collection('faces');
      const ids = [0, 2_999, 3_029, ...(acked >= first ? [first, acked] : [])];
      const got = await c.get(ids, { withVector: true });
      assert.equal(
        got.length,
        ids.length,
        `round ${round}: every acknowledged point is there (acked up to ${acked})`,
      );
      for (const p of got)
        assert.deepEqual(Array.from(p.vector as Float32Array), purgeVector(p.id as number));
      assert.ok((await c.count()) >= 3_030 + (acked - first + 1));
      await reopened.close();
      assert.deepEqual(sealedUnder(dir.path, KEY_A), [], `round ${round}: everything re-sealed`);
      assert.deepEqual(
        clearBytes(dir.path, [0, 1_234, 2_999, 3_029, first, acked]),
        [],
        `round ${round}: no plaintext`,
      );
      const again = await Quiver.open(dir.path, { encryptionKey: KEY_B });
      assert.equal((await again.collection('faces').search(purgeVector(1_234), { k: 1 }))[0].id, 1_234);
      await again.close();
    } finally {
      dir.cleanup();
    }
  }
  process.stdout.write(
    `# at the kill: ${midway} of ${rounds} rotations unfinished, ${finishedBeforeKill} finished, the others not started\n`,
  );
});
