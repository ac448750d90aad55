/**
 * Annoy files in and out of collections: the `.ann` import reader streams items with their ids
 * (holes left out, Hamming unpacked to 0/1, resuming from a row); `quiver import … --dim d
 * --metric m` fills a collection of the matching metric; a file opened with the wrong
 * dimension or metric is refused with CorruptDataError and creates nothing; `quiver export
 * … .ann` writes a file `AnnoyIndex.load` reads back with the collection's vectors and ids and
 * whose searches find what the collection finds.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openVectorFile } from '../src/cli/formats/open.js';
import type { VectorBatch } from '../src/cli/formats/vector-file.js';
import { CorruptDataError, InvalidArgumentError } from '../src/errors.js';
import { gaussianVectors } from '../src/eval/random.js';
import { AnnoyIndex, readAnnoy } from '../src/faiss/index.js';
import { Quiver } from '../src/index.js';
import { quiverRunner } from './support/cli.js';

const DIM = 6;
const ROWS = 40;
const DATA = gaussianVectors(ROWS, DIM, 17);
const row = (r: number) => DATA.subarray(r * DIM, (r + 1) * DIM);

let dir: string;
let data: string;
const quiver = quiverRunner(() => data);
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-annoy-'));
  data = join(dir, 'db');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An Annoy file of ROWS items with ids 2r + 1 (so with holes) unless `dense`. */
async function annoyFile(name: string, metric: 'angular' | 'euclidean' | 'hamming', dense = false) {
  const t = new AnnoyIndex(DIM, metric);
  for (let r = 0; r < ROWS; r++)
    t.addItem(dense ? r : 2 * r + 1, metric === 'hamming' ? row(r).map((x) => (x > 0 ? 1 : 0)) : row(r));
  t.build(4);
  const path = join(dir, name);
  await t.save(path);
  return path;
}

async function readAll(path: string, options: { dim?: number; annoyMetric?: string }, batch = 7, from = 0) {
  const file = await openVectorFile(path, undefined, options);
  const batches: VectorBatch[] = [];
  for await (const b of file.batches(batch, from)) batches.push(b);
  return { file, batches };
}

describe('the Annoy import reader', () => {
  test('items in id order with their ids, holes left out, batches contiguous, resumable', async () => {
    const path = await annoyFile('holes.ann', 'euclidean');
    const { file, batches } = await readAll(path, { dim: DIM, annoyMetric: 'euclidean' });
    assert.deepEqual([file.format, file.rows, file.dimension, file.metric], ['annoy', ROWS, DIM, 'l2']);
    assert.deepEqual(
      batches.flatMap((b) => b.ids),
      Array.from({ length: ROWS }, (_, r) => 2 * r + 1),
    );
    let next = 0;
    for (const b of batches) {
      assert.equal(b.start, next);
      assert.ok(b.rows <= 7);
      next += b.rows;
      b.ids!.forEach((id, j) => {
        assert.deepEqual(b.vectors.subarray(j * DIM, (j + 1) * DIM), row(((id as number) - 1) / 2));
      });
    }
    const resumed = await readAll(path, { dim: DIM, annoyMetric: 'l2' }, 5, 33);
    assert.deepEqual(
      resumed.batches.flatMap((b) => b.ids),
      Array.from({ length: ROWS - 33 }, (_, r) => 2 * (r + 33) + 1),
    );
    assert.equal(resumed.batches[0].start, 33);
    const dense = await annoyFile('dense.ann', 'angular', true);
    const tail = await readAll(dense, { dim: DIM }, 4, 37);
    assert.deepEqual([tail.file.metric, tail.batches.flatMap((b) => b.ids)], ['cosine', [37, 38, 39]]);
  });

  test('Hamming items come back as 0/1 components', async () => {
    const path = await annoyFile('bits.ann', 'hamming', true);
    const { file, batches } = await readAll(path, { dim: DIM, annoyMetric: 'hamming' });
    assert.equal(file.metric, 'l1');
    assert.deepEqual(
      batches[0].vectors.subarray(0, DIM),
      row(0).map((x) => (x > 0 ? 1 : 0)),
    );
  });

  test('a wrong dimension or metric, a cut file, or a missing --dim are refused', async () => {
    const path = await annoyFile('check.ann', 'euclidean');
    await assert.rejects(
      openVectorFile(path, undefined, { dim: DIM + 1, annoyMetric: 'euclidean' }),
      CorruptDataError,
    );
    await assert.rejects(
      openVectorFile(path, undefined, { dim: DIM, annoyMetric: 'angular' }),
      CorruptDataError,
    );
    await assert.rejects(openVectorFile(path, undefined, {}), InvalidArgumentError);
    await assert.rejects(
      openVectorFile(path, undefined, { dim: DIM, annoyMetric: 'cosinus' }),
      InvalidArgumentError,
    );
  });
});

describe('quiver import and export of Annoy files', () => {
  test('import --dim --metric angular --create: a cosine collection with the items as points', async () => {
    const path = await annoyFile('import.ann', 'angular');
    const out = await quiver.ok([
      'import',
      'an',
      path,
      '--dim',
      String(DIM),
      '--metric',
      'angular',
      '--create',
    ]);
    assert.match(out, new RegExp(`imported ${ROWS} points into an`));
    const db = await Quiver.open(data);
    try {
      const an = db.collection('an');
      assert.deepEqual([an.metric, an.dimension, (await an.info()).count], ['cosine', DIM, ROWS]);
      const [p] = await an.get([2 * 5 + 1], { withVector: true });
      const v = row(5);
      const norm = Math.hypot(...v);
      (p.vector as Float32Array).forEach((x, z) => {
        assert.ok(Math.abs(x - v[z] / norm) < 1e-6);
      });
    } finally {
      await db.close();
    }
  });

  test('usage: --dim and Annoy metric names apply to Annoy files; a mismatched file creates nothing', async () => {
    const path = await annoyFile('usage.ann', 'euclidean');
    await quiver.fails(['import', 'u', path, '--create'], 2, /pass --dim/);
    await quiver.fails(
      ['import', 'u', path, '--dim', '7', '--metric', 'euclidean', '--create'],
      1,
      /not a positive multiple of the node size 44/,
    );
    const npy = join(dir, 'x.npy');
    await quiver.fails(['import', 'u', npy, '--dim', '6', '--create'], 2, /--dim applies to Annoy files/);
    await quiver.fails(['import', 'u', npy, '--metric', 'angular', '--create'], 2, /names an Annoy metric/);
    const db = await Quiver.open(data);
    try {
      assert.equal((await db.listCollections()).includes('u'), false);
    } finally {
      await db.close();
    }
  });

  test('export .ann: AnnoyIndex loads the collection back, and finds what the collection finds', async () => {
    const db = await Quiver.open(data);
    try {
      const c = await db.createCollection('ex', { dimension: DIM, metric: 'l2' });
      await c.upsert(Array.from({ length: ROWS }, (_, r) => ({ id: 3 * r, vector: row(r) })));
      await c.flush();
    } finally {
      await db.close();
    }
    const path = join(dir, 'ex.ann');
    const out = await quiver.ok(['export', 'ex', path, '--trees', '3']);
    assert.match(out, /exported 40 points of ex to .*ex\.ann .*AnnoyIndex\(6, 'euclidean'\)/);
    const t = await readAnnoy(path, { dim: DIM, metric: 'euclidean' });
    assert.deepEqual([t.getNItems(), t.getNTrees()], [3 * (ROWS - 1) + 1, 3]);
    assert.deepEqual(t.getItemVector(3 * 7), row(7));
    // 40 items, search_k ≥ every candidate: Annoy's answer is the exact one.
    const again = await Quiver.open(data);
    try {
      const hits = await again.collection('ex').search(row(11), { k: 5 });
      assert.deepEqual(
        t.getNnsByVector(row(11), 5, 1000).items,
        hits.map((h) => (h as { id: number }).id),
      );
    } finally {
      await again.close();
    }
    await quiver.fails(['export', 'ex', join(dir, 'ex.npy'), '--trees', '3'], 2, /--trees applies to Annoy/);
  });
});
