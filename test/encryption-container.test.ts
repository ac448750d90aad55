/**
 * The encrypted container (storage/encrypt-container.ts) and what reads it: whole-container
 * round trips at every chunk-boundary size; a container opened under another name, with a
 * flipped byte anywhere, truncated, with chunks swapped or under an unknown key fails with a
 * typed error; positioned reads of rows (`EncryptedFileRows`) across chunk boundaries return
 * exactly the plaintext rows; thumbnail bodies in the catalog are sealed at rest.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CorruptDataError, EncryptionKeyError, InvalidArgumentError, SeededRandom } from '../src/index.js';
import { SqliteCatalog } from '../src/storage/catalog.js';
import { CHUNK_BYTES, HEADER_BYTES, TAG_BYTES } from '../src/storage/encrypt-container.js';
import { EncryptionKeyring, parseEncryptionKey } from '../src/storage/encrypt-keys.js';
import { EncryptedFileRows } from '../src/storage/encrypt-rows.js';
import { KEY_A, KEY_B } from './support/encryption-data.js';
import { tempDir } from './support/reference.js';

const ring = new EncryptionKeyring(parseEncryptionKey(KEY_A));

function bytes(n: number, seed: number): Buffer {
  const rng = new SeededRandom(seed);
  return Buffer.from(Array.from({ length: n }, () => rng.int(256)));
}

test('round trips at every chunk-boundary size; each seal differs (random salt)', () => {
  for (const n of [0, 1, 15, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * CHUNK_BYTES + 17]) {
    const plain = bytes(n, n);
    const sealed = ring.seal('collections/1/seg-000001.qseg', plain);
    assert.equal(sealed.length, HEADER_BYTES + n + Math.max(1, Math.ceil(n / CHUNK_BYTES)) * TAG_BYTES);
    assert.deepEqual(ring.open('collections/1/seg-000001.qseg', sealed, 'x'), plain);
    assert.notDeepEqual(ring.seal('collections/1/seg-000001.qseg', plain), sealed);
  }
});

test('another name, a flipped byte, truncation, swapped chunks or an unknown key are refused', () => {
  const plain = bytes(2 * CHUNK_BYTES + 100, 7);
  const sealed = ring.seal('a', plain);
  assert.throws(() => ring.open('b', sealed, 'b'), CorruptDataError);
  for (const at of [9, 13, 20, 30, 40, HEADER_BYTES, HEADER_BYTES + CHUNK_BYTES + 3, sealed.length - 1]) {
    const damaged = Buffer.from(sealed);
    damaged[at] ^= 1;
    assert.throws(
      () => ring.open('a', damaged, 'a'),
      at >= 24 && at < 32 ? EncryptionKeyError : CorruptDataError,
      `byte ${at}`,
    );
  }
  assert.throws(() => ring.open('a', sealed.subarray(0, sealed.length - 1), 'a'), CorruptDataError);
  assert.throws(() => ring.open('a', sealed.subarray(0, 10), 'a'), CorruptDataError);
  const swapped = Buffer.from(sealed);
  const size = CHUNK_BYTES + TAG_BYTES;
  sealed.copy(swapped, HEADER_BYTES, HEADER_BYTES + size, HEADER_BYTES + 2 * size);
  sealed.copy(swapped, HEADER_BYTES + size, HEADER_BYTES, HEADER_BYTES + size);
  assert.throws(() => ring.open('a', swapped, 'a'), CorruptDataError);
  const other = new EncryptionKeyring(parseEncryptionKey(KEY_B));
  assert.throws(() => other.open('a', sealed, 'a'), EncryptionKeyError);
  assert.deepEqual(
    ring.rotatedTo(parseEncryptionKey(KEY_B)).open('a', sealed, 'a'),
    plain,
    'previous keys open',
  );
  assert.throws(() => ring.open('a', plain, 'a'), CorruptDataError, 'plaintext is not a container');
  assert.throws(() => parseEncryptionKey('12'), InvalidArgumentError);
});

test('EncryptedFileRows reads rows across chunk boundaries exactly, sync and async; a damaged chunk throws', async () => {
  const dir = tempDir('quiver-enc-rows-');
  try {
    const dim = 24; // 96-byte rows: chunk boundaries fall inside rows
    const rows = 3_000;
    const offset = 40; // the section starts after other bytes, unaligned to chunks
    const vectors = Float32Array.from({ length: rows * dim }, (_, i) => i * 0.5 + 1);
    const plain = Buffer.concat([bytes(offset, 1), Buffer.from(vectors.buffer)]);
    const file = join(dir.path, 'seg.qseg');
    writeFileSync(file, ring.seal('k', plain));
    const reader = new EncryptedFileRows(file, 'k', (h) => ring.fileKeyOf(h, 'k', 'k'), offset, rows, dim);
    const row = (r: number) => vectors.subarray(r * dim, (r + 1) * dim);
    const rng = new SeededRandom(5);
    for (let t = 0; t < 50; t++) {
      const picks = [...new Set(Array.from({ length: 1 + rng.int(40) }, () => rng.int(rows)))].sort(
        (a, b) => a - b,
      );
      const out = new Float32Array(picks.length * dim);
      if (t % 2) reader.read(picks, out);
      else await reader.readAsync(picks, out);
      picks.forEach((r, i) => assert.deepEqual(out.subarray(i * dim, (i + 1) * dim), row(r), `row ${r}`));
    }
    const all = new Float32Array(rows * dim);
    reader.readRange(0, rows, all);
    assert.deepEqual(all, vectors);
    const tail = new Float32Array(10 * dim);
    await reader.readRangeAsync(rows - 10, 10, tail);
    assert.deepEqual(tail, vectors.subarray((rows - 10) * dim));
    assert.throws(() => reader.readRange(rows - 1, 2, new Float32Array(2 * dim)), RangeError);
    reader.close();

    const damaged = readFileSync(file);
    damaged[HEADER_BYTES + CHUNK_BYTES + TAG_BYTES + 5] ^= 1; // inside chunk 1
    writeFileSync(file, damaged);
    const again = new EncryptedFileRows(file, 'k', (h) => ring.fileKeyOf(h, 'k', 'k'), offset, rows, dim);
    const inChunk1 = Math.ceil((CHUNK_BYTES + 100 - offset) / (dim * 4));
    assert.throws(() => again.read([inChunk1], new Float32Array(dim)), CorruptDataError);
    const first = new Float32Array(dim);
    again.read([0], first);
    assert.deepEqual(first, row(0), 'undamaged chunks still read');
    again.close();
  } finally {
    dir.cleanup();
  }
});

test('thumbnail bodies are sealed in the catalog and opened when read', () => {
  const dir = tempDir('quiver-enc-thumbs-');
  try {
    const file = join(dir.path, 'catalog.sqlite');
    const image = Buffer.from('RIFF....WEBPVP8 a-very-recognisable-thumbnail-body', 'utf8');
    const catalog = SqliteCatalog.open(file);
    catalog.encryption.keyring = ring;
    const row = catalog.createCollection('c', '{}', () => '{}');
    catalog.writeThumbnails(() =>
      catalog.thumbnails.put(row.id, [{ point: 7, field: 'image', body: image }]),
    );
    assert.deepEqual(catalog.thumbnails.get(row.id, 7, 'image'), image);
    assert.deepEqual(catalog.thumbnails.all(row.id)[0].body, image);
    catalog.encryption.keyring = undefined;
    assert.notDeepEqual(catalog.thumbnails.get(row.id, 7, 'image'), image, 'stored sealed');
    catalog.close();
    for (const f of [file, `${file}-wal`]) {
      let raw: Buffer;
      try {
        raw = readFileSync(f);
      } catch {
        continue;
      }
      assert.equal(raw.indexOf(Buffer.from('recognisable')), -1, `${f} holds no thumbnail bytes`);
    }
  } finally {
    dir.cleanup();
  }
});
