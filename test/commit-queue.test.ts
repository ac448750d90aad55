import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommitQueue, type PendingWrite } from '../src/db/commit-queue.js';
import { Quiver } from '../src/index.js';
import type { SqliteCatalog, WalAppend } from '../src/storage/catalog.js';
import { tempDir } from './support/reference.js';

/** A catalog stand-in that records each WAL transaction (the queue only calls appendWal). */
function recordingCatalog(fail = false) {
  const transactions: WalAppend[][] = [];
  let seq = 0;
  const catalog = {
    appendWal(rows: WalAppend[]) {
      if (fail) throw new Error('disk full');
      transactions.push(rows);
      return rows.map(() => ++seq);
    },
  } as unknown as SqliteCatalog;
  return { catalog, transactions };
}

function write(applied: number[], n: number): PendingWrite<number> {
  const apply = (seq: number) => {
    applied.push(n);
    return seq;
  };
  return { collectionId: 1, kind: 1, body: new Uint8Array([n]), apply };
}

test('concurrent writes share one WAL transaction and apply in submission order', async () => {
  const { catalog, transactions } = recordingCatalog();
  const queue = new CommitQueue(catalog);
  const applied: number[] = [];
  const seqs = await Promise.all(Array.from({ length: 16 }, (_, i) => queue.write(write(applied, i))));
  assert.equal(transactions.length, 1);
  assert.equal(transactions[0].length, 16);
  assert.deepEqual(applied, [...Array(16).keys()]);
  assert.deepEqual(
    seqs,
    [...Array(16).keys()].map((i) => i + 1),
  );
});

test('writes arriving while a task runs form the next group', async () => {
  const { catalog, transactions } = recordingCatalog();
  const queue = new CommitQueue(catalog);
  const applied: number[] = [];
  let release!: () => void;
  const blocker = queue.exclusive(() => new Promise<void>((r) => (release = r)));
  const writes = Array.from({ length: 8 }, (_, i) => queue.write(write(applied, i)));
  await new Promise((r) => setImmediate(r));
  release();
  await Promise.all([blocker, ...writes]);
  assert.equal(transactions.length, 1, 'all 8 writes waited behind the task and committed together');
});

test('a failed WAL transaction rejects every write of its group and applies none', async () => {
  const { catalog } = recordingCatalog(true);
  const queue = new CommitQueue(catalog);
  const applied: number[] = [];
  const results = await Promise.allSettled([queue.write(write(applied, 1)), queue.write(write(applied, 2))]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'rejected'],
  );
  assert.deepEqual(applied, []);
  assert.equal(await queue.exclusive(() => 'still usable'), 'still usable');
});

test('16 concurrent single-point writers all land', async () => {
  const dir = tempDir();
  const db = await Quiver.open(dir.path);
  try {
    const col = await db.createCollection('c', { dimension: 3, segmentSize: 200 });
    await Promise.all(
      Array.from({ length: 16 }, async (_, w) => {
        for (let i = 0; i < 40; i++)
          await col.upsert([{ id: `${w}-${i}`, vector: [w, i, 1], payload: { w, i } }]);
      }),
    );
    assert.equal(await col.count(), 640);
    const [p] = await col.get(['7-33'], { withVector: true });
    assert.deepEqual(p, { id: '7-33', payload: { w: 7, i: 33 }, vector: Float32Array.from([7, 33, 1]) });
  } finally {
    await db.close();
    dir.cleanup();
  }
});
