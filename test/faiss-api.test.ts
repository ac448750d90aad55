/**
 * `quiverdb/faiss`'s API on its own (no Python needed): the seeds' FAISS snippet rewritten
 * line for line, FAISS's result layout (n×k, -1 labels), range search, removal,
 * reconstruction, search-time parameters, the index factory, and refusal of truncated,
 * corrupt and unknown files. Exact answers are checked against a float64 brute force.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { CorruptDataError, InvalidArgumentError } from '../src/errors.js';
import { gaussianVectors } from '../src/eval/random.js';
import {
  deserializeIndex,
  FLT_MAX,
  type Index,
  IndexFlatIP,
  IndexFlatL2,
  IndexHNSWFlat,
  IndexIDMap,
  IndexIDMap2,
  IndexIVFFlat,
  IndexIVFPQ,
  IndexLSH,
  IndexPQ,
  IndexScalarQuantizer,
  indexFactory,
  METRIC_INNER_PRODUCT,
  METRIC_L1,
  METRIC_L2,
  NotTrainedError,
  readIndex,
  serializeIndex,
  UnsupportedIndexFileError,
  UnsupportedOperationError,
  writeIndex,
} from '../src/faiss/index.js';
import { ScratchDir } from './support/faiss-python.js';

const d = 16;
const features = gaussianVectors(1000, d, 41);
const query = gaussianVectors(3, d, 42);

/** Float64 brute force: the k nearest by squared L2 (or largest inner product), ties to the lower row. */
function bruteForce(rows: Float32Array, q: Float32Array, k: number, ip = false) {
  const n = rows.length / d;
  const scored = Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += ip ? rows[i * d + j] * q[j] : (rows[i * d + j] - q[j]) ** 2;
    return { i, s };
  });
  scored.sort((a, b) => (ip ? b.s - a.s : a.s - b.s) || a.i - b.i);
  return scored.slice(0, k);
}

describe('quiverdb/faiss API', () => {
  const scratch = new ScratchDir();
  after(() => scratch.remove());

  test("the seeds' snippet, line for line: IndexFlatL2(d), add, search(q, 5), write_index, read_index", async () => {
    const index = new IndexFlatL2(d); // index = faiss.IndexFlatL2(d)
    index.add(features); // index.add(features)
    const { distances: D, labels: I } = await index.search(query, 5); // D, I = index.search(query, 5)
    await writeIndex(index, scratch.path('index.faiss')); // faiss.write_index(index, "index.faiss")
    const loaded = await readIndex(scratch.path('index.faiss')); // index = faiss.read_index("index.faiss")

    assert.equal(D.length, 3 * 5);
    for (let q = 0; q < 3; q++) {
      const expected = bruteForce(features, query.subarray(q * d, (q + 1) * d), 5);
      assert.deepEqual(
        Array.from(I.subarray(q * 5, q * 5 + 5)),
        expected.map((e) => BigInt(e.i)),
      );
      expected.forEach((e, j) => {
        assert.ok(Math.abs(D[q * 5 + j] - e.s) < 1e-4 * Math.max(1, e.s));
      });
    }
    assert.equal(loaded.className, 'IndexFlatL2');
    assert.equal(loaded.ntotal, 1000);
    const again = await loaded.search(query, 5);
    assert.deepEqual(again.labels, I);
    assert.deepEqual(again.distances, D);
    index.dispose();
    loaded.dispose();
  });

  test('FAISS layout: n×k rows, -1 labels and ±FLT_MAX distances where fewer than k exist', async () => {
    for (const index of [new IndexFlatL2(d), new IndexFlatIP(d)]) {
      index.add(features.subarray(0, 3 * d));
      const r = await index.search(query.subarray(0, d), 5);
      assert.deepEqual(Array.from(r.labels.subarray(3)), [-1n, -1n]);
      const fill = index.metricType === METRIC_L2 ? FLT_MAX : -FLT_MAX;
      assert.deepEqual(Array.from(r.distances.subarray(3)), [Math.fround(fill), Math.fround(fill)]);
      if (index.metricType === METRIC_INNER_PRODUCT)
        assert.ok(r.distances[0] >= r.distances[1] && r.distances[1] >= r.distances[2]);
      index.dispose();
    }
    const empty = new IndexFlatL2(d);
    const r = await empty.search([Array.from(query.subarray(0, d))], 2);
    assert.deepEqual(Array.from(r.labels), [-1n, -1n]);
    await assert.rejects(empty.search(query, 0), InvalidArgumentError);
    await assert.rejects(empty.search(new Float32Array(d + 1), 1), InvalidArgumentError);
    empty.dispose();
  });

  test('rangeSearch: lims, distances and labels as FAISS (L2 < radius, IP > radius)', async () => {
    const index = new IndexFlatL2(d);
    index.add(features);
    const radius = 14;
    const r = await index.rangeSearch(query, radius);
    assert.equal(r.lims.length, 4);
    for (let q = 0; q < 3; q++) {
      const all = bruteForce(features, query.subarray(q * d, (q + 1) * d), 1000).filter((e) => e.s < radius);
      const got = Array.from(r.labels.subarray(r.lims[q], r.lims[q + 1])).map(Number);
      assert.deepEqual(
        got,
        all.map((e) => e.i).sort((a, b) => a - b),
      );
    }
    const ip = new IndexFlatIP(d);
    ip.add(features);
    const rip = await ip.rangeSearch(query, 6);
    for (let j = 0; j < rip.distances.length; j++) assert.ok(rip.distances[j] > 6);
    index.dispose();
    ip.dispose();
  });

  test('removeIds: flat indexes shift later labels; IVF keeps ids; HNSW refuses without crashing', async () => {
    const flat = new IndexFlatL2(d);
    flat.add(features.subarray(0, 10 * d));
    assert.equal(flat.removeIds([2, 5, 99]), 2);
    assert.equal(flat.ntotal, 8);
    assert.deepEqual(flat.reconstruct(2), features.subarray(3 * d, 4 * d));

    const map = new IndexIDMap2(new IndexFlatL2(d));
    map.addWithIds(
      features.subarray(0, 10 * d),
      Array.from({ length: 10 }, (_, i) => 100 + i),
    );
    assert.equal(map.removeIds([103n]), 1);
    assert.deepEqual(map.reconstruct(104), features.subarray(4 * d, 5 * d));
    assert.throws(() => map.reconstruct(103), InvalidArgumentError);
    const hit = await map.search(features.subarray(4 * d, 5 * d), 1);
    assert.equal(hit.labels[0], 104n);
    assert.throws(() => new IndexIDMap(new IndexFlatL2(d)).reconstruct(1), UnsupportedOperationError);
    assert.throws(() => map.add(features.subarray(0, d)), UnsupportedOperationError);

    const ivf = new IndexIVFFlat(new IndexFlatL2(d), d, 8);
    await ivf.train(features);
    ivf.addWithIds(
      features,
      BigInt64Array.from({ length: 1000 }, (_, i) => BigInt(i) * 2n),
    );
    assert.equal(ivf.removeIds([0n, 2n, 3n]), 2);
    assert.equal(ivf.ntotal, 998);
    assert.deepEqual(ivf.reconstruct(8), features.subarray(4 * d, 5 * d));

    const hnsw = new IndexHNSWFlat(d, 8);
    hnsw.add(features.subarray(0, 50 * d));
    assert.throws(() => hnsw.removeIds([1]), UnsupportedOperationError);
    assert.throws(() => flat.addWithIds(features.subarray(0, d), [1]), UnsupportedOperationError);
    for (const i of [flat, map, ivf, hnsw]) i.dispose();
  });

  test('nprobe and efSearch: properties and per-call parameters; all lists probed is exact', async () => {
    const exact = new IndexFlatL2(d);
    exact.add(features);
    const truth = await exact.search(query, 10);
    const ivf = new IndexIVFFlat(new IndexFlatL2(d), d, 16);
    await ivf.train(features);
    ivf.add(features);
    assert.equal(ivf.nprobe, 1);
    const all = await ivf.search(query, 10, { nprobe: 16 });
    assert.deepEqual(all.labels, truth.labels);
    ivf.nprobe = 16;
    assert.deepEqual((await ivf.search(query, 10)).labels, truth.labels);
    await assert.rejects(ivf.search(query, 10, { nprobe: 0 }), InvalidArgumentError);

    const hnsw = new IndexHNSWFlat(d, 16);
    hnsw.add(features);
    assert.equal(hnsw.efSearch, 16);
    hnsw.efSearch = 200;
    const wide = await hnsw.search(query, 10);
    assert.deepEqual(wide.labels, truth.labels, 'efSearch 200 over 1000 vectors finds the exact neighbours');
    const narrow = await hnsw.search(query, 10, { efSearch: 10 });
    assert.equal(narrow.labels.length, 30);
    assert.throws(() => {
      hnsw.efConstruction = 80;
    }, InvalidArgumentError);
    for (const i of [exact, ivf, hnsw]) i.dispose();
  });

  test('training: untrained IVF / PQ / SQ refuse add; reconstruct decodes', async () => {
    const ivfpq = new IndexIVFPQ(new IndexFlatL2(d), d, 8, 4);
    assert.equal(ivfpq.isTrained, false);
    assert.throws(() => ivfpq.add(features), NotTrainedError);
    await ivfpq.train(features);
    assert.equal(ivfpq.isTrained, true);
    ivfpq.add(features);
    const sq = new IndexScalarQuantizer(d);
    assert.throws(() => sq.add(features), NotTrainedError);
    await sq.train(features);
    sq.add(features);
    const x = features.subarray(7 * d, 8 * d);
    const back = sq.reconstruct(7);
    for (let j = 0; j < d; j++) assert.ok(Math.abs(back[j] - x[j]) < 0.05, 'SQ8 decodes within a code step');
    const pq = new IndexPQ(d, 4);
    await pq.train(features);
    pq.add(features);
    assert.equal(pq.reconstruct(7).length, d);
    assert.throws(() => new IndexLSH(d, 32).reconstruct(0), UnsupportedOperationError);
    for (const i of [ivfpq, sq, pq]) i.dispose();
  });

  test('large batches on worker threads answer as one query at a time, and see later changes', async () => {
    const many = gaussianVectors(20_000, d, 43);
    const batch = gaussianVectors(16, d, 44);
    for (const description of ['IVF32,PQ4', 'SQ8', 'LSH64']) {
      const index = indexFactory(d, description);
      if (index instanceof IndexIVFPQ) index.nprobe = 4;
      await index.train(many);
      index.add(many);
      const check = async () => {
        const all = await index.search(batch, 5);
        for (let q = 0; q < 16; q++) {
          const one = await index.search(batch.subarray(q * d, (q + 1) * d), 5);
          assert.deepEqual(all.labels.subarray(q * 5, q * 5 + 5), one.labels, `${description} query ${q}`);
          assert.deepEqual(all.distances.subarray(q * 5, q * 5 + 5), one.distances);
        }
        return all;
      };
      await check();
      // The queries themselves become the nearest vectors: the workers' copies must be renewed.
      index.add(batch);
      const after = await check();
      if (!(index instanceof IndexLSH)) assert.equal(after.labels[0], 20_000n, description);
      index.dispose();
    }
  });

  test('indexFactory builds the class FAISS would, and refuses what it cannot', () => {
    const cases: Array<[string, string]> = [
      ['Flat', 'IndexFlat'],
      ['HNSW16', 'IndexHNSWFlat'],
      ['HNSW32,Flat', 'IndexHNSWFlat'],
      ['IVF64,Flat', 'IndexIVFFlat'],
      ['IVF1024,PQ16', 'IndexIVFPQ'],
      ['SQ8', 'IndexScalarQuantizer'],
      ['PQ8', 'IndexPQ'],
      ['LSHrt', 'IndexLSH'],
      ['LSH128', 'IndexLSH'],
      ['IDMap,Flat', 'IndexIDMap'],
      ['IDMap2,HNSW16', 'IndexIDMap2'],
    ];
    for (const [description, cls] of cases) {
      const index = indexFactory(d, description, METRIC_L2);
      assert.equal(index.className, cls, description);
      index.dispose();
    }
    assert.equal(indexFactory(d, 'Flat', METRIC_INNER_PRODUCT).metricType, METRIC_INNER_PRODUCT);
    assert.equal(indexFactory(d, 'Flat', METRIC_L1).metricType, METRIC_L1);
    for (const l1 of ['HNSW16', 'IVF8,Flat', 'SQ8', 'PQ4'])
      assert.throws(() => indexFactory(d, l1, METRIC_L1), InvalidArgumentError, l1);
    for (const bad of ['IVF64,SQ8', 'Annoy10', 'HNSW32,SQ8', 'Nonsense', 'PQ5']) {
      assert.throws(() => indexFactory(d, bad), InvalidArgumentError, bad);
    }
  });

  test('truncated, corrupt and unknown files are refused with CorruptDataError', async () => {
    const makers: Array<() => Promise<Index>> = [
      async () => {
        const i = new IndexFlatL2(d);
        i.add(features.subarray(0, 50 * d));
        return i;
      },
      async () => {
        const i = new IndexHNSWFlat(d, 8);
        i.add(features.subarray(0, 50 * d));
        return i;
      },
      async () => {
        const i = new IndexIDMap(new IndexFlatIP(d));
        i.addWithIds(
          features.subarray(0, 50 * d),
          Array.from({ length: 50 }, (_, j) => j * 7),
        );
        return i;
      },
      async () => {
        const i = indexFactory(d, 'IVF8,PQ4');
        await i.train(features);
        i.add(features.subarray(0, 50 * d));
        return i;
      },
      async () => {
        const i = indexFactory(d, 'IVF8,Flat');
        await i.train(features);
        i.add(features.subarray(0, 50 * d));
        return i;
      },
      async () => {
        const i = new IndexScalarQuantizer(d);
        await i.train(features);
        i.add(features.subarray(0, 50 * d));
        return i;
      },
      async () => {
        const i = new IndexLSH(d, 32);
        i.add(features.subarray(0, 50 * d));
        return i;
      },
    ];
    for (const make of makers) {
      const index = await make();
      const bytes = serializeIndex(index);
      const name = index.className;
      index.dispose();
      deserializeIndex(bytes).dispose();
      for (const cut of [0, 3, 4, 20, 45, bytes.length >> 1, bytes.length - 1]) {
        assert.throws(
          () => deserializeIndex(bytes.subarray(0, cut), name),
          CorruptDataError,
          `${name} cut at ${cut}`,
        );
      }
      const longer = new Uint8Array(bytes.length + 1);
      longer.set(bytes);
      assert.throws(() => deserializeIndex(longer, name), CorruptDataError, `${name} with a trailing byte`);
      const huge = bytes.slice();
      new DataView(huge.buffer).setBigUint64(8, 1n << 47n, true); // ntotal
      assert.throws(() => deserializeIndex(huge, name), CorruptDataError, `${name} with a wrong ntotal`);
    }
    const file = scratch.path('future.faiss');
    const empty = new IndexFlatL2(d);
    const bytes = serializeIndex(empty);
    empty.dispose();
    bytes.set([0x49, 0x78, 0x4e, 0x77], 0); // 'IxNw': no such class
    writeFileSync(file, bytes);
    await assert.rejects(readIndex(file), (e: unknown) => {
      assert.ok(e instanceof UnsupportedIndexFileError && e instanceof CorruptDataError);
      assert.match((e as Error).message, /'IxNw'/);
      assert.match((e as Error).message, /future\.faiss/);
      return true;
    });
    assert.equal(readFileSync(file).length, bytes.length);
  });
});
