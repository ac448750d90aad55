/**
 * usearch (npm): `Index` with connectivity = M, expansion_add = efConstruction, f32 vectors,
 * squared L2, and its own thread pool for `add` (the `threads` argument).
 *
 * Its JS binding fixes `expansion_search` (ef) when the index is constructed and has no
 * setter, so the sweep saves the built index once and, for every ef, loads it into a new
 * `Index` constructed with that `expansion_search` (the file does not store the expansion
 * values; `load` keeps the constructor's). The binding reads typed arrays from the start of
 * their `ArrayBuffer`, ignoring `byteOffset`, so every array handed to it owns its buffer.
 */
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Index, MetricKind, ScalarKind } from 'usearch';
import { type AnnIndex, type AnnLibrary, type BuildParams, packageVersion } from './library.js';

export const usearchLibrary: AnnLibrary = {
  name: 'usearch',
  label: `usearch ${packageVersion('usearch')}`,

  async build(rows: Float32Array, dimension: number, params: BuildParams): Promise<AnnIndex> {
    if (rows.byteOffset !== 0 || rows.buffer.byteLength !== rows.byteLength) {
      throw new Error('usearch adapter: rows must own their ArrayBuffer');
    }
    const n = rows.length / dimension;
    const config = (ef: number) => ({
      dimensions: dimension,
      metric: MetricKind.L2sq,
      quantization: ScalarKind.F32,
      connectivity: params.M,
      expansion_add: params.efConstruction,
      expansion_search: ef,
      multi: false,
    });
    let index: Index | undefined = new Index(config(64));
    const keys = new BigUint64Array(n);
    for (let i = 0; i < n; i++) keys[i] = BigInt(i);
    index.add(keys, rows, params.threads);

    const file = join(params.scratchDir, 'usearch.index');
    let saved = false;
    const save = () => {
      if (!saved) index!.save(file);
      saved = true;
    };
    let queries: Float32Array[] = [];
    return {
      sizeReport() {
        save();
        return { bytes: statSync(file).size, source: 'size of `save` file' };
      },
      setQueries(all: Float32Array) {
        queries = Array.from({ length: all.length / dimension }, (_, i) =>
          all.slice(i * dimension, (i + 1) * dimension),
        );
      },
      async searcher(ef: number, k: number) {
        save();
        // Drop the previous index before loading the next copy, so that at most one copy
        // (plus garbage the collector has not reclaimed yet) is alive.
        index = undefined;
        const loaded = new Index(config(ef));
        loaded.load(file);
        index = loaded;
        return (i: number) => loaded.search(queries[i], k, 1).keys;
      },
      dispose() {
        index = undefined;
        queries = [];
        rmSync(file, { force: true });
      },
    };
  },
};
