/**
 * TransE (Bordes et al. 2013, "Translating Embeddings for Modeling Multi-relational Data"):
 * an entity is a point, a relation a translation, and a triple (h, r, t) is plausible when
 * h + r lies near t, by L1 distance here (the norm Bordes et al. chose for WN18).
 *
 * Training is their Algorithm 1: stochastic gradient descent on the margin ranking loss
 * max(0, γ + d(h + r, t) − d(h' + r, t')) where (h', r, t') replaces the head or the tail of a
 * training triple by a uniformly drawn entity; entity vectors are put back on the unit L2
 * sphere before each use (which keeps the loss from shrinking by scaling entities down), and
 * relation vectors are normalized once, at initialization. Single-threaded: one epoch over
 * ~120k triples takes a fraction of a second, so worker threads would save less than they cost
 * in code.
 *
 * Determinism: everything random comes from one `SeededRandom(seed)`, so a run is a pure
 * function of its triples and options.
 */
import { SeededRandom } from '../../src/eval/random.js';

export interface TransEOptions {
  dimension: number;
  /** γ, the margin of the ranking loss. */
  margin: number;
  learningRate: number;
  epochs: number;
  seed: number;
  /** Called after every epoch with the epoch's mean loss per triple. */
  onEpoch?: (epoch: number, loss: number) => void;
}

/** Trained embeddings: row i of `entities` is entity i, row r of `relations` is relation r. */
export interface TransEModel {
  dimension: number;
  entities: Float32Array;
  relations: Float32Array;
}

function normalizeRow(m: Float32Array, row: number, dim: number): void {
  let s = 0;
  const o = row * dim;
  for (let i = 0; i < dim; i++) s += m[o + i] * m[o + i];
  if (s === 0) return;
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < dim; i++) m[o + i] *= inv;
}

/** L1 distance between E[h] + R[r] and E[t]. */
function l1(E: Float32Array, R: Float32Array, h: number, r: number, t: number, dim: number): number {
  let s = 0;
  const ho = h * dim;
  const ro = r * dim;
  const to = t * dim;
  for (let i = 0; i < dim; i++) s += Math.abs(E[ho + i] + R[ro + i] - E[to + i]);
  return s;
}

/** Moves E[h] + R[r] − E[t] by `step` × sign (its L1 gradient): towards t when step < 0. */
function step(
  E: Float32Array,
  R: Float32Array,
  h: number,
  r: number,
  t: number,
  dim: number,
  lr: number,
): void {
  const ho = h * dim;
  const ro = r * dim;
  const to = t * dim;
  for (let i = 0; i < dim; i++) {
    const g = E[ho + i] + R[ro + i] - E[to + i] > 0 ? lr : -lr;
    E[ho + i] -= g;
    R[ro + i] -= g;
    E[to + i] += g;
  }
}

/**
 * Trains TransE on `train` (flat h, r, t triples) over `entityCount` entities and
 * `relationCount` relations.
 */
export function trainTransE(
  train: Int32Array,
  entityCount: number,
  relationCount: number,
  options: TransEOptions,
): TransEModel {
  const { dimension: dim, margin, learningRate: lr, epochs } = options;
  const rng = new SeededRandom(options.seed);
  const bound = 6 / Math.sqrt(dim);
  const E = new Float32Array(entityCount * dim);
  const R = new Float32Array(relationCount * dim);
  for (let i = 0; i < E.length; i++) E[i] = (2 * rng.next() - 1) * bound;
  for (let i = 0; i < R.length; i++) R[i] = (2 * rng.next() - 1) * bound;
  for (let r = 0; r < relationCount; r++) normalizeRow(R, r, dim);
  const count = train.length / 3;
  const order = new Int32Array(count).map((_, i) => i);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = count - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const o = order[i];
      order[i] = order[j];
      order[j] = o;
    }
    let loss = 0;
    for (let k = 0; k < count; k++) {
      const at = 3 * order[k];
      const h = train[at];
      const r = train[at + 1];
      const t = train[at + 2];
      const corruptHead = rng.next() < 0.5;
      const e = rng.int(entityCount);
      const h2 = corruptHead ? e : h;
      const t2 = corruptHead ? t : e;
      normalizeRow(E, h, dim);
      normalizeRow(E, t, dim);
      normalizeRow(E, e, dim);
      const violation = margin + l1(E, R, h, r, t, dim) - l1(E, R, h2, r, t2, dim);
      if (violation <= 0) continue;
      loss += violation;
      step(E, R, h, r, t, dim, lr);
      step(E, R, h2, r, t2, dim, -lr);
    }
    options.onEpoch?.(epoch, loss / count);
  }
  for (let e = 0; e < entityCount; e++) normalizeRow(E, e, dim);
  return { dimension: dim, entities: E, relations: R };
}

/** The query vector of (h, r, ?): E[h] + R[r]. Its nearest entities by L1 are the predicted tails. */
export function tailQuery(model: TransEModel, h: number, r: number): Float32Array {
  const dim = model.dimension;
  const q = new Float32Array(dim);
  for (let i = 0; i < dim; i++) q[i] = model.entities[h * dim + i] + model.relations[r * dim + i];
  return q;
}

/** The query vector of (?, r, t): E[t] − R[r], since ‖e + r − t‖₁ = ‖e − (t − r)‖₁. */
export function headQuery(model: TransEModel, r: number, t: number): Float32Array {
  const dim = model.dimension;
  const q = new Float32Array(dim);
  for (let i = 0; i < dim; i++) q[i] = model.entities[t * dim + i] - model.relations[r * dim + i];
  return q;
}
