/**
 * FAISS files of the quantized classes in both directions with Debian's python3-faiss:
 * IndexIVFFlat (IwFl), IndexIVFPQ (IwPQ), IndexScalarQuantizer QT_8bit (IxSQ), IndexPQ
 * (IxPq), IndexLSH (IxHe). Python builds, trains and writes each; Quiver reads it and must
 * answer as Python does (same distances within 1e-4 relative, labels equal up to ties);
 * Quiver writes it back and Python's answers on that copy are bit-identical to its own.
 * Then Quiver builds and trains each itself and Python reads Quiver's files with the same
 * results. One Python process per direction (importing faiss is slow on a busy machine).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { gaussianVectors } from '../src/eval/random.js';
import {
  type Index,
  IndexFlatIP,
  IndexFlatL2,
  IndexIVFFlat,
  IndexIVFPQ,
  IndexLSH,
  IndexPQ,
  IndexScalarQuantizer,
  METRIC_INNER_PRODUCT,
  METRIC_L2,
  QT_8bit,
  readIndex,
  writeIndex,
} from '../src/faiss/index.js';
import { assertSameResults, assertSameUpToTies } from './support/faiss-compare.js';
import { FAISS_SKIP, runFaissBatch, ScratchDir, searchOp } from './support/faiss-python.js';

const D = 32;
const N = 4000;
const K = 10;
const NPROBE = 4;
const base = gaussianVectors(N, D, 21);
const queries = gaussianVectors(12, D, 22);
/**
 * Share of positions whose labels must be identical (the rest may differ only by ties, which
 * `assertSameUpToTies` checks): 0.9, and 0.75 for LSH, whose Hamming distances tie often.
 */
const minSame = (name: string) => (name.startsWith('IndexLSH') ? 0.75 : 0.9);

const specs = [
  { name: 'IndexIVFFlat', spec: { kind: 'ivfflat', nlist: 32 } },
  { name: 'IndexIVFFlat IP', spec: { kind: 'ivfflat', nlist: 32, metric: 'ip' } },
  { name: 'IndexIVFFlat with a direct map', spec: { kind: 'ivfflat', nlist: 32, directMap: true } },
  { name: 'IndexIVFPQ', spec: { kind: 'ivfpq', nlist: 32, m: 8 } },
  { name: 'IndexIVFPQ IP', spec: { kind: 'ivfpq', nlist: 16, m: 4, metric: 'ip' } },
  { name: 'IndexScalarQuantizer', spec: { kind: 'sq8' } },
  { name: 'IndexScalarQuantizer IP', spec: { kind: 'sq8', metric: 'ip' } },
  { name: 'IndexPQ', spec: { kind: 'pq', m: 8 } },
  { name: 'IndexPQ IP', spec: { kind: 'pq', m: 8, metric: 'ip' } },
  { name: 'IndexLSH', spec: { kind: 'lsh', nbits: 64 } },
];

describe('quantized FAISS files, both directions', { skip: FAISS_SKIP }, () => {
  const scratch = new ScratchDir();
  after(() => scratch.remove());
  const basePath = scratch.writeF32(base);
  const queryPath = scratch.writeF32(queries);
  const params = { nprobe: NPROBE };

  test("files written by Python FAISS: Quiver answers as Python does, and Python reads Quiver's copies", async () => {
    const files = specs.map((s) => scratch.path(`${s.name.replace(/\W+/g, '-')}.faiss`));
    const theirs = specs.map((_, i) => searchOp(scratch, files[i], D, queryPath, K, params));
    runFaissBatch([
      ...specs.map((s, i) => ({ op: 'build', spec: s.spec, d: D, base: basePath, out: files[i] })),
      ...theirs.map((t) => t.op),
    ]);
    const copies = files.map((f) => `${f}.quiver`);
    const ours: Array<{ distances: Float32Array; labels: BigInt64Array }> = [];
    for (const [i, s] of specs.entries()) {
      const index = await readIndex(files[i]);
      try {
        assert.equal(index.className, s.name.split(' ')[0]);
        assert.equal(index.ntotal, N);
        assert.equal(index.metricType, s.spec.metric === 'ip' ? METRIC_INNER_PRODUCT : METRIC_L2);
        const r = await index.search(queries, K, params);
        const same = assertSameUpToTies(r, theirs[i].results(), K, 1e-4);
        assert.ok(same >= minSame(s.name), `${s.name}: ${same} of labels identical`);
        ours.push(r);
        await writeIndex(index, copies[i]);
      } finally {
        index.dispose();
      }
    }
    const again = copies.map((c) => searchOp(scratch, c, D, queryPath, K, params));
    const infos = runFaissBatch(again.map((a) => a.op));
    for (const [i, s] of specs.entries()) {
      assert.equal(infos[i].ntotal, N, s.name);
      assertSameResults(again[i].results(), theirs[i].results(), 0);
    }
  });

  test('indexes Quiver builds and writes: Python FAISS reads them and answers as Quiver does', async () => {
    const built: Array<{ name: string; index: Index }> = [
      { name: 'IndexIVFFlat', index: new IndexIVFFlat(new IndexFlatL2(D), D, 32) },
      { name: 'IndexIVFFlat IP', index: new IndexIVFFlat(new IndexFlatIP(D), D, 16, METRIC_INNER_PRODUCT) },
      { name: 'IndexIVFPQ', index: new IndexIVFPQ(new IndexFlatL2(D), D, 32, 8) },
      { name: 'IndexIVFPQ IP', index: new IndexIVFPQ(new IndexFlatIP(D), D, 16, 4, 8, METRIC_INNER_PRODUCT) },
      { name: 'IndexScalarQuantizer', index: new IndexScalarQuantizer(D, QT_8bit) },
      { name: 'IndexScalarQuantizer IP', index: new IndexScalarQuantizer(D, QT_8bit, METRIC_INNER_PRODUCT) },
      { name: 'IndexPQ', index: new IndexPQ(D, 8) },
      { name: 'IndexLSH', index: new IndexLSH(D, 64) },
      { name: 'IndexLSH thresholds', index: new IndexLSH(D, 48, true, true) },
    ];
    // Lists written sparse ('sprs'): 256 lists, most of them empty after a tiny add.
    const sparse = new IndexIVFFlat(new IndexFlatL2(D), D, 256);
    await sparse.train(base);
    sparse.add(base.subarray(0, 20 * D));
    sparse.nprobe = 256;
    const sparseFile = scratch.path('quiver-sparse.faiss');
    await writeIndex(sparse, sparseFile);
    const sparseOurs = await sparse.search(queries, K);
    sparse.dispose();
    const files: string[] = [];
    const ours: Array<{ distances: Float32Array; labels: BigInt64Array }> = [];
    for (const { name, index } of built) {
      if (index instanceof IndexIVFFlat || index instanceof IndexIVFPQ) index.nprobe = NPROBE;
      await index.train(base);
      assert.ok(index.isTrained, name);
      index.add(base);
      ours.push(await index.search(queries, K));
      const file = scratch.path(`quiver-${name.replace(/\W+/g, '-')}.faiss`);
      await writeIndex(index, file);
      files.push(file);
    }
    const theirs = files.map((f) => searchOp(scratch, f, D, queryPath, K));
    const sparseTheirs = searchOp(scratch, sparseFile, D, queryPath, K, { nprobe: 256 });
    const infos = runFaissBatch([...theirs.map((t) => t.op), sparseTheirs.op]);
    assert.equal(infos[built.length].ntotal, 20);
    assertSameResults(sparseOurs, sparseTheirs.results());
    for (const [i, { name, index }] of built.entries()) {
      assert.equal(infos[i].ntotal, N, name);
      assert.equal(infos[i].class, index.className, name);
      const same = assertSameUpToTies(ours[i], theirs[i].results(), K, 1e-4);
      assert.ok(same >= minSame(name), `${name}: ${same} of labels identical`);
      index.dispose();
    }
  });
});
