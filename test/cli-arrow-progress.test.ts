/**
 * Arrow IPC import progress: neither Arrow format states its row count, so the reader reports
 * bytes consumed — for a file and a stream of several record batches the batches' `bytesRead`
 * grows with each record batch and stays within the file, instead of claiming the whole file
 * from the first batch.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as arrow from 'apache-arrow';
import { openVectorFile } from '../src/cli/formats/open.js';
import { gaussianVectors } from '../src/eval/random.js';

const DIM = 16;
const PER_BATCH = 200;
const BATCHES = 4;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-arrow-progress-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function table(): arrow.Table {
  const item = new arrow.Field('item', new arrow.Float32(), true);
  const parts = Array.from({ length: BATCHES }, (_, b) => {
    const data = gaussianVectors(PER_BATCH, DIM, 40 + b);
    const rows = Array.from({ length: PER_BATCH }, (_, r) =>
      Array.from(data.subarray(r * DIM, (r + 1) * DIM)),
    );
    return new arrow.Table({ vector: arrow.vectorFromArray(rows, new arrow.FixedSizeList(DIM, item)) });
  });
  return parts[0].concat(...parts.slice(1));
}

for (const [name, kind] of [
  ['progress.arrow', 'file'],
  ['progress.arrows', 'stream'],
] as const) {
  test(`an Arrow IPC ${kind} of ${BATCHES} record batches reports bytes read as it goes`, async () => {
    const bytes = arrow.tableToIPC(table(), kind);
    const path = join(dir, name);
    await writeFile(path, bytes);
    const file = await openVectorFile(path);
    const seen: number[] = [];
    let rows = 0;
    for await (const batch of file.batches(PER_BATCH)) {
      seen.push(batch.bytesRead);
      rows += batch.rows;
    }
    assert.equal(rows, PER_BATCH * BATCHES);
    assert.equal(seen.length, BATCHES);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i] > seen[i - 1], `batch ${i}: ${seen}`);
    assert.ok(seen[0] > 0 && seen[0] < bytes.length / 2, `first batch: ${seen[0]} of ${bytes.length}`);
    assert.ok(seen[seen.length - 1] <= bytes.length);
  });
}
