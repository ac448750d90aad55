/**
 * Corruption: a flipped byte anywhere in a segment or tombstone file, or a truncated or
 * missing file, is reported as `CorruptDataError` naming the file — never wrong answers —
 * and the other collections of the database keep working.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CorruptDataError, Quiver, SeededRandom } from '../src/index.js';
import { tempDir } from './support/reference.js';

async function setup(dir: string) {
  const db = await Quiver.open(dir);
  const rng = new SeededRandom(5);
  const points = Array.from({ length: 200 }, (_, i) => ({
    id: i,
    vector: Array.from({ length: 8 }, () => rng.gaussian()),
    payload: { i },
  }));
  const bad = await db.createCollection('victim', { dimension: 8 });
  await bad.upsert(points);
  await bad.flush();
  await bad.delete([1, 2, 3]);
  await bad.flush();
  const good = await db.createCollection('bystander', { dimension: 8 });
  await good.upsert(points.slice(0, 10));
  await good.flush();
  await db.close();
  return points;
}

function filesOf(dir: string, collectionId: number, ext: string): string[] {
  const folder = join(dir, 'collections', String(collectionId));
  return readdirSync(folder)
    .filter((f) => f.endsWith(ext))
    .map((f) => join(folder, f));
}

async function expectCorrupt(dir: string, file: string): Promise<void> {
  const db = await Quiver.open(dir);
  try {
    // Found while the segments load in the background: the first read reports it, and from
    // then on the collection is listed as broken.
    const named = (err: unknown) =>
      err instanceof CorruptDataError && err.message.includes(file.split('/').pop()!);
    await assert.rejects(async () => db.collection('victim').count({ filter: {} }), named);
    assert.throws(() => db.collection('victim'), named);
    assert.deepEqual(await db.listCollections(), ['bystander', 'victim']);
    const bystander = db.collection('bystander');
    assert.equal(await bystander.count(), 10);
    assert.equal((await bystander.search(new Array(8).fill(0), { k: 3 })).length, 3);
  } finally {
    await db.close();
  }
}

test('every single flipped byte of a segment file is detected', async () => {
  const dir = tempDir();
  try {
    await setup(dir.path);
    const [segment] = filesOf(dir.path, 1, '.qseg');
    const original = readFileSync(segment);
    const rng = new SeededRandom(9);
    // The header, the section table, and random places in every section.
    const positions = [0, 5, 8, 12, 16, 20, 24, 30, 60, original.length - 1];
    for (let i = 0; i < 30; i++) positions.push(rng.int(original.length));
    for (const at of positions) {
      const flipped = Buffer.from(original);
      flipped[at] ^= 1 << rng.int(8);
      writeFileSync(segment, flipped);
      await expectCorrupt(dir.path, segment);
    }
    writeFileSync(segment, original.subarray(0, original.length >> 1));
    await expectCorrupt(dir.path, segment);
    writeFileSync(segment, original);
    const db = await Quiver.open(dir.path);
    assert.equal(await db.collection('victim').count(), 197, 'the restored file loads again');
    await db.close();
  } finally {
    dir.cleanup();
  }
});

test('a flipped byte in a tombstone file, or a missing file, is detected', async () => {
  const dir = tempDir();
  try {
    await setup(dir.path);
    const [tomb] = filesOf(dir.path, 1, '.qtmb');
    const original = readFileSync(tomb);
    for (const at of [0, 9, 13, 17, 21, 25, original.length - 2]) {
      const flipped = Buffer.from(original);
      flipped[at] ^= 0x10;
      writeFileSync(tomb, flipped);
      await expectCorrupt(dir.path, tomb);
    }
    writeFileSync(tomb, original);
    const [segment] = filesOf(dir.path, 1, '.qseg');
    assert.ok(statSync(segment).size > 0);
    rmSync(segment);
    await expectCorrupt(dir.path, segment);
  } finally {
    dir.cleanup();
  }
});

test('a corrupt collection can be dropped and recreated', async () => {
  const dir = tempDir();
  try {
    await setup(dir.path);
    const [segment] = filesOf(dir.path, 1, '.qseg');
    const bytes = readFileSync(segment);
    bytes[100] ^= 0xff;
    writeFileSync(segment, bytes);
    const db = await Quiver.open(dir.path);
    try {
      await db.dropCollection('victim');
      const again = await db.createCollection('victim', { dimension: 8 });
      assert.equal(await again.count(), 0);
      assert.deepEqual(await db.listCollections(), ['bystander', 'victim']);
    } finally {
      await db.close();
    }
  } finally {
    dir.cleanup();
  }
});
