/**
 * `quiver import` of .bvecs, .ivecs, .npz, HDF5 (ann-benchmarks), Arrow IPC and Parquet files:
 * files written here (or by numpy / h5py in a subprocess) with fixed-seed data are read back
 * exactly, vectors and payloads included; damaged and truncated files are refused with
 * `CorruptDataError` and nothing is imported from them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { crc32, deflateRawSync } from 'node:zlib';
import * as arrow from 'apache-arrow';
import * as parquet from 'parquet-wasm/node';
import { openVectorFile } from '../src/cli/formats/open.js';
import type { VectorBatch, VectorFile } from '../src/cli/formats/vector-file.js';
import { CorruptDataError } from '../src/errors.js';
import { gaussianVectors } from '../src/eval/random.js';
import {
  HnswlibIndex,
  IndexFlatIP,
  IndexHNSWFlat,
  IndexIDMap2,
  writeHnswlib,
  writeIndex,
} from '../src/faiss/index.js';
import { Quiver } from '../src/index.js';
import { H5PY_SKIP, writeAnnHdf5, writeNumpyNpz } from './support/ann-files.js';
import { quiverRunner } from './support/cli.js';

const ROWS = 25;
const DIM = 6;
const DATA = gaussianVectors(ROWS, DIM, 7);

let dir: string;
let data: string;
const quiver = quiverRunner(() => data);
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-formats-import-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fixture(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

async function readAll(file: VectorFile, batchSize = 7, fromRow = 0): Promise<VectorBatch[]> {
  const batches: VectorBatch[] = [];
  for await (const batch of file.batches(batchSize, fromRow)) batches.push(batch);
  return batches;
}

function concat(batches: VectorBatch[]): Float32Array {
  const out = new Float32Array(batches.reduce((n, b) => n + b.vectors.length, 0));
  let at = 0;
  for (const b of batches) {
    out.set(b.vectors, at);
    at += b.vectors.length;
  }
  return out;
}

/** `.bvecs` / `.ivecs` bytes: per row an int32 dimension, then the row's uint8 / int32 values. */
function xvecsBytes(rows: number[][], elementBytes: 1 | 4): Uint8Array {
  const d = rows[0].length;
  const out = new Uint8Array(rows.length * (4 + elementBytes * d));
  const view = new DataView(out.buffer);
  rows.forEach((row, r) => {
    const base = r * (4 + elementBytes * d);
    view.setInt32(base, row.length, true);
    row.forEach((v, i) => {
      if (elementBytes === 1) out[base + 4 + i] = v;
      else view.setInt32(base + 4 + 4 * i, v, true);
    });
  });
  return out;
}

/** A `.npy` v1.0 of a 2-D `<f4` array. */
function npyBytes(values: Float32Array, rows: number, d: number): Uint8Array {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${d}), }`;
  const pad = (64 - ((10 + dict.length + 1) % 64)) % 64;
  const header = Buffer.from(`${dict}${' '.repeat(pad)}\n`, 'latin1');
  const out = Buffer.alloc(10 + header.length + values.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  out.writeUInt16LE(header.length, 8);
  header.copy(out, 10);
  Buffer.from(values.buffer, values.byteOffset, values.byteLength).copy(out, 10 + header.length);
  return out;
}

/** A ZIP archive laid out byte for byte (local headers, central directory, end record). */
function zipBytes(members: { name: string; data: Uint8Array; deflate: boolean }[]): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name);
    const body = m.deflate ? deflateRawSync(m.data) : Buffer.from(m.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(m.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc32(m.data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(m.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(m.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc32(m.data), 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(m.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** An Arrow table: id (int64), vector (FixedSizeList or List of float32), label, score, tags. */
function arrowTable(fixed: boolean): arrow.Table {
  const rows = Array.from({ length: ROWS }, (_, r) => Array.from(DATA.subarray(r * DIM, (r + 1) * DIM)));
  const item = new arrow.Field('item', new arrow.Float32(), true);
  return new arrow.Table({
    id: arrow.vectorFromArray(
      Array.from({ length: ROWS }, (_, r) => BigInt(100 + r)),
      new arrow.Int64(),
    ),
    vector: arrow.vectorFromArray(rows, fixed ? new arrow.FixedSizeList(DIM, item) : new arrow.List(item)),
    label: arrow.vectorFromArray(
      Array.from({ length: ROWS }, (_, r) => (r % 5 === 0 ? null : `label-${r % 3}`)),
      new arrow.Utf8(),
    ),
    score: arrow.vectorFromArray(
      Array.from({ length: ROWS }, (_, r) => r / 4),
      new arrow.Float64(),
    ),
    tags: arrow.vectorFromArray(
      Array.from({ length: ROWS }, (_, r) => [r, r + 1]),
      new arrow.List(new arrow.Field('item', new arrow.Int32(), true)),
    ),
  });
}

function parquetBytes(table: arrow.Table, rowGroupSize: number): Uint8Array {
  const wasmTable = parquet.Table.fromIPCStream(arrow.tableToIPC(table, 'stream'));
  const props = new parquet.WriterPropertiesBuilder().setMaxRowGroupSize(rowGroupSize).build();
  return parquet.writeParquet(wasmTable, props);
}

function expectedPayload(r: number): Record<string, unknown> {
  const payload: Record<string, unknown> = { score: r / 4, tags: [r, r + 1] };
  if (r % 5 !== 0) payload.label = `label-${r % 3}`;
  return payload;
}

describe('readers', () => {
  test('.bvecs and .ivecs rows come back as float32, in batches from any row', async () => {
    const rows = Array.from({ length: 9 }, (_, r) =>
      Array.from({ length: 4 }, (_, i) => (r * 31 + i * 7) % 256),
    );
    const bvecs = await openVectorFile(await fixture('a.bvecs', xvecsBytes(rows, 1)));
    assert.deepEqual([bvecs.rows, bvecs.dimension], [9, 4]);
    assert.deepEqual(Array.from(concat(await readAll(bvecs, 4))), rows.flat());
    const ints = rows.map((row) => row.map((v) => v * 1000 - 70000));
    const ivecs = await openVectorFile(await fixture('a.ivecs', xvecsBytes(ints, 4)));
    const tail = await readAll(ivecs, 2, 5);
    assert.equal(tail[0].start, 5);
    assert.deepEqual(Array.from(concat(tail)), ints.slice(5).flat());
  });

  test('.npz written byte for byte: stored and deflated members, chosen by name or alone', async () => {
    const npy = npyBytes(DATA, ROWS, DIM);
    for (const deflate of [false, true]) {
      const two = zipBytes([
        { name: 'other.npy', data: npyBytes(DATA.subarray(0, DIM), 1, DIM), deflate },
        { name: 'vectors.npy', data: npy, deflate },
      ]);
      const file = await openVectorFile(await fixture(`two-${deflate}.npz`, two));
      assert.deepEqual([file.rows, file.dimension], [ROWS, DIM]);
      assert.deepEqual(concat(await readAll(file, 4)), DATA);
      const other = await openVectorFile(join(dir, `two-${deflate}.npz`), 'npz', { vectorColumn: 'other' });
      assert.equal(other.rows, 1);
      const tail = await readAll(file, 10, 20);
      assert.deepEqual(tail[0].vectors, DATA.subarray(20 * DIM));
    }
    const alone = await openVectorFile(
      await fixture('one.npz', zipBytes([{ name: 'x.npy', data: npy, deflate: true }])),
    );
    assert.deepEqual(concat(await readAll(alone)), DATA);
  });

  test('.npz from numpy (savez and savez_compressed)', { skip: H5PY_SKIP }, async () => {
    for (const compressed of [false, true]) {
      const path = join(dir, `numpy-${compressed}.npz`);
      writeNumpyNpz(path, DATA, DIM, compressed);
      const file = await openVectorFile(path, 'npz', { vectorColumn: 'vectors' });
      assert.deepEqual(concat(await readAll(file, 8)), DATA);
    }
  });

  test('HDF5 in ann-benchmarks layout: train rows, in batches', { skip: H5PY_SKIP }, async () => {
    const path = join(dir, 'ann.hdf5');
    writeAnnHdf5(path, DATA, gaussianVectors(3, DIM, 8), DIM, 5, 'euclidean');
    const file = await openVectorFile(path);
    assert.deepEqual([file.format, file.rows, file.dimension], ['hdf5', ROWS, DIM]);
    assert.deepEqual(concat(await readAll(file, 6)), DATA);
    assert.deepEqual(concat(await readAll(file, 6, 13)), DATA.subarray(13 * DIM));
  });

  test('Arrow IPC (file and stream) and Parquet: vectors, ids and payloads', async () => {
    const files = [
      await fixture('t.arrow', arrow.tableToIPC(arrowTable(true), 'file')),
      await fixture('t.arrows', arrow.tableToIPC(arrowTable(false), 'stream')),
      await fixture('t.parquet', parquetBytes(arrowTable(true), 10)),
      await fixture('list.parquet', parquetBytes(arrowTable(false), 8)),
    ];
    for (const path of files) {
      const file = await openVectorFile(path);
      const batches = await readAll(file, 4);
      assert.deepEqual(concat(batches), DATA, path);
      assert.deepEqual(
        batches.flatMap((b) => b.ids),
        Array.from({ length: ROWS }, (_, r) => 100 + r),
      );
      assert.deepEqual(
        batches.flatMap((b) => b.payloads),
        Array.from({ length: ROWS }, (_, r) => expectedPayload(r)),
        path,
      );
      const tail = await readAll(file, 100, 17);
      assert.deepEqual([tail[0].start, tail[0].ids?.[0]], [17, 117], path);
    }
    const rowIds = await openVectorFile(files[2], 'parquet', { vectorColumn: 'vector', idColumn: 'label' });
    await assert.rejects(readAll(rowIds), /row 0: id null/);
  });

  test('FAISS files: id-mapped labels or row numbers, reconstructed vectors, the index metric', async () => {
    const mapped = new IndexIDMap2(new IndexFlatIP(DIM));
    mapped.addWithIds(
      DATA,
      Array.from({ length: ROWS }, (_, r) => 1000 + 3 * r),
    );
    await writeIndex(mapped, join(dir, 'ip.faiss'));
    const file = await openVectorFile(join(dir, 'ip.faiss'));
    assert.deepEqual([file.format, file.rows, file.dimension, file.metric], ['faiss', ROWS, DIM, 'ip']);
    const batches = await readAll(file, 10, 4);
    assert.deepEqual(concat(batches), DATA.subarray(4 * DIM));
    assert.deepEqual(
      batches.flatMap((b) => b.ids),
      Array.from({ length: ROWS - 4 }, (_, r) => 1000 + 3 * (r + 4)),
    );
    const hnsw = new IndexHNSWFlat(DIM, 8);
    hnsw.add(DATA);
    await writeIndex(hnsw, join(dir, 'hnsw.index'));
    const plain = await openVectorFile(join(dir, 'hnsw.index'));
    const rows = await readAll(plain, 100);
    assert.deepEqual([rows[0].ids, plain.metric], [undefined, 'l2']);
    assert.deepEqual(concat(rows), DATA);
  });

  test('hnswlib files: labels as ids, deleted elements left out, stored (normalized) vectors', async () => {
    const index = new HnswlibIndex('cosine', DIM, { maxElements: ROWS });
    index.addItems(
      DATA,
      Array.from({ length: ROWS }, (_, r) => 50 + r),
    );
    index.markDeleted(50 + 3);
    await writeHnswlib(index, join(dir, 'cos.hnsw'));
    const file = await openVectorFile(join(dir, 'cos.hnsw'), 'hnswlib', { metric: 'cosine' });
    assert.deepEqual([file.rows, file.dimension, file.metric], [ROWS - 1, DIM, 'cosine']);
    const batches = await readAll(file, 5);
    const ids = batches.flatMap((b) => b.ids);
    assert.deepEqual(
      ids,
      Array.from({ length: ROWS }, (_, r) => 50 + r).filter((id) => id !== 53),
    );
    const vectors = concat(batches);
    for (const [i, id] of ids.entries()) {
      const r = (id as number) - 50;
      const row = DATA.subarray(r * DIM, (r + 1) * DIM);
      const norm = Math.hypot(...row);
      for (let j = 0; j < DIM; j++) assert.ok(Math.abs(vectors[i * DIM + j] - row[j] / norm) < 1e-6);
    }
  });

  test('damaged and truncated files are refused with CorruptDataError on open', async () => {
    const bvecs = xvecsBytes([[1, 2, 3]], 1);
    const npz = zipBytes([{ name: 'vectors.npy', data: npyBytes(DATA, ROWS, DIM), deflate: true }]);
    const cases: [string, Uint8Array][] = [
      ['cut.bvecs', bvecs.subarray(0, bvecs.length - 1)],
      ['cut.ivecs', xvecsBytes([[1, 2]], 4).subarray(0, 9)],
      ['cut.npz', npz.subarray(0, npz.length - 30)],
      ['cut2.npz', npz.subarray(0, 100)],
      ['junk.npz', new Uint8Array(100).fill(7)],
      ['cut.arrow', arrow.tableToIPC(arrowTable(true), 'file').subarray(0, 300)],
      ['cut.parquet', parquetBytes(arrowTable(true), 10).subarray(0, 300)],
      ['junk.parquet', new Uint8Array(64).fill(1)],
      ['junk.hdf5', new Uint8Array(64).fill(1)],
      ['cut.faiss', readFileSync(join(dir, 'ip.faiss')).subarray(0, 200)],
      ['cut.hnsw', readFileSync(join(dir, 'cos.hnsw')).subarray(0, 300)],
    ];
    for (const [name, bytes] of cases) {
      await assert.rejects(openVectorFile(await fixture(name, bytes)), CorruptDataError, name);
    }
  });

  test('truncated HDF5 is refused with CorruptDataError', { skip: H5PY_SKIP }, async () => {
    const path = join(dir, 'whole.hdf5');
    writeAnnHdf5(path, DATA, gaussianVectors(3, DIM, 8), DIM, 5, 'euclidean');
    const bytes = await readFile(path);
    const cut = await fixture('cut.hdf5', bytes.subarray(0, bytes.length - 200));
    await assert.rejects(openVectorFile(cut), CorruptDataError);
  });
});

describe('quiver import', () => {
  before(async () => {
    data = join(dir, 'db');
  });

  test('a Parquet file with ids and payloads, a .bvecs file with row-number ids', async () => {
    const parquetPath = await fixture('import.parquet', parquetBytes(arrowTable(true), 10));
    const out = await quiver.ok(['import', 'pq', parquetPath, '--create', '--batch', '6']);
    assert.match(out, /imported 25 points into pq/);
    const rows = [
      [1, 2, 3],
      [4, 5, 255],
    ];
    await quiver.ok([
      'import',
      'bv',
      await fixture('import.bvecs', xvecsBytes(rows, 1)),
      '--create',
      '--id-start',
      '10',
    ]);
    const db = await Quiver.open(data);
    try {
      const points = await db.collection('pq').get([100, 113, 124], { withVector: true });
      assert.deepEqual(
        points.map((p) => p.payload),
        [0, 13, 24].map(expectedPayload),
      );
      assert.deepEqual(
        Array.from(points[1].vector as Float32Array),
        Array.from(DATA.subarray(13 * DIM, 14 * DIM)),
      );
      const bv = await db.collection('bv').get([10, 11], { withVector: true });
      assert.deepEqual(
        bv.map((p) => Array.from(p.vector as Float32Array)),
        rows,
      );
    } finally {
      await db.close();
    }
  });

  test('an ann-benchmarks HDF5 file: train rows, ids are row numbers', { skip: H5PY_SKIP }, async () => {
    const path = join(dir, 'import.hdf5');
    writeAnnHdf5(path, DATA, gaussianVectors(3, DIM, 8), DIM, 5, 'euclidean');
    assert.match(await quiver.ok(['import', 'h5', path, '--create']), /imported 25 points/);
    const db = await Quiver.open(data);
    try {
      const [p] = await db.collection('h5').get([24], { withVector: true });
      assert.deepEqual(Array.from(p.vector as Float32Array), Array.from(DATA.subarray(24 * DIM)));
      assert.equal((await db.collection('h5').info()).count, ROWS);
    } finally {
      await db.close();
    }
  });

  test('a FAISS file: --create takes its metric, ids are its labels', async () => {
    assert.match(await quiver.ok(['import', 'fx', join(dir, 'ip.faiss'), '--create']), /imported 25 points/);
    const db = await Quiver.open(data);
    try {
      const fx = db.collection('fx');
      assert.equal(fx.metric, 'ip');
      const [p] = await fx.get([1000 + 3 * 7], { withVector: true });
      assert.deepEqual(p.vector, DATA.subarray(7 * DIM, 8 * DIM));
    } finally {
      await db.close();
    }
  });

  test('a refused file imports nothing and creates no collection', async () => {
    const npz = zipBytes([{ name: 'vectors.npy', data: npyBytes(DATA, ROWS, DIM), deflate: false }]);
    const cut = await fixture('refused.npz', npz.subarray(0, npz.length - 10));
    await quiver.fails(['import', 'refused', cut, '--create'], 1, /refused\.npz: not a readable ZIP/);
    const db = await Quiver.open(data);
    try {
      assert.equal((await db.listCollections()).includes('refused'), false);
    } finally {
      await db.close();
    }
  });

  test('usage errors for column options', async () => {
    await quiver.fails(
      ['import', 'x', join(dir, 'a.bvecs'), '--vector-column', 'v'],
      2,
      /--vector-column applies/,
    );
    await quiver.fails(
      ['import', 'x', join(dir, 'two-true.npz'), '--id-column', 'v'],
      2,
      /--id-column applies/,
    );
  });
});
