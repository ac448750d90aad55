/**
 * Turns Arrow record batches (apache-arrow, from Arrow IPC or Parquet files) into import
 * batches: one vector column — `FixedSizeList<float>` or `List<float>` (float16/32/64 or
 * integers, converted to float32) — an optional id column (integers or strings) and every
 * other column as a payload key.
 *
 * Column choice: the vector column is `--vector-column`, else `vector`, else the only list
 * column; the id column is `--id-column`, else `id` when present, else ids are row numbers
 * (plus `--id-start`). Payload values become JSON: 64-bit integers become numbers when exact
 * and decimal strings otherwise, lists become arrays, structs objects, timestamps ISO strings;
 * nulls are left out of the payload.
 */
import type { RecordBatch, Schema, Vector } from 'apache-arrow';
import { CorruptDataError, InvalidIdError } from '../../errors.js';
import { FileFormatError, type JsonObject, type VectorBatch } from './vector-file.js';

/** Which columns hold the vectors and the ids (as given on the command line). */
export interface ColumnOptions {
  vectorColumn?: string;
  idColumn?: string;
}

/** The resolved columns of a schema. */
export interface ColumnPlan {
  vector: string;
  id: string | undefined;
  payload: string[];
  /** Vector length when the schema states it (FixedSizeList), else known at the first row. */
  dimension: number | undefined;
}

/** Arrow's type ids (apache-arrow `Type`), those this module tells apart. */
const LIST = 12;
const FIXED_SIZE_LIST = 16;
const LARGE_LIST = 21;
const INT = 2;
const FLOAT = 3;
const UTF8 = 5;
const LARGE_UTF8 = 20;

/**
 * Picks the vector, id and payload columns of `schema`.
 * @throws FileFormatError when a named column is missing or of the wrong type, or no vector column fits.
 */
export function planColumns(path: string, schema: Schema, options: ColumnOptions): ColumnPlan {
  const fields = schema.fields;
  const names = fields.map((f) => f.name);
  const isList = (typeId: number) => typeId === LIST || typeId === FIXED_SIZE_LIST || typeId === LARGE_LIST;
  const lists = fields.filter((f) => isList(f.type.typeId));
  const vector =
    options.vectorColumn ??
    (names.includes('vector') ? 'vector' : lists.length === 1 ? lists[0].name : undefined);
  if (vector === undefined) {
    throw new FileFormatError(
      path,
      `cannot tell the vector column among ${names.join(', ')}: name it with --vector-column`,
    );
  }
  const vectorField = fields.find((f) => f.name === vector);
  if (vectorField === undefined)
    throw new FileFormatError(path, `no column '${vector}' (columns: ${names.join(', ')})`);
  const element = vectorField.type.children?.[0]?.type;
  if (
    !isList(vectorField.type.typeId) ||
    element === undefined ||
    (element.typeId !== FLOAT && element.typeId !== INT)
  ) {
    throw new FileFormatError(path, `column '${vector}' is ${vectorField.type}, expected a list of numbers`);
  }
  const id = options.idColumn ?? (names.includes('id') && vector !== 'id' ? 'id' : undefined);
  if (id !== undefined) {
    const idField = fields.find((f) => f.name === id);
    if (idField === undefined)
      throw new FileFormatError(path, `no column '${id}' (columns: ${names.join(', ')})`);
    const t = idField.type.typeId;
    if (t !== INT && t !== UTF8 && t !== LARGE_UTF8) {
      throw new FileFormatError(path, `id column '${id}' is ${idField.type}, expected integers or strings`);
    }
  }
  return {
    vector,
    id,
    payload: names.filter((n) => n !== vector && n !== id),
    dimension:
      vectorField.type.typeId === FIXED_SIZE_LIST
        ? (vectorField.type as { listSize: number }).listSize
        : undefined,
  };
}

/**
 * The rows of `batch` as an import batch starting at row `start`; `dimension` is the file's
 * (the first row's when the schema does not fix it).
 * @throws FileFormatError for a null vector or one of another length, or a null or bad id.
 */
export function toVectorBatch(
  path: string,
  batch: RecordBatch,
  plan: ColumnPlan,
  start: number,
  dimension: number,
  bytesRead: number,
): VectorBatch {
  const rows = batch.numRows;
  const column = batch.getChild(plan.vector) as Vector;
  const vectors = new Float32Array(rows * dimension);
  if (!copyFixedFloat32(column, rows, dimension, vectors))
    copyRows(path, column, rows, dimension, start, vectors);
  const out: VectorBatch = { start, rows, dimension, vectors, bytesRead };
  if (plan.id !== undefined) {
    const ids = batch.getChild(plan.id) as Vector;
    out.ids = Array.from({ length: rows }, (_, r) => idOf(path, ids.get(r), start + r));
  }
  if (plan.payload.length > 0) {
    const columns = plan.payload.map((name) => [name, batch.getChild(name) as Vector] as const);
    out.payloads = Array.from({ length: rows }, (_, r) => {
      const payload: JsonObject = {};
      for (const [name, values] of columns) {
        const value = jsonValue(values.get(r));
        if (value !== null) payload[name] = value;
      }
      return payload;
    });
  }
  return out;
}

/**
 * The fast path for a `FixedSizeList<float32>` column without nulls: its child values, which
 * are the rows back to back. Returns false (copying nothing) for any other column.
 */
function copyFixedFloat32(column: Vector, rows: number, dimension: number, out: Float32Array): boolean {
  if (column.type.typeId !== FIXED_SIZE_LIST || column.nullCount > 0) return false;
  const values = column.getChildAt(0)?.toArray();
  if (!(values instanceof Float32Array) || values.length !== rows * dimension) return false;
  out.set(values);
  return true;
}

/** Row by row, for list columns, other element types and columns with nulls. */
function copyRows(
  path: string,
  column: Vector,
  rows: number,
  dimension: number,
  start: number,
  out: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const value = column.get(r) as Vector | null;
    if (value === null) throw new FileFormatError(path, `row ${start + r}: the vector is null`);
    if (value.length !== dimension) {
      throw new FileFormatError(
        path,
        `row ${start + r}: vector of length ${value.length}, expected ${dimension}`,
      );
    }
    out.set(value.toArray() as ArrayLike<number>, r * dimension);
  }
}

/** The length of the first row's vector, for `List<float>` columns. */
export function firstLength(path: string, batch: RecordBatch, plan: ColumnPlan): number {
  const value = (batch.getChild(plan.vector) as Vector).get(0) as Vector | null;
  if (value === null || value.length === 0)
    throw new FileFormatError(path, 'row 0: the vector is null or empty');
  return value.length;
}

function idOf(path: string, value: unknown, row: number): string | number {
  if (typeof value === 'string' && value !== '') return value;
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (
    typeof n === 'number' &&
    Number.isSafeInteger(n) &&
    n >= 0 &&
    BigInt(n) === BigInt(value as number | bigint)
  )
    return n;
  throw new InvalidIdError(
    `${path}: row ${row}: id ${String(value)} is not a non-negative safe integer or a non-empty string`,
  );
}

/** An Arrow value as JSON (see the module comment); `null` for null. */
export function jsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value.toString();
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (
    typeof (value as { toArray?: unknown }).toArray === 'function' &&
    typeof (value as Vector).length === 'number'
  ) {
    return Array.from(value as Vector, jsonValue);
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    const plain = (value as { toJSON(): Record<string, unknown> }).toJSON();
    return Object.fromEntries(Object.entries(plain).map(([k, v]) => [k, jsonValue(v)]));
  }
  return String(value);
}

/** Wraps a decoder's exception (a damaged Arrow or Parquet file) as `CorruptDataError`. */
export function corrupt(path: string, kind: string, error: unknown): never {
  if (
    error instanceof FileFormatError ||
    error instanceof InvalidIdError ||
    error instanceof CorruptDataError
  )
    throw error;
  throw new CorruptDataError(
    path,
    `damaged ${kind} data: ${error instanceof Error ? error.message : String(error)}`,
  );
}
