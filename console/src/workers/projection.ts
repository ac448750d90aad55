/**
 * 2-D projections of vectors for the map: PCA (exact top-2 principal components by power
 * iteration with deflation: fast, deterministic, linear) and UMAP (umap-js, seeded:
 * neighbourhoods kept, slower). Pure functions over row-major Float32Arrays, so the worker
 * and tests share them.
 */
import { UMAP } from 'umap-js';
import { seededRandom } from '../state/seeded-random.js';

/** Power iterations per component at most, and the largest change of a unit-vector entry that counts as converged (far below a pixel). */
const MAX_ITERATIONS = 50;
const TOLERANCE = 1e-5;

/**
 * The coordinates of `n` rows of `dim` numbers on their first two principal components
 * (interleaved x, y). Rows are centred; each component is found by power iteration on the
 * covariance without forming it (X^T X v computed as two passes), then deflated.
 */
export function pca(data: Float32Array, n: number, dim: number, seed = 1): Float32Array {
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += data[i * dim + j] / n;
  const centred = new Float64Array(n * dim);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < dim; j++) centred[i * dim + j] = data[i * dim + j] - mean[j];
  const random = seededRandom(seed);
  const components: Float64Array[] = [];
  const projections = new Float64Array(n);
  for (let c = 0; c < 2; c++) {
    let v: Float64Array = Float64Array.from({ length: dim }, () => random() - 0.5);
    for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
      // w = X^T (X v), less what the earlier components explain.
      for (let i = 0; i < n; i++) {
        let dot = 0;
        for (let j = 0; j < dim; j++) dot += centred[i * dim + j] * v[j];
        projections[i] = dot;
      }
      const w = new Float64Array(dim);
      for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) w[j] += centred[i * dim + j] * projections[i];
      for (const earlier of components) {
        let dot = 0;
        for (let j = 0; j < dim; j++) dot += w[j] * earlier[j];
        for (let j = 0; j < dim; j++) w[j] -= dot * earlier[j];
      }
      let norm = 0;
      for (let j = 0; j < dim; j++) norm += w[j] * w[j];
      norm = Math.sqrt(norm);
      if (norm === 0) break;
      let change = 0;
      for (let j = 0; j < dim; j++) {
        const next = w[j] / norm;
        change = Math.max(change, Math.abs(next - v[j]));
        w[j] = next;
      }
      v = w;
      if (change < TOLERANCE) break;
    }
    components.push(v);
  }
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 2; c++) {
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += centred[i * dim + j] * components[c][j];
      out[i * 2 + c] = dot;
    }
  }
  return out;
}

/** UMAP coordinates (interleaved x, y); `onEpoch` hears the progress in [0, 1]. */
export function umap(
  data: Float32Array,
  n: number,
  dim: number,
  seed: number,
  onEpoch: (fraction: number) => void,
): Float32Array {
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(data.subarray(i * dim, (i + 1) * dim)));
  const model = new UMAP({
    nComponents: 2,
    nNeighbors: Math.max(2, Math.min(15, n - 1)),
    minDist: 0.1,
    // umap-js's default below 10,000 points is 500 epochs; 200 (its default above) is enough
    // for a map, and cut 5,000 x 1,280 from 40 s to 30 s on the loaded test machine (the
    // neighbour search, not the epochs, takes the rest).
    nEpochs: 200,
    random: seededRandom(seed),
  });
  const epochs = model.initializeFit(rows);
  for (let e = 0; e < epochs; e++) {
    model.step();
    if (e % 20 === 0) onEpoch(e / epochs);
  }
  const embedding = model.getEmbedding();
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    out[i * 2] = embedding[i][0];
    out[i * 2 + 1] = embedding[i][1];
  }
  return out;
}
