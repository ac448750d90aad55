/**
 * `quiver export`: a collection written as .npy (+ ids sidecar), Parquet and a FAISS file is
 * read back exactly — the .npy by the import reader, the Parquet by parquet-wasm and by
 * `quiver import`, the FAISS file by `quiverdb/faiss`'s readIndex and (when python3-faiss is
 * importable) by Python FAISS, whose search answers match exact search. String ids are refused
 * for FAISS files; existing outputs are never overwritten.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as arrow from 'apache-arrow';
import * as parquet from 'parquet-wasm/node';
import { openVectorFile } from '../src/cli/formats/open.js';
import { gaussianVectors } from '../src/eval/random.js';
import { IndexIDMap2, readIndex } from '../src/faiss/index.js';
import { Quiver } from '../src/index.js';
import { quiverRunner } from './support/cli.js';
import { FAISS_SKIP, runFaissBatch, ScratchDir, searchOp } from './support/faiss-python.js';

const N = 40;
const DIM = 5;
const DATA = gaussianVectors(N, DIM, 11);
/** Ids out of insertion order and beyond 2^32, so that order and width are both checked. */
const IDS = Array.from({ length: N }, (_, r) => ((r * 7919) % 1000) + (r % 2 === 0 ? 2 ** 33 : 0));
const payload = (r: number): Record<string, unknown> => ({
  label: `l${r % 3}`,
  score: r / 8,
  ...(r % 4 === 0 ? {} : { flag: r % 2 === 0 }),
  tags: [r, 'x'],
});

let dir: string;
const data = () => join(dir, 'db');
const quiver = quiverRunner(data);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-formats-export-'));
  const db = await Quiver.open(data());
  try {
    const vec = await db.createCollection('vec', { dimension: DIM, metric: 'l2' });
    await vec.upsert(
      IDS.map((id, r) => ({ id, vector: DATA.subarray(r * DIM, (r + 1) * DIM), payload: payload(r) })),
    );
    const strs = await db.createCollection('strs', { dimension: DIM });
    await strs.upsert([
      { id: 'b', vector: DATA.subarray(0, DIM) },
      { id: 3, vector: DATA.subarray(DIM, 2 * DIM) },
    ]);
    await vec.flush();
    await strs.flush();
  } finally {
    await db.close();
  }
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Row order of an export: ids ascending. */
const ORDER = IDS.map((id, r) => [id, r] as const).sort((a, b) => a[0] - b[0]);
function rowsInIdOrder(): Float32Array {
  const out = new Float32Array(N * DIM);
  for (const [i, [, r]] of ORDER.entries()) out.set(DATA.subarray(r * DIM, (r + 1) * DIM), i * DIM);
  return out;
}

describe('quiver export', () => {
  test('.npy: vectors in id order, int64 ids beside them; string ids as JSON Lines', async () => {
    const path = join(dir, 'vec.npy');
    assert.match(await quiver.ok(['export', 'vec', path]), /exported 40 points of vec/);
    const file = await openVectorFile(path);
    const rows: Float32Array[] = [];
    for await (const batch of file.batches(16)) rows.push(batch.vectors);
    assert.deepEqual(Float32Array.from(rows.flatMap((r) => Array.from(r))), rowsInIdOrder());
    const ids = readFileSync(join(dir, 'vec.ids.npy'));
    const headerEnd = 10 + ids.readUInt16LE(8);
    assert.match(ids.subarray(10, headerEnd).toString('latin1'), /'descr': '<i8'.*'shape': \(40,\)/);
    const values = Array.from({ length: N }, (_, i) => Number(ids.readBigInt64LE(headerEnd + 8 * i)));
    assert.deepEqual(
      values,
      ORDER.map(([id]) => id),
    );
    await quiver.ok(['export', 'strs', join(dir, 'strs.npy')]);
    const lines = readFileSync(join(dir, 'strs.ids.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(lines.sort(), [3, 'b'].sort());
  });

  test('Parquet: id, vector and flattened payload columns; quiver import reads it back', async () => {
    const path = join(dir, 'vec.parquet');
    await quiver.ok(['export', 'vec', path]);
    const table = arrow.tableFromIPC(parquet.readParquet(readFileSync(path)).intoIPCStream());
    assert.deepEqual(table.schema.fields.map((f) => `${f.name}:${f.type}`).sort(), [
      'flag:Bool',
      'id:Int64',
      'label:Utf8',
      'score:Float64',
      'tags:Utf8',
      'vector:FixedSizeList[5]<Float32>',
    ]);
    assert.deepEqual(
      Array.from(table.getChild('id')!.toArray() as BigInt64Array, Number),
      ORDER.map(([id]) => id),
    );
    const [firstId, firstRow] = ORDER[0];
    assert.equal(firstId, IDS[firstRow]);
    assert.equal(table.getChild('tags')!.get(0), JSON.stringify([firstRow, 'x']));
    await quiver.ok(['import', 'back', path, '--create']);
    const db = await Quiver.open(data());
    try {
      const points = await db.collection('back').get(IDS.slice(0, 6), { withVector: true });
      points.forEach((p, r) => {
        const { tags, ...scalars } = payload(r);
        assert.deepEqual(p.payload, { ...scalars, tags: JSON.stringify(tags) });
        assert.deepEqual(p.vector, DATA.subarray(r * DIM, (r + 1) * DIM));
      });
    } finally {
      await db.close();
    }
  });

  test('FAISS: IndexIDMap2 over IndexFlat, read by readIndex, exact answers with the ids', async () => {
    const path = join(dir, 'vec.faiss');
    await quiver.ok(['export', 'vec', path]);
    const index = await readIndex(path);
    assert.ok(index instanceof IndexIDMap2);
    assert.equal(index.ntotal, N);
    const queries = gaussianVectors(4, DIM, 12);
    const { labels } = await index.search(queries, 3);
    for (let q = 0; q < 4; q++) {
      assert.deepEqual(
        Array.from(labels.subarray(q * 3, q * 3 + 3), Number),
        exactIds(queries.subarray(q * DIM, (q + 1) * DIM), 3),
      );
    }
  });

  test('FAISS file read by Python FAISS answers as exact search', { skip: FAISS_SKIP }, async () => {
    const path = join(dir, 'py.index');
    await quiver.ok(['export', 'vec', path]);
    const scratch = new ScratchDir();
    try {
      const queries = gaussianVectors(4, DIM, 13);
      const search = searchOp(scratch, path, DIM, scratch.writeF32(queries), 3);
      const [info] = runFaissBatch([search.op]);
      assert.equal(info.ntotal, N);
      const theirs = search.results();
      for (let q = 0; q < 4; q++) {
        assert.deepEqual(
          Array.from(theirs.labels.subarray(q * 3, q * 3 + 3), Number),
          exactIds(queries.subarray(q * DIM, (q + 1) * DIM), 3),
        );
      }
    } finally {
      scratch.remove();
    }
  });

  test('string ids are refused for FAISS files; existing outputs are not overwritten', async () => {
    await quiver.fails(['export', 'strs', join(dir, 'strs.faiss')], 1, /string ids/);
    assert.equal(existsSync(join(dir, 'strs.faiss')), false);
    assert.equal(existsSync(join(dir, 'strs.faiss.partial')), false);
    await quiver.fails(['export', 'vec', join(dir, 'vec.npy')], 1, /vec\.npy exists/);
    await quiver.fails(['export', 'vec', join(dir, 'vec.txt')], 1, /export format/);
  });
});

/** The ids of the k nearest rows of DATA to `query` by L2 (brute force). */
function exactIds(query: Float32Array, k: number): number[] {
  const scored = IDS.map((id, r) => {
    let s = 0;
    for (let i = 0; i < DIM; i++) s += (DATA[r * DIM + i] - query[i]) ** 2;
    return [s, id] as const;
  });
  return scored
    .sort((a, b) => a[0] - b[0])
    .slice(0, k)
    .map(([, id]) => id);
}
