/**
 * Reader for JSON Lines (`.jsonl`, `.ndjson`) point files: one JSON object per line,
 *
 * ```
 * {"id": 1, "vector": [0.1, 0.2, 0.3], "payload": {"label": "cat"}}
 * {"id": "doc-7", "vector": [0.4, 0.5, 0.6]}
 * ```
 *
 * `id` (string or number) and `vector` (non-empty array of numbers) are required, `payload`
 * (an object, or null for none) is optional, other keys are refused so that a misspelt key
 * does not silently drop data. Blank lines are skipped. The first record fixes the dimension.
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

/** One validated record. */
interface JsonlRecord {
  id: string | number;
  vector: number[];
  payload: JsonObject | undefined;
}

const KEYS = new Set(['id', 'vector', 'payload']);

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
      if (dimension === 0) {
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
  return {
    start,
    rows: records.length,
    dimension,
    vectors,
    ids: records.map((record) => record.id),
    payloads: records.map((record) => record.payload),
    bytesRead,
  };
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
    if (!KEYS.has(key)) fail(`unknown key "${key}" (expected "id", "vector" and optionally "payload")`);
  }
  const { id, vector, payload } = record;
  if (typeof id !== 'string' && typeof id !== 'number') {
    return fail(id === undefined ? 'missing "id"' : `"id" must be a string or a number, got ${kindOf(id)}`);
  }
  if (!Array.isArray(vector)) {
    return fail(
      vector === undefined ? 'missing "vector"' : `"vector" must be an array, got ${kindOf(vector)}`,
    );
  }
  if (vector.length === 0) fail('"vector" is empty');
  const bad = vector.findIndex((x) => typeof x !== 'number');
  if (bad >= 0) fail(`vector[${bad}] is ${kindOf(vector[bad])}, expected a number`);
  if (payload !== undefined && payload !== null && (typeof payload !== 'object' || Array.isArray(payload))) {
    fail(`"payload" must be an object, got ${kindOf(payload)}`);
  }
  return { id, vector, payload: (payload ?? undefined) as JsonObject | undefined };
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}
