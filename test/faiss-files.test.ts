/**
 * FAISS files in both directions with Debian's python3-faiss (1.7.3) in a subprocess, for
 * the flat (L2, IP and L1), HNSW and id-map classes: an index Python writes is read by Quiver and answers
 * the same queries with the same results (flat: identical labels; HNSW: the same graph
 * walked by Quiver's search, identical labels at ≥ 98% of positions and the rest only ties),
 * and an index Quiver writes is read by Python FAISS with the same results. One Python
 * process per direction and step (importing faiss is slow on a busy machine). Skips when
 * python3-faiss is not importable.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { gaussianVectors } from '../src/eval/random.js';
import {
  type Index,
  IndexFlat,
  IndexFlatIP,
  IndexFlatL2,
  IndexHNSWFlat,
  IndexIDMap,
  IndexIDMap2,
  METRIC_INNER_PRODUCT,
  METRIC_L1,
  METRIC_L2,
  readIndex,
  writeIndex,
} from '../src/faiss/index.js';
import { assertSameResults, assertSameUpToTies } from './support/faiss-compare.js';
import { FAISS_SKIP, runFaissBatch, ScratchDir, searchOp } from './support/faiss-python.js';

const D = 24;
const N = 3000;
const K = 10;
const base = gaussianVectors(N, D, 11);
const queries = gaussianVectors(15, D, 12);
/** HNSW: share of positions whose labels must be identical; the others may differ only by ties. */
const HNSW_MIN_SAME = 0.98;
const params = { efSearch: 48 };

describe('FAISS files of the flat, HNSW and id-map classes, both directions', { skip: FAISS_SKIP }, () => {
  const scratch = new ScratchDir();
  after(() => scratch.remove());
  const basePath = scratch.writeF32(base);
  const queryPath = scratch.writeF32(queries);
  const ids = BigInt64Array.from({ length: N }, (_, i) => BigInt(1_000_000_007 * i + 5));
  const idsPath = scratch.writeI64(ids);

  test("files written by Python FAISS: Quiver answers as Python does, and Python reads Quiver's copies", async () => {
    const cases = [
      { cls: 'IndexFlatL2', spec: { kind: 'flat' }, exact: true },
      { cls: 'IndexFlatIP', spec: { kind: 'flat', metric: 'ip' }, exact: true },
      { cls: 'IndexFlat', spec: { kind: 'flat', metric: 'l1' }, exact: true },
      { cls: 'IndexHNSWFlat', spec: { kind: 'hnsw', M: 16 }, exact: false },
      { cls: 'IndexHNSWFlat', spec: { kind: 'hnsw', M: 8, metric: 'ip' }, exact: false },
      { cls: 'IndexIDMap', spec: { kind: 'idmap', inner: { kind: 'flat' } }, exact: true },
      { cls: 'IndexIDMap2', spec: { kind: 'idmap2', inner: { kind: 'hnsw', M: 16 } }, exact: false },
    ];
    const files = cases.map((_, i) => scratch.path(`py-${i}.faiss`));
    const theirs = files.map((f) => searchOp(scratch, f, D, queryPath, K, params));
    const built = runFaissBatch([
      ...cases.map((c, i) => ({
        op: 'build',
        spec: c.spec,
        d: D,
        base: basePath,
        ids: c.spec.kind.startsWith('idmap') ? idsPath : undefined,
        out: files[i],
      })),
      ...theirs.map((t) => t.op),
    ]);
    for (const [i, c] of cases.entries()) {
      assert.equal(built[i].ntotal, N);
      const index = await readIndex(files[i]);
      try {
        assert.equal(index.className, c.cls);
        assert.equal(index.ntotal, N);
        assert.equal(index.d, D);
        const metric = { ip: METRIC_INNER_PRODUCT, l1: METRIC_L1 }[c.spec.metric ?? ''] ?? METRIC_L2;
        assert.equal(index.metricType, metric);
        const ours = await index.search(queries, K, params);
        if (c.exact) assertSameResults(ours, theirs[i].results());
        else assert.ok(assertSameUpToTies(ours, theirs[i].results(), K) >= HNSW_MIN_SAME, c.cls);
        if (c.spec.kind.startsWith('idmap'))
          assert.ok(
            ours.labels.every((l) => ids.includes(l)),
            'labels are the ids',
          );
        await writeIndex(index, `${files[i]}.quiver`);
      } finally {
        index.dispose();
      }
    }
    const again = files.map((f) => searchOp(scratch, `${f}.quiver`, D, queryPath, K, params));
    const infos = runFaissBatch(again.map((a) => a.op));
    for (const [i, c] of cases.entries()) {
      assert.equal(infos[i].class, built[i].class, c.cls);
      assert.equal(infos[i].ntotal, N);
      // Same vectors, same graph, same ids: Python answers bit for bit as on its own file.
      assertSameResults(again[i].results(), theirs[i].results(), 0);
    }
  });

  test('indexes Quiver builds: Python FAISS reads them and answers as Quiver does', async () => {
    const hnsw = (metric: 0 | 1) => {
      const h = new IndexHNSWFlat(D, 16, metric);
      h.efConstruction = 64;
      return h;
    };
    const cases: Array<{ index: Index; pyClass: string; exact: boolean; withIds?: boolean }> = [
      { index: new IndexFlatL2(D), pyClass: 'IndexFlat', exact: true },
      { index: new IndexFlatIP(D), pyClass: 'IndexFlat', exact: true },
      { index: new IndexFlat(D, METRIC_L1), pyClass: 'IndexFlat', exact: true },
      { index: hnsw(METRIC_L2), pyClass: 'IndexHNSWFlat', exact: false },
      { index: hnsw(METRIC_INNER_PRODUCT), pyClass: 'IndexHNSWFlat', exact: false },
      { index: new IndexIDMap(new IndexFlatL2(D)), pyClass: 'IndexIDMap', exact: true, withIds: true },
      { index: new IndexIDMap2(hnsw(METRIC_L2)), pyClass: 'IndexIDMap2', exact: false, withIds: true },
    ];
    const bigIds = BigInt64Array.from({ length: N }, (_, i) => (1n << 40n) + BigInt(i) * 3n);
    const files: string[] = [];
    const ours: Array<{ distances: Float32Array; labels: BigInt64Array }> = [];
    for (const [i, c] of cases.entries()) {
      if (c.withIds) c.index.addWithIds(base, bigIds);
      else c.index.add(base);
      ours.push(await c.index.search(queries, K, params));
      files.push(scratch.path(`quiver-${i}.faiss`));
      await writeIndex(c.index, files[i]);
    }
    const theirs = files.map((f) => searchOp(scratch, f, D, queryPath, K, params));
    const infos = runFaissBatch(theirs.map((t) => t.op));
    for (const [i, c] of cases.entries()) {
      assert.equal(infos[i].class, c.pyClass);
      assert.equal(infos[i].metric, c.index.metricType);
      if (c.exact) assertSameResults(ours[i], theirs[i].results());
      else assert.ok(assertSameUpToTies(ours[i], theirs[i].results(), K) >= HNSW_MIN_SAME, c.pyClass);
      if (c.index instanceof IndexHNSWFlat) {
        const back = await readIndex(files[i]);
        assertSameResults(await back.search(queries, K, params), ours[i], 0);
        back.dispose();
      }
      c.index.dispose();
    }
  });
});
