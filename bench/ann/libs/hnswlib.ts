/**
 * hnswlib-node (`HierarchicalNSW`, the C++ hnswlib behind an N-API addon).
 *
 * Build threads: its `addPoint` inserts one point synchronously on the calling thread and the
 * binding offers no batch or multi-threaded add (hnswlib's Python `add_items(…, num_threads)`
 * has no counterpart in 3.0.0), and an index object cannot be shared between worker threads.
 * So it is measured on one thread only.
 *
 * It takes vectors as `number[]` only (a `Float32Array` is refused), so the queries are
 * converted once, outside the timing; each row is converted as it is added during the build,
 * as a user of the binding would have to.
 */
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import { type AnnIndex, type AnnLibrary, type BuildParams, packageVersion } from './library.js';

export const hnswlibNode: AnnLibrary = {
  name: 'hnswlib',
  label: `hnswlib-node ${packageVersion('hnswlib-node')}`,

  async build(rows: Float32Array, dimension: number, params: BuildParams): Promise<AnnIndex> {
    const n = rows.length / dimension;
    const index = new hnswlib.HierarchicalNSW('l2', dimension);
    index.initIndex(n, params.M, params.efConstruction);
    for (let i = 0; i < n; i++) {
      index.addPoint(Array.from(rows.subarray(i * dimension, (i + 1) * dimension)), i);
    }
    let queries: number[][] = [];
    return {
      sizeReport() {
        const file = join(params.scratchDir, 'hnswlib-node.index');
        index.writeIndexSync(file);
        const bytes = statSync(file).size;
        rmSync(file);
        return { bytes, source: 'size of `writeIndexSync` file' };
      },
      setQueries(all: Float32Array) {
        queries = Array.from({ length: all.length / dimension }, (_, i) =>
          Array.from(all.subarray(i * dimension, (i + 1) * dimension)),
        );
      },
      async searcher(ef: number, k: number) {
        index.setEf(ef);
        return (i: number) => index.searchKnn(queries[i], k).neighbors;
      },
      dispose() {
        queries = [];
      },
    };
  },
};
