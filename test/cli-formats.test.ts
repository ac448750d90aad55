/**
 * The import file readers (`src/cli/formats`): files written here with fixed-seed data are
 * read back exactly (float32) or as float32 of the stored float64; malformed and truncated
 * files are refused with a `FileFormatError` whose message names the file and the problem.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openFvecs } from '../src/cli/formats/fvecs.js';
import { openJsonl } from '../src/cli/formats/jsonl.js';
import { openNpy } from '../src/cli/formats/npy.js';
import { formatFromPath, openVectorFile } from '../src/cli/formats/open.js';
import { FileFormatError, type VectorBatch, type VectorFile } from '../src/cli/formats/vector-file.js';
import { InvalidArgumentError } from '../src/errors.js';
import { gaussianVectors, SeededRandom } from '../src/eval/random.js';

const ROWS = 10;
const DIM = 8;
const DATA = gaussianVectors(ROWS, DIM, 42);

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'quiver-formats-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `bytes` to a new file in the temp dir and returns its path. */
async function fixture(name: string, bytes: Uint8Array | string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

/** A `.npy` file as NumPy writes it: magic, version, header dict padded to 64 bytes, data. */
function npyBytes(header: string, data: Uint8Array, major = 1): Uint8Array {
  const prefix = major === 1 ? 10 : 12;
  const unpadded = prefix + header.length + 1;
  const text = header + ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(prefix + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(Buffer.from(text, 'latin1'), prefix);
  out.set(data, prefix + text.length);
  return out;
}

function npyHeader(descr: string, shape: string, fortran = 'False'): string {
  return `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
}

function float32Bytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return out;
}

function float64Bytes(values: Float64Array): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i], true);
  return out;
}

/** `.fvecs` records of `vectors` (rows × dim); `dims` overrides each record's dimension prefix. */
function fvecsBytes(vectors: Float32Array, dim: number, dims?: number[]): Uint8Array {
  const rows = vectors.length / dim;
  const out = new Uint8Array(rows * (4 + 4 * dim));
  const view = new DataView(out.buffer);
  for (let r = 0; r < rows; r++) {
    const base = r * (4 + 4 * dim);
    view.setInt32(base, dims?.[r] ?? dim, true);
    for (let i = 0; i < dim; i++) view.setFloat32(base + 4 + 4 * i, vectors[r * dim + i], true);
  }
  return out;
}

async function collect(file: VectorFile, batchSize: number, fromRow?: number): Promise<VectorBatch[]> {
  const batches: VectorBatch[] = [];
  for await (const batch of file.batches(batchSize, fromRow)) batches.push(batch);
  return batches;
}

function concat(batches: VectorBatch[]): Float32Array {
  const out = new Float32Array(batches.reduce((n, b) => n + b.vectors.length, 0));
  let at = 0;
  for (const b of batches) {
    out.set(b.vectors, at);
    at += b.vectors.length;
  }
  return out;
}

/** Asserts that `promise` rejects with a FileFormatError naming `path` and matching `pattern`. */
async function rejectsFileFormat(promise: Promise<unknown>, path: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof FileFormatError, `expected FileFormatError, got ${String(error)}`);
    assert.equal(error.code, 'INVALID_FILE');
    assert.ok(error.message.startsWith(`${path}: `), error.message);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('npy reader', () => {
  test('reads a v1.0 <f4 array in batches, row count and dimension known up front', async () => {
    const path = await fixture('v1.npy', npyBytes(npyHeader('<f4', `(${ROWS}, ${DIM})`), float32Bytes(DATA)));
    const file = await openNpy(path);
    assert.equal(file.rows, ROWS);
    assert.equal(file.dimension, DIM);
    assert.equal(file.header.version, '1.0');
    const batches = await collect(file, 3);
    assert.deepEqual(
      batches.map((b) => [b.start, b.rows, b.dimension]),
      [
        [0, 3, DIM],
        [3, 3, DIM],
        [6, 3, DIM],
        [9, 1, DIM],
      ],
    );
    assert.deepEqual(concat(batches), DATA);
    assert.equal(batches.at(-1)?.bytesRead, file.bytes);
    assert.equal(batches[0].ids, undefined);
  });

  test('reads v2.0 and v3.0 <f8 arrays as float32', async () => {
    const rng = new SeededRandom(7);
    const f64 = Float64Array.from({ length: ROWS * DIM }, () => rng.gaussian() * 1e3);
    for (const major of [2, 3]) {
      const path = await fixture(
        `v${major}.npy`,
        npyBytes(npyHeader('<f8', `(${ROWS}, ${DIM})`), float64Bytes(f64), major),
      );
      const file = await openNpy(path);
      assert.equal(file.header.version, `${major}.0`);
      assert.equal(file.header.dtype, 'float64');
      assert.deepEqual(concat(await collect(file, 4)), Float32Array.from(f64));
    }
  });

  test('starts at fromRow without reading the rows before it', async () => {
    const path = await fixture(
      'from.npy',
      npyBytes(npyHeader('<f4', `(${ROWS}, ${DIM})`), float32Bytes(DATA)),
    );
    const batches = await collect(await openNpy(path), 2, 7);
    assert.deepEqual(
      batches.map((b) => [b.start, b.rows]),
      [
        [7, 2],
        [9, 1],
      ],
    );
    assert.deepEqual(concat(batches), DATA.subarray(7 * DIM));
    assert.deepEqual(await collect(await openNpy(path), 2, ROWS), []);
  });

  test('an array with zero rows yields no batch', async () => {
    const file = await openNpy(
      await fixture('empty.npy', npyBytes(npyHeader('<f4', `(0, ${DIM})`), new Uint8Array())),
    );
    assert.equal(file.rows, 0);
    assert.deepEqual(await collect(file, 10), []);
  });

  const data = float32Bytes(DATA);
  const refused: [string, Uint8Array, RegExp][] = [
    ['not-npy', new TextEncoder().encode('hello, world, not numpy'), /magic/],
    ['tiny', new Uint8Array([0x93, 0x4e]), /magic/],
    ['version4', npyBytes(npyHeader('<f4', '(10, 8)'), data, 4), /version 4\.0/],
    ['big-endian', npyBytes(npyHeader('>f4', '(10, 8)'), data), /dtype '>f4'/],
    ['int32', npyBytes(npyHeader('<i4', '(10, 8)'), data), /dtype '<i4'/],
    ['fortran', npyBytes(npyHeader('<f4', '(10, 8)', 'True'), data), /fortran_order is True/],
    ['one-d', npyBytes(npyHeader('<f4', '(80,)'), data), /shape \(80,\) is not 2-D/],
    ['three-d', npyBytes(npyHeader('<f4', '(10, 4, 2)'), data), /shape \(10, 4, 2\) is not 2-D/],
    ['zero-dim', npyBytes(npyHeader('<f4', '(10, 0)'), new Uint8Array()), /dimension 0/],
    ['no-descr', npyBytes("{'fortran_order': False, 'shape': (10, 8), }", data), /dtype missing/],
    ['malformed', npyBytes("{'descr': '<f4', 'shape': (10, 8", data), /malformed \.npy header/],
    ['truncated-data', npyBytes(npyHeader('<f4', '(10, 8)'), data.subarray(0, data.length - 3)), /truncated/],
    [
      'trailing-data',
      npyBytes(npyHeader('<f4', '(10, 8)'), new Uint8Array(data.length + 4)),
      /needs 320 data bytes/,
    ],
    [
      'truncated-header',
      npyBytes(npyHeader('<f4', '(10, 8)'), data).subarray(0, 40),
      /truncated \.npy header/,
    ],
  ];
  for (const [name, bytes, pattern] of refused) {
    test(`refuses ${name}`, async () => {
      const path = await fixture(`${name}.npy`, bytes);
      await rejectsFileFormat(openNpy(path), path, pattern);
    });
  }
});

describe('fvecs reader', () => {
  test('reads records in batches; rows follow from the file size', async () => {
    const path = await fixture('data.fvecs', fvecsBytes(DATA, DIM));
    const file = await openFvecs(path);
    assert.equal(file.rows, ROWS);
    assert.equal(file.dimension, DIM);
    const batches = await collect(file, 4);
    assert.deepEqual(
      batches.map((b) => [b.start, b.rows]),
      [
        [0, 4],
        [4, 4],
        [8, 2],
      ],
    );
    assert.deepEqual(concat(batches), DATA);
    assert.deepEqual(concat(await collect(file, 100, 5)), DATA.subarray(5 * DIM));
  });

  test('refuses an empty file, a truncated file and a non-positive first dimension', async () => {
    const empty = await fixture('empty.fvecs', new Uint8Array());
    await rejectsFileFormat(openFvecs(empty), empty, /empty/);
    const bytes = fvecsBytes(DATA, DIM);
    const truncated = await fixture('truncated.fvecs', bytes.subarray(0, bytes.length - 2));
    await rejectsFileFormat(openFvecs(truncated), truncated, /truncated .* last record has 34 bytes/);
    const zero = await fixture('zero.fvecs', fvecsBytes(DATA.subarray(0, DIM), DIM, [0]));
    await rejectsFileFormat(openFvecs(zero), zero, /dimension 0/);
  });

  test('refuses, while streaming, a record whose dimension differs from the first', async () => {
    const path = await fixture('mixed.fvecs', fvecsBytes(DATA, DIM, [DIM, DIM, DIM, DIM, DIM, DIM, 7]));
    const file = await openFvecs(path);
    await rejectsFileFormat(collect(file, 3), path, /record 6 has dimension 7, expected 8/);
  });
});

describe('jsonl reader', () => {
  const lines = Array.from({ length: 5 }, (_, r) =>
    JSON.stringify({
      id: r % 2 === 0 ? r : `doc-${r}`,
      vector: Array.from(DATA.subarray(r * DIM, (r + 1) * DIM)),
      ...(r === 3 ? {} : { payload: { row: r, tag: r % 2 === 0 ? 'even' : 'odd' } }),
    }),
  );

  test('reads ids, vectors and payloads; skips blank lines; handles CRLF', async () => {
    const text = `${lines[0]}\n\n${lines[1]}\r\n   \n${lines[2]}\n${lines[3]}\n${lines[4]}`;
    const path = await fixture('points.jsonl', text);
    const file = await openJsonl(path);
    assert.equal(file.rows, undefined);
    const batches = await collect(file, 2);
    assert.deepEqual(
      batches.map((b) => [b.start, b.rows, b.dimension]),
      [
        [0, 2, DIM],
        [2, 2, DIM],
        [4, 1, DIM],
      ],
    );
    assert.deepEqual(concat(batches), DATA.subarray(0, 5 * DIM));
    assert.deepEqual(
      batches.flatMap((b) => b.ids),
      [0, 'doc-1', 2, 'doc-3', 4],
    );
    assert.deepEqual(
      batches.flatMap((b) => b.payloads),
      [
        { row: 0, tag: 'even' },
        { row: 1, tag: 'odd' },
        { row: 2, tag: 'even' },
        undefined,
        { row: 4, tag: 'even' },
      ],
    );
    assert.equal(batches.at(-1)?.bytesRead, file.bytes);
  });

  test('fromRow counts records, not lines', async () => {
    const path = await fixture('from.jsonl', `${lines[0]}\n\n${lines[1]}\n${lines[2]}\n`);
    const batches = await collect(await openJsonl(path), 10, 1);
    assert.deepEqual(
      batches.map((b) => [b.start, b.ids]),
      [[1, ['doc-1', 2]]],
    );
  });

  test('reads records with named vectors (fields may be left out); dimension 0, no dense vectors', async () => {
    const named = [
      { id: 1, vectors: { image: [1, 2, 3], text: [4, 5] }, payload: { tag: 'a' } },
      { id: 'two', vectors: { text: [6, 7] } },
      { id: 3, vectors: {} },
    ];
    const path = await fixture('named.jsonl', named.map((r) => JSON.stringify(r)).join('\n'));
    const batches = await collect(await openJsonl(path), 2);
    assert.deepEqual(
      batches.map((b) => [b.start, b.rows, b.dimension, b.vectors.length]),
      [
        [0, 2, 0, 0],
        [2, 1, 0, 0],
      ],
    );
    assert.deepEqual(
      batches.flatMap((b) => b.named),
      named.map((r) => r.vectors),
    );
    assert.deepEqual(
      batches.flatMap((b) => b.ids),
      [1, 'two', 3],
    );
    assert.deepEqual(
      batches.flatMap((b) => b.payloads),
      [{ tag: 'a' }, undefined, undefined],
    );
    const dense = await collect(await openJsonl(await fixture('dense.jsonl', `${lines[0]}\n`)), 10);
    assert.equal(dense[0].named, undefined);
  });

  const refused: [string, string, RegExp][] = [
    ['vectors-array', '{"id": 1, "vectors": [1, 2]}\n', /line 1: "vectors" must be an object/],
    ['vectors-empty-field', '{"id": 1, "vectors": {"a": []}}\n', /line 1: "vectors.a" is empty/],
    [
      'vectors-string-element',
      '{"id": 1, "vectors": {"a": [1, "2"]}}\n',
      /line 1: vectors.a\[1\] is string "2", expected a number/,
    ],
    [
      'both-kinds',
      '{"id": 1, "vector": [1], "vectors": {"a": [1]}}\n',
      /line 1: has both "vector" and "vectors"/,
    ],
    [
      'named-then-dense',
      '{"id": 1, "vectors": {"a": [1]}}\n\n{"id": 2, "vector": [1]}\n',
      /line 3: mixes "vector" and "vectors" records \(line 1 has "vectors"\)/,
    ],
    [
      'dense-then-named',
      '{"id": 1, "vector": [1]}\n{"id": 2, "vectors": {"a": [1]}}\n',
      /line 2: mixes "vector" and "vectors" records \(line 1 has "vector"\)/,
    ],
    ['malformed', `${lines[0]}\n\n{"id": 1, "vector": [1, 2\n`, /line 3: invalid JSON/],
    ['array-line', `${lines[0]}\n[1, 2, 3]\n`, /line 2: expected an object/],
    ['no-id', '{"vector": [1, 2]}\n', /line 1: missing "id"/],
    ['bool-id', '{"id": true, "vector": [1, 2]}\n', /line 1: "id" must be a string or a number/],
    ['no-vector', '{"id": 1}\n', /line 1: missing "vector"/],
    ['empty-vector', '{"id": 1, "vector": []}\n', /line 1: "vector" is empty/],
    [
      'string-element',
      '{"id": 1, "vector": [1, "2"]}\n',
      /line 1: vector\[1\] is string "2", expected a number/,
    ],
    ['payload-array', '{"id": 1, "vector": [1], "payload": [1]}\n', /line 1: "payload" must be an object/],
    ['unknown-key', '{"id": 1, "vector": [1], "payloads": {}}\n', /line 1: unknown key "payloads"/],
    [
      'dimension',
      '{"id": 1, "vector": [1, 2]}\n{"id": 2, "vector": [1, 2]}\n\n{"id": 3, "vector": [1]}\n',
      /line 4: vector has dimension 1, expected 2 \(as on line 1\)/,
    ],
  ];
  for (const [name, text, pattern] of refused) {
    test(`refuses ${name}`, async () => {
      const path = await fixture(`${name}.jsonl`, text);
      await rejectsFileFormat(collect(await openJsonl(path), 1000), path, pattern);
    });
  }
});

describe('format dispatch', () => {
  test('infers the format from the extension', async () => {
    assert.equal(formatFromPath('a/b.npy'), 'npy');
    assert.equal(formatFromPath('SIFT.FVECS'), 'fvecs');
    assert.equal(formatFromPath('x.jsonl'), 'jsonl');
    assert.equal(formatFromPath('x.ndjson'), 'jsonl');
    assert.throws(() => formatFromPath('x.csv'), InvalidArgumentError);
    const path = await fixture('fvecs-without-extension.bin', fvecsBytes(DATA, DIM));
    await assert.rejects(openVectorFile(path), InvalidArgumentError);
    assert.equal((await openVectorFile(path, 'fvecs')).rows, ROWS);
  });

  test('rejects a batch size below 1 and a negative start row', async () => {
    const file = await openFvecs(await fixture('args.fvecs', fvecsBytes(DATA, DIM)));
    await assert.rejects(collect(file, 0), InvalidArgumentError);
    await assert.rejects(collect(file, 10, -1), InvalidArgumentError);
  });
});
