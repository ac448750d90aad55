/**
 * hnswlib-node's side of the filtered-search benchmark: `HierarchicalNSW('l2')` over the same
 * rows (M 16, efConstruction 200, label = row number), built on one thread (the binding has
 * no multi-threaded add) and saved with `writeIndexSync`, so that a kept folder reloads it
 * with `readIndexSync` instead of building again. A filtered query passes hnswlib's filter
 * callback `(label) => allowed`, read from a byte per row (the cheapest check JS offers).
 */
import { existsSync, renameSync } from 'node:fs';
import hnswlib from 'hnswlib-node';
import type { Bitset } from '../../src/index/bitset.js';

export interface HnswlibSide {
  index: hnswlib.HierarchicalNSW;
  /** Seconds of `addPoint` calls, or undefined when the index file was reloaded. */
  buildSeconds: number | undefined;
}

export function openHnswlibSide(
  file: string,
  base: Float32Array,
  dimension: number,
  log: (msg: string) => void,
): HnswlibSide {
  const n = base.length / dimension;
  const index = new hnswlib.HierarchicalNSW('l2', dimension);
  if (existsSync(file)) {
    index.readIndexSync(file);
    if (index.getCurrentCount() === n) {
      log(`hnswlib: reloaded ${file}`);
      return { index, buildSeconds: undefined };
    }
    log(`hnswlib: ${file} holds ${index.getCurrentCount()} points, not ${n}; rebuilding`);
  }
  index.initIndex(n, 16, 200);
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    index.addPoint(Array.from(base.subarray(i * dimension, (i + 1) * dimension)), i);
    if ((i + 1) % 100_000 === 0) log(`hnswlib: added ${i + 1} of ${n}`);
  }
  const buildSeconds = (performance.now() - started) / 1000;
  const partial = `${file}.${process.pid}.tmp`;
  index.writeIndexSync(partial);
  renameSync(partial, file);
  return { index, buildSeconds };
}

/** One byte per row: 1 where `rows` has the row. */
export function allowedBytes(rows: Bitset): Uint8Array {
  const bytes = new Uint8Array(rows.size);
  rows.forEach((i) => {
    bytes[i] = 1;
  });
  return bytes;
}

/**
 * A searcher answering query `i` with hnswlib's k nearest labels at `ef`, through the filter
 * callback when `allowed` is given. `setEf` is the index's state: one searcher at a time.
 */
export function hnswlibSearcher(
  index: hnswlib.HierarchicalNSW,
  queries: readonly number[][],
  k: number,
  ef: number,
  allowed: Uint8Array | undefined,
): (i: number) => number[] {
  index.setEf(ef);
  if (allowed === undefined) return (i) => index.searchKnn(queries[i], k).neighbors;
  const filter = (label: number) => allowed[label] === 1;
  return (i) => index.searchKnn(queries[i], k, filter).neighbors;
}
