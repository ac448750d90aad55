/**
 * hnswlib's `saveIndex` files in both directions, with Debian's python3-hnswlib (0.6.2, in
 * a subprocess) and with hnswlib-node: an index hnswlib saves is loaded by Quiver's
 * `HnswlibIndex` and answers the same queries with the same labels and distances (the same
 * graph walked the same way; ties and float rounding aside), and an index Quiver saves is
 * loaded by hnswlib, which then answers exactly as it did on its own file or as Quiver does.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CorruptDataError } from '../src/errors.js';
import { gaussianVectors } from '../src/eval/random.js';
import { HnswlibIndex, type HnswlibSpace, readHnswlib, writeHnswlib } from '../src/faiss/index.js';
import { assertSameResults, assertSameUpToTies } from './support/faiss-compare.js';
import { HNSWLIB_PYTHON, HNSWLIB_SKIP, ScratchDir } from './support/faiss-python.js';

const SCRIPT = fileURLToPath(new URL('../../test/support/faiss_hnswlib_ref.py', import.meta.url));
const require = createRequire(import.meta.url);
const { HierarchicalNSW } = require('hnswlib-node') as typeof import('hnswlib-node');

const DIM = 16;
const N = 2000;
const K = 10;
const EF = 64;
const base = gaussianVectors(N, DIM, 31);
const queries = gaussianVectors(20, DIM, 32);
/** Labels identical at this share of positions at least; the rest may differ only by ties. */
const MIN_SAME = 0.98;

function runHnswlib(cmds: Record<string, unknown>[]): void {
  execFileSync(HNSWLIB_PYTHON as string, [SCRIPT, JSON.stringify(cmds)], { encoding: 'utf8' });
}

function toResults(labels: BigUint64Array | BigInt64Array, distances: Float32Array) {
  return { labels: BigInt64Array.from(labels, (v) => BigInt.asIntN(64, v)), distances };
}

describe('hnswlib files from python3-hnswlib', { skip: HNSWLIB_SKIP }, () => {
  const scratch = new ScratchDir();
  after(() => scratch.remove());
  const data = scratch.writeF32(base);
  const qpath = scratch.writeF32(queries);

  test("l2, ip and cosine: same results as hnswlib, and hnswlib loads Quiver's copy", async () => {
    const spaces: HnswlibSpace[] = ['l2', 'ip', 'cosine'];
    const ids = BigInt64Array.from({ length: N }, (_, i) => BigInt(i * 10 + 3));
    const deleted = [13, 23, 1003];
    const files = spaces.map((s) => scratch.path(`py-${s}.bin`));
    const out = (s: string, tag: string) => ({
      outL: scratch.path(`${s}-${tag}.L`),
      outD: scratch.path(`${s}-${tag}.D`),
    });
    runHnswlib([
      ...spaces.map((space, i) => ({
        op: 'build',
        space,
        dim: DIM,
        data,
        ids: scratch.writeI64(ids),
        M: 12,
        efConstruction: 100,
        deleted,
        out: files[i],
      })),
      ...spaces.map((space, i) => ({
        op: 'search',
        space,
        dim: DIM,
        index: files[i],
        queries: qpath,
        k: K,
        ef: EF,
        ...out(space, 'py'),
      })),
    ]);
    const read = (s: string, tag: string) => {
      const o = out(s, tag);
      return toResults(scratch.readU64(o.outL), scratch.readF32(o.outD));
    };
    for (const [i, space] of spaces.entries()) {
      const index = await readHnswlib(files[i], space, DIM);
      assert.equal(index.elementCount, N);
      assert.equal(index.idsList().length, N - deleted.length);
      const ours = await index.knnQuery(queries, K, EF);
      for (const label of ours.labels)
        assert.ok(!deleted.includes(Number(label)), `deleted label ${label} returned`);
      const same = assertSameUpToTies(ours, read(space, 'py'), K, 1e-4);
      assert.ok(same >= MIN_SAME, `${space}: ${same} of labels identical`);
      await writeHnswlib(index, `${files[i]}.quiver`);
      index.dispose();
    }
    runHnswlib(
      spaces.map((space, i) => ({
        op: 'search',
        space,
        dim: DIM,
        index: `${files[i]}.quiver`,
        queries: qpath,
        k: K,
        ef: EF,
        ...out(space, 'again'),
      })),
    );
    for (const space of spaces) assertSameResults(read(space, 'again'), read(space, 'py'), 0);
  });

  test('an index Quiver builds is loaded by python3-hnswlib with the same results', async () => {
    const index = new HnswlibIndex('l2', DIM, { M: 16, efConstruction: 100 });
    index.addItems(base);
    index.markDeleted(5);
    const file = scratch.path('quiver.bin');
    await writeHnswlib(index, file);
    const o = { outL: scratch.path('q.L'), outD: scratch.path('q.D') };
    runHnswlib([{ op: 'search', space: 'l2', dim: DIM, index: file, queries: qpath, k: K, ef: EF, ...o }]);
    const theirs = toResults(scratch.readU64(o.outL), scratch.readF32(o.outD));
    const ours = await index.knnQuery(queries, K, EF);
    assert.ok(assertSameUpToTies(ours, theirs, K) >= MIN_SAME);
    index.dispose();
  });
});

describe('hnswlib files from hnswlib-node', () => {
  const scratch = new ScratchDir();
  after(() => scratch.remove());

  test('hnswlib-node saves, Quiver reads and answers the same; Quiver saves, hnswlib-node reads', async () => {
    const native = new HierarchicalNSW('cosine', DIM);
    native.initIndex(N, 16, 100, 7);
    for (let i = 0; i < N; i++) native.addPoint(Array.from(base.subarray(i * DIM, (i + 1) * DIM)), i);
    native.setEf(EF);
    const file = scratch.path('node.bin');
    native.writeIndexSync(file);
    const index = await readHnswlib(file, 'cosine');
    assert.equal(index.dim, DIM);
    const ours = await index.knnQuery(queries, K, EF);
    const theirs = {
      labels: new BigInt64Array((queries.length / DIM) * K),
      distances: new Float32Array((queries.length / DIM) * K),
    };
    for (let q = 0; q < queries.length / DIM; q++) {
      const r = native.searchKnn(Array.from(queries.subarray(q * DIM, (q + 1) * DIM)), K);
      r.neighbors.forEach((label, j) => {
        theirs.labels[q * K + j] = BigInt(label);
        theirs.distances[q * K + j] = r.distances[j];
      });
    }
    assert.ok(assertSameUpToTies(ours, theirs, K) >= MIN_SAME);

    const copy = scratch.path('quiver.bin');
    await writeHnswlib(index, copy);
    const loaded = new HierarchicalNSW('cosine', DIM);
    loaded.readIndexSync(copy);
    loaded.setEf(EF);
    assert.equal(loaded.getCurrentCount(), N);
    for (let q = 0; q < queries.length / DIM; q++) {
      const a = native.searchKnn(Array.from(queries.subarray(q * DIM, (q + 1) * DIM)), K);
      const b = loaded.searchKnn(Array.from(queries.subarray(q * DIM, (q + 1) * DIM)), K);
      assert.deepEqual(b.neighbors, a.neighbors);
    }
    index.dispose();
  });

  test('truncated or corrupt hnswlib files are refused with CorruptDataError', async () => {
    const index = new HnswlibIndex('l2', 8);
    index.addItems(gaussianVectors(100, 8, 3));
    const file = scratch.path('small.bin');
    await writeHnswlib(index, file);
    const bytes = readFileSync(file);
    for (const cut of [0, 10, 96, bytes.length - 1]) {
      writeFileSync(`${file}.cut`, bytes.subarray(0, cut));
      await assert.rejects(readHnswlib(`${file}.cut`, 'l2'), CorruptDataError);
    }
    const bad = Buffer.from(bytes);
    bad.writeInt32LE(40, 8 * 6); // maxlevel: beyond the 31 levels a graph can have
    writeFileSync(`${file}.bad`, bad);
    await assert.rejects(readHnswlib(`${file}.bad`, 'l2'), CorruptDataError);
    await assert.rejects(readHnswlib(file, 'l2', 9), CorruptDataError);
    index.dispose();
  });
});
