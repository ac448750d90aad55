/**
 * Reader for JSON Lines (`.jsonl`, `.ndjson`) point files: one JSON object per line,
 *
 * ```
 * {"id": 1, "vector": [0.1, 0.2, 0.3], "payload": {"label": "cat"}}
 * {"id": "doc-7", "vector": [0.4, 0.5, 0.6]}
 * {"id": 8, "vectors": {"image": [0.1, 0.2], "text": [0.3, 0.4, 0.5]}}
 * ```
 *
 * `id` (string or number) and `vector` (non-empty array of numbers) are required, `payload`
 * (an object, or null for none) is optional, other keys are refused so that a misspelt key
 * does not silently drop data. Blank lines are skipped. The first record fixes the dimension.
 * A file of named vectors has `vectors` (an object of non-empty number arrays, by field; a
 * record may leave fields out) instead of `vector` in every record; the first record decides
 * which kind the file is, and the collection checks each field's dimension.
 * Every error names the file and the 1-based line number. Ids are passed through as
 * found; the engine validates them (`InvalidIdError`).
 *
 * The file is read line by line (`readline`), so its size is not limited by memory; the
 * row count is not known before the end, so progress is reported in bytes (`bytesRead`).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import {
  checkBatchArguments,
  FileFormatError,
  type JsonObject,
  type VectorBatch,
  type VectorFile,
} from './vector-file.js';

/** An opened JSON Lines file. Nothing but its size is known before reading. */
export interface JsonlFile extends VectorFile {
  readonly format: 'jsonl';
  readonly rows: undefined;
  readonly dimension: undefined;
}

/** One validated record: `vector` holds its one vector, or is empty when it has named `vectors`. */
interface JsonlRecord {
  id: string | number;
  vector: number[];
  vectors: Record<string, number[]> | undefined;
  payload: JsonObject | undefined;
}

const KEYS = new Set(['id', 'vector', 'vectors', 'payload']);

/**
 * Opens `path` (checks only that it exists and is a file); records are validated as they stream.
 * @example
 * const file = await openJsonl('points.jsonl');
 * for await (const batch of file.batches(1000)) console.log(batch.ids, batch.payloads);
 */
export async function openJsonl(path: string): Promise<JsonlFile> {
  const info = await stat(path);
  if (!info.isFile()) throw new FileFormatError(path, 'not a regular file');
  return {
    path,
    format: 'jsonl',
    bytes: info.size,
    rows: undefined,
    dimension: undefined,
    batches: (batchSize, fromRow = 0) => readJsonlBatches(path, batchSize, fromRow),
  };
}

async function* readJsonlBatches(
  path: string,
  batchSize: number,
  fromRow: number,
): AsyncGenerator<VectorBatch> {
  checkBatchArguments(batchSize, fromRow);
  const stream = createReadStream(path);
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let dimension = 0;
  let dimensionLine = 0;
  let lineNumber = 0;
  let recordNumber = 0;
  let pending: JsonlRecord[] = [];
  let pendingStart = fromRow;
  const flush = (): VectorBatch => {
    const batch = toBatch(pending, pendingStart, dimension, stream.bytesRead);
    pendingStart += pending.length;
    pending = [];
    return batch;
  };
  try {
    for await (const line of lines) {
      lineNumber++;
      if (line.trim() === '') continue;
      const record = parseRecord(path, lineNumber, line);
      if (recordNumber > 0 && (record.vectors === undefined) !== dimension > 0) {
        throw new FileFormatError(
          path,
          `line ${lineNumber}: mixes "vector" and "vectors" records (line ${dimensionLine} has ${dimension > 0 ? '"vector"' : '"vectors"'})`,
        );
      }
      if (record.vectors !== undefined) {
        dimensionLine ||= lineNumber;
      } else if (dimension === 0) {
        dimension = record.vector.length;
        dimensionLine = lineNumber;
      } else if (record.vector.length !== dimension) {
        throw new FileFormatError(
          path,
          `line ${lineNumber}: vector has dimension ${record.vector.length}, expected ${dimension} (as on line ${dimensionLine})`,
        );
      }
      if (recordNumber++ < fromRow) continue;
      pending.push(record);
      if (pending.length === batchSize) yield flush();
    }
    if (pending.length > 0) yield flush();
  } finally {
    lines.close();
    stream.destroy();
  }
}

function toBatch(records: JsonlRecord[], start: number, dimension: number, bytesRead: number): VectorBatch {
  const vectors = new Float32Array(records.length * dimension);
  for (let r = 0; r < records.length; r++) vectors.set(records[r].vector, r * dimension);
  const batch: VectorBatch = {
    start,
    rows: records.length,
    dimension,
    vectors,
    ids: records.map((record) => record.id),
    payloads: records.map((record) => record.payload),
    bytesRead,
  };
  if (dimension === 0) batch.named = records.map((record) => record.vectors ?? {});
  return batch;
}

/** Parses and validates one non-blank line. */
function parseRecord(path: string, lineNumber: number, line: string): JsonlRecord {
  const fail = (reason: string): never => {
    throw new FileFormatError(path, `line ${lineNumber}: ${reason}`);
  };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    fail(`invalid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(`expected an object {"id": …, "vector": […], "payload": {…}}, got ${kindOf(value)}`);
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!KEYS.has(key)) {
      fail(`unknown key "${key}" (expected "id", "vector" or "vectors", and optionally "payload")`);
    }
  }
  const { id, vector, vectors, payload } = record;
  if (typeof id !== 'string' && typeof id !== 'number') {
    return fail(id === undefined ? 'missing "id"' : `"id" must be a string or a number, got ${kindOf(id)}`);
  }
  if (vector !== undefined && vectors !== undefined) fail('has both "vector" and "vectors"');
  if (payload !== undefined && payload !== null && (typeof payload !== 'object' || Array.isArray(payload))) {
    fail(`"payload" must be an object, got ${kindOf(payload)}`);
  }
  const kept = (payload ?? undefined) as JsonObject | undefined;
  if (vectors !== undefined) {
    if (typeof vectors !== 'object' || vectors === null || Array.isArray(vectors)) {
      return fail(`"vectors" must be an object of arrays by field, got ${kindOf(vectors)}`);
    }
    const named = vectors as Record<string, unknown>;
    for (const [field, v] of Object.entries(named)) checkNumbers(v, `vectors.${field}`, fail);
    return { id, vector: [], vectors: named as Record<string, number[]>, payload: kept };
  }
  if (vector === undefined) return fail('missing "vector" (or "vectors")');
  checkNumbers(vector, 'vector', fail);
  return { id, vector: vector as number[], vectors: undefined, payload: kept };
}

/** Fails unless `value` is a non-empty array of numbers. */
function checkNumbers(value: unknown, name: string, fail: (reason: string) => never): void {
  if (!Array.isArray(value)) fail(`"${name}" must be an array, got ${kindOf(value)}`);
  const numbers = value as unknown[];
  if (numbers.length === 0) fail(`"${name}" is empty`);
  const bad = numbers.findIndex((x) => typeof x !== 'number');
  if (bad >= 0) fail(`${name}[${bad}] is ${kindOf(numbers[bad])}, expected a number`);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}
