/**
 * The FAISS import reader over IVF files reads the inverted lists once, list by list: every
 * vector comes exactly once, equal to `reconstruct` of its id, under the IVF's own ids (given
 * with `addWithIds`, which reconstructing row numbers could not find) or an id map's labels,
 * in contiguous batches that resume from any row.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openVectorFile } from '../src/cli/formats/open.js';
import type { VectorBatch } from '../src/cli/formats/vector-file.js';
import { gaussianVectors } from '../src/eval/random.js';
import {
  type Index,
  IndexFlatL2,
  IndexIDMap2,
  IndexIVFFlat,
  IndexIVFPQ,
  writeIndex,
} from '../src/faiss/index.js';

const D = 8;
const N = 300;
const DATA = gaussianVectors(N, D, 31);

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-ivf-import-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function batchesOf(index: Index, name: string, batch: number, from = 0): Promise<VectorBatch[]> {
  const path = join(dir, name);
  await writeIndex(index, path);
  const file = await openVectorFile(path);
  const out: VectorBatch[] = [];
  for await (const b of file.batches(batch, from)) out.push(b);
  return out;
}

describe('FAISS IVF files in the import reader', () => {
  test('IVF-Flat with its own ids: each vector once, under its id, batches contiguous and resumable', async () => {
    const ivf = new IndexIVFFlat(new IndexFlatL2(D), D, 7);
    await ivf.train(DATA);
    const ids = Array.from({ length: N }, (_, r) => 1000 + 3 * r);
    ivf.addWithIds(DATA, ids);
    const batches = await batchesOf(ivf, 'own-ids.faiss', 32);
    let next = 0;
    const seen = new Map<number, Float32Array>();
    for (const b of batches) {
      assert.equal(b.start, next);
      assert.ok(b.rows <= 32 && b.rows > 0);
      next += b.rows;
      b.ids!.forEach((id, r) => {
        seen.set(id as number, b.vectors.subarray(r * D, (r + 1) * D));
      });
    }
    assert.equal(next, N);
    assert.deepEqual(
      [...seen.keys()].sort((a, b) => a - b),
      ids,
    );
    for (const [r, id] of ids.entries()) assert.deepEqual(seen.get(id), DATA.subarray(r * D, (r + 1) * D));
    const resumed = await batchesOf(ivf, 'own-ids.faiss', 50, 290);
    assert.deepEqual(
      resumed.flatMap((b) => b.ids),
      batches.flatMap((b) => b.ids).slice(290),
    );
    assert.equal(resumed[0].start, 290);
    ivf.dispose();
  });

  test('an id map over IVF-PQ: labels as ids, vectors as reconstruct decodes them', async () => {
    const ivfpq = new IndexIVFPQ(new IndexFlatL2(D), D, 4, 2, 8);
    await ivfpq.train(DATA);
    const index = new IndexIDMap2(ivfpq);
    const labels = Array.from({ length: N }, (_, r) => 7 * r + 5);
    index.addWithIds(DATA, labels);
    const batches = await batchesOf(index, 'idmap-ivfpq.faiss', 64);
    const got = batches.flatMap((b) => b.ids as number[]);
    assert.deepEqual(
      [...got].sort((a, b) => a - b),
      labels,
    );
    for (const b of batches) {
      b.ids!.forEach((id, r) => {
        assert.deepEqual(b.vectors.subarray(r * D, (r + 1) * D), index.reconstruct(id as number));
      });
    }
    index.dispose();
  });
});
