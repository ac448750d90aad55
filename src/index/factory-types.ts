/** Options every index family built by the factory takes (see `factory.ts`). */
import type { VectorStore } from './vector-store.js';

export interface FamilyOptions {
  /**
   * The full-precision vectors to index, borrowed (the caller frees it after disposing the
   * index): a sealed segment's rows. Without one, the index creates and owns its store,
   * and `add` appends to it. For COSINE the rows must be unit length (the index normalizes
   * rows given to `add` itself). Quantized indexes re-rank on these vectors.
   */
  store?: VectorStore;
  /** Seed of every random choice (training samples, k-means init, hyperplanes, splits). Default 1. */
  seed?: number;
  /** Worker threads for training and adding; default: the machine's cores. */
  threads?: number;
  /** HNSW only: candidates kept while linking (default 200) and default search `ef` (64). */
  efConstruction?: number;
  ef?: number;
  /**
   * HNSW only: link the rows in a seeded shuffled order, not row order (for rows a seal laid
   * out in locality order; see `HnswBuildOptions.shuffle`). Default false.
   */
  shuffle?: boolean;
}
