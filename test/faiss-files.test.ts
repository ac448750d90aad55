/**
 * FAISS files in both directions with Debian's python3-faiss (1.7.3) in a subprocess, for
 * the flat, HNSW and id-map classes: an index Python writes is read by Quiver and answers
 * the same queries with the same results, and an index Quiver writes is read by Python
 * FAISS with the same results. Skips when python3-faiss is not importable.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { gaussianVectors } from '../src/eval/random.js';
import {
  IndexFlatIP,
  IndexFlatL2,
  IndexHNSWFlat,
  IndexIDMap,
  IndexIDMap2,
  METRIC_INNER_PRODUCT,
  readIndex,
  writeIndex,
} from '../src/faiss/index.js';
import { assertSameResults, assertSameUpToTies, labelOverlap } from './support/faiss-compare.js';
import { FAISS_SKIP, pythonSearch, runFaiss, ScratchDir } from './support/faiss-python.js';

const D = 24;
const N = 3000;
const K = 10;
const base = gaussianVectors(N, D, 11);
const queries = gaussianVectors(15, D, 12);
/** HNSW results may differ from FAISS's walk only by ties and by the rare different path. */
const HNSW_MIN_SAME = 0.98;

describe('FAISS files written by Python FAISS are read by Quiver', { skip: FAISS_SKIP }, () => {
  const scratch = new ScratchDir();
  after(() => scratch.remove());
  const basePath = () => scratch.writeF32(base);

  const cases = [
    { name: 'IndexFlatL2 (IxF2)', spec: { kind: 'flat' }, cls: 'IndexFlatL2', exact: true },
    { name: 'IndexFlatIP (IxFI)', spec: { kind: 'flat', metric: 'ip' }, cls: 'IndexFlatIP', exact: true },
    { name: 'IndexHNSWFlat (IHNf)', spec: { kind: 'hnsw', M: 16 }, cls: 'IndexHNSWFlat', exact: false },
    {
      name: 'IndexHNSWFlat IP (IHNf)',
      spec: { kind: 'hnsw', M: 8, metric: 'ip' },
      cls: 'IndexHNSWFlat',
      exact: false,
    },
    {
      name: 'IndexIDMap over flat (IxMp)',
      spec: { kind: 'idmap', inner: { kind: 'flat' } },
      cls: 'IndexIDMap',
      exact: true,
    },
    {
      name: 'IndexIDMap2 over HNSW (IxM2)',
      spec: { kind: 'idmap2', inner: { kind: 'hnsw', M: 16 } },
      cls: 'IndexIDMap2',
      exact: false,
    },
  ];
  for (const c of cases) {
    test(`${c.name}: same results as Python FAISS, and Python reads Quiver's copy`, async () => {
      const file = scratch.path(`${c.name.replace(/\W+/g, '-')}.faiss`);
      const ids = c.spec.kind.startsWith('idmap')
        ? BigInt64Array.from({ length: N }, (_, i) => BigInt(1_000_000_007 * i + 5))
        : undefined;
      const info = runFaiss({
        op: 'build',
        spec: c.spec,
        d: D,
        base: basePath(),
        ids: ids && scratch.writeI64(ids),
        out: file,
      });
      assert.equal(info.ntotal, N);
      const index = await readIndex(file);
      try {
        assert.equal(index.className, c.cls);
        assert.equal(index.ntotal, N);
        assert.equal(index.d, D);
        const params = { efSearch: 48 };
        const ours = await index.search(queries, K, params);
        const theirs = pythonSearch(scratch, file, D, queries, K, params);
        if (c.exact) assertSameResults(ours, theirs);
        else
          assert.ok(
            assertSameUpToTies(ours, theirs, K) >= HNSW_MIN_SAME ||
              labelOverlap(ours.labels, theirs.labels, K) >= HNSW_MIN_SAME,
          );
        if (ids)
          assert.ok(
            Array.from(ours.labels).every((l) => ids.includes(l)),
            'labels are the id map ids',
          );

        const copy = scratch.path(`${c.name.replace(/\W+/g, '-')}.quiver.faiss`);
        await writeIndex(index, copy);
        const again = pythonSearch(scratch, copy, D, queries, K, params);
        assert.equal(again.info.ntotal, N);
        assert.equal(again.info.class, info.class);
        // Python on Quiver's copy answers exactly as Python on its own file: same graph, same vectors.
        assertSameResults(again, theirs, 0);
      } finally {
        index.dispose();
      }
    });
  }
});

describe('FAISS files written by Quiver are read by Python FAISS', { skip: FAISS_SKIP }, () => {
  const scratch = new ScratchDir();
  after(() => scratch.remove());

  test('IndexFlatL2 and IndexFlatIP: identical results', async () => {
    for (const index of [new IndexFlatL2(D), new IndexFlatIP(D)]) {
      index.add(base);
      const file = scratch.path(`${index.className}.faiss`);
      await writeIndex(index, file);
      const theirs = pythonSearch(scratch, file, D, queries, K);
      assert.equal(theirs.info.class, 'IndexFlat');
      assert.equal(theirs.info.metric, index.metricType);
      assertSameResults(await index.search(queries, K), theirs);
      index.dispose();
    }
  });

  test('IndexHNSWFlat built by Quiver: FAISS walks the same graph to the same neighbours', async () => {
    for (const metric of [1, METRIC_INNER_PRODUCT] as const) {
      const index = new IndexHNSWFlat(D, 16, metric);
      index.efConstruction = 64;
      index.add(base);
      const file = scratch.path(`hnsw-${metric}.faiss`);
      await writeIndex(index, file);
      const params = { efSearch: 48 };
      const theirs = pythonSearch(scratch, file, D, queries, K, params);
      assert.equal(theirs.info.class, 'IndexHNSWFlat');
      const ours = await index.search(queries, K, params);
      assert.ok(assertSameUpToTies(ours, theirs, K) >= HNSW_MIN_SAME);
      const back = await readIndex(file);
      assertSameResults(await back.search(queries, K, params), ours, 0);
      back.dispose();
      index.dispose();
    }
  });

  test('IndexIDMap and IndexIDMap2 keep their 64-bit ids', async () => {
    const ids = BigInt64Array.from({ length: N }, (_, i) => (1n << 40n) + BigInt(i) * 3n);
    for (const map of [new IndexIDMap(new IndexFlatL2(D)), new IndexIDMap2(new IndexHNSWFlat(D, 16))]) {
      map.addWithIds(base, ids);
      const file = scratch.path(`${map.className}.faiss`);
      await writeIndex(map, file);
      const theirs = pythonSearch(scratch, file, D, queries, K, { efSearch: 48 });
      assert.equal(theirs.info.class, map.className);
      const ours = await map.search(queries, K, { efSearch: 48 });
      assert.ok(assertSameUpToTies(ours, theirs, K) >= HNSW_MIN_SAME);
      map.dispose();
    }
  });
});
