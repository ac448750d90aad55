/**
 * Quiver's HNSW index (`buildHnsw`: graph and vectors in the kernels' wasm linear memory,
 * linked by worker threads that share it), searched one query at a time through
 * `HnswIndex.search`.
 */
import { buildHnsw } from '../../../src/index/hnsw-build.js';
import { DistanceKind } from '../../../src/kernels/kernels.js';
import { kernels } from '../../../src/kernels/load.js';
import { quiverVersion } from '../paths.js';
import type { AnnIndex, AnnLibrary, BuildParams } from './library.js';

export const quiverHnsw: AnnLibrary = {
  name: 'quiver',
  label: `Quiver ${quiverVersion()} (${kernels().kind})`,

  async build(rows: Float32Array, dimension: number, params: BuildParams): Promise<AnnIndex> {
    const index = await buildHnsw(kernels(), rows, dimension, DistanceKind.L2, {
      M: params.M,
      efConstruction: params.efConstruction,
      threads: params.threads,
    });
    let queries: Float32Array[] = [];
    return {
      sizeReport() {
        return { bytes: index.memoryBytes, source: '`index.memoryBytes`' };
      },
      setQueries(all: Float32Array) {
        queries = Array.from({ length: all.length / dimension }, (_, i) =>
          all.subarray(i * dimension, (i + 1) * dimension),
        );
      },
      async searcher(ef: number, k: number) {
        const effort = { ef };
        return (i: number) => index.search(queries[i], k, undefined, effort).offsets;
      },
      dispose() {
        index.dispose();
      },
    };
  },
};
