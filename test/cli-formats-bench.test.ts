/**
 * `quiver bench` on a small ann-benchmarks HDF5 file made by h5py (exact neighbours computed
 * by numpy): a flat index finds all true neighbours (recall 1), HNSW reaches recall@10 ≥ 0.95
 * at its largest ef on 2,000 points, the angular metric maps to cosine, an imported collection
 * is benchmarked with `--collection`, and the temporary collection is dropped afterwards.
 * Skips when python3-h5py is not importable. QPS is printed, never asserted.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gaussianVectors } from '../src/eval/random.js';
import { Quiver } from '../src/index.js';
import { H5PY_SKIP, writeAnnHdf5 } from './support/ann-files.js';
import { quiverRunner } from './support/cli.js';

const N = 2000;
const Q = 40;
const DIM = 12;

let dir: string;
const data = () => join(dir, 'db');
const quiver = quiverRunner(data);
let euclidean: string;
let angular: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-formats-bench-'));
  if (H5PY_SKIP) return;
  euclidean = join(dir, 'gauss-12-euclidean.hdf5');
  angular = join(dir, 'gauss-12-angular.hdf5');
  writeAnnHdf5(euclidean, gaussianVectors(N, DIM, 21), gaussianVectors(Q, DIM, 22), DIM, 100, 'euclidean');
  writeAnnHdf5(angular, gaussianVectors(N, DIM, 23), gaussianVectors(Q, DIM, 24), DIM, 100, 'angular');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The `(parameter, recall)` rows of a bench table. */
function rows(out: string): { param: string; recall: number; qps: number }[] {
  return [...out.matchAll(/^\s+(\S+)\s+([01]\.\d{4})\s+(\d+)$/gm)].map((m) => ({
    param: m[1],
    recall: Number(m[2]),
    qps: Number(m[3]),
  }));
}

describe('quiver bench', { skip: H5PY_SKIP }, () => {
  test('flat: recall 1 (euclidean and angular); the temporary collection is dropped', async () => {
    for (const [file, metric] of [
      [euclidean, 'l2'],
      [angular, 'cosine'],
    ]) {
      const out = await quiver.ok(['bench', file, '--index', 'flat', '--runs', '1']);
      assert.match(
        out,
        new RegExp(`${N} train points, ${Q} queries, dimension ${DIM}, metric ${metric}, index flat`),
      );
      assert.deepEqual(
        rows(out).map((r) => r.recall),
        [1],
      );
    }
    const db = await Quiver.open(data());
    try {
      assert.deepEqual(await db.listCollections(), []);
    } finally {
      await db.close();
    }
  });

  test('hnsw: an ef sweep whose largest ef reaches recall@10 ≥ 0.95', async () => {
    const out = await quiver.ok(['bench', euclidean, '--ef', '10,40,160', '--runs', '1']);
    const table = rows(out);
    assert.deepEqual(
      table.map((r) => r.param),
      ['10', '40', '160'],
    );
    assert.ok(table[2].recall >= 0.95, `recall@10 at ef 160: ${table[2].recall}`);
    assert.ok(table.every((r) => r.qps > 0));
  });

  test('--collection benchmarks an imported collection (ids are train row numbers)', async () => {
    await quiver.ok(['import', 'gauss', euclidean, '--create']);
    const out = await quiver.ok([
      'bench',
      euclidean,
      '--collection',
      'gauss',
      '--k',
      '5',
      '--queries',
      '10',
      '--runs',
      '1',
    ]);
    assert.match(out, /10 queries/);
    // import flushes, so the collection's HNSW index is built: the default ef sweep, ending at 320.
    const table = rows(out);
    assert.equal(table.at(-1)?.param, '320');
    assert.ok((table.at(-1)?.recall ?? 0) >= 0.95, `recall@5 at ef 320: ${table.at(-1)?.recall}`);
  });

  test('usage errors', async () => {
    await quiver.fails(['bench', euclidean, '--ef', '10', '--nprobe', '2'], 2, /--ef or --nprobe/);
    await quiver.fails(['bench', euclidean, '--index', 'flat', '--ef', '10'], 1, /--ef needs an HNSW index/);
  });
});
