/**
 * The parts every FAISS index file shares (`faiss/impl/index_read.cpp`, `index_write.cpp`):
 * an index is its class's fourcc, then `write_index_header` — d (int32), ntotal (int64),
 * two dummy int64 (1 << 20), is_trained (1 byte), metric_type (int32; a float metric_arg
 * follows for metrics above 1) — then its class's fields. Nested indexes (an IVF's
 * quantizer, an HNSW's storage, an id map's index) are written the same way, in place.
 */
import { InvalidArgumentError } from '../errors.js';
import type { ByteReader, ByteWriter } from './binary-io.js';
import { type Index, METRIC_INNER_PRODUCT, METRIC_L1, METRIC_L2, type MetricType } from './faiss-index.js';

export interface IndexHeader {
  d: number;
  ntotal: number;
  isTrained: boolean;
  metricType: MetricType;
}

/** Dimensions above this are refused as corrupt (FAISS has no limit; no real index comes near). */
const MAX_DIMENSION = 1 << 20;

export function readHeader(r: ByteReader): IndexHeader {
  const d = r.i32('d');
  const ntotal = r.size('ntotal', 2 ** 48);
  r.i64('dummy');
  r.i64('dummy');
  const isTrained = r.bool('is_trained');
  const metric = r.i32('metric_type');
  if (metric > 1) r.f32('metric_arg');
  if (d < 1 || d > MAX_DIMENSION) throw r.corrupt(`dimension ${d} is outside [1, ${MAX_DIMENSION}]`);
  if (metric !== METRIC_L2 && metric !== METRIC_INNER_PRODUCT && metric !== METRIC_L1) {
    throw r.corrupt(
      `metric type ${metric} is not supported (Quiver's FAISS reader knows METRIC_INNER_PRODUCT = 0, METRIC_L2 = 1, METRIC_L1 = 2)`,
    );
  }
  return { d, ntotal, isTrained, metricType: metric };
}

export function writeHeader(w: ByteWriter, index: Index, ntotal = index.ntotal): void {
  w.i32(index.d);
  w.i64(ntotal);
  w.i64(1 << 20);
  w.i64(1 << 20);
  w.bool(index.isTrained);
  w.i32(index.metricType);
  if (index.metricType > 1) w.f32(0); // metric_arg
}

/** Throws (as the reader's CorruptDataError) unless `actual` equals `expected`. */
export function expectEqual(r: ByteReader, what: string, actual: number, expected: number): void {
  if (actual !== expected) throw r.corrupt(`${what} is ${actual}, expected ${expected}`);
}

/** Refuses to write an index a FAISS reader would misread. */
export function checkWritable(ok: boolean, message: string): void {
  if (!ok) throw new InvalidArgumentError(message);
}
