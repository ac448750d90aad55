/**
 * The libraries the harness knows. Node libraries run in `worker.ts` and are imported only
 * by the worker that measures them (so no other library's addon sits in its memory); FAISS
 * runs in Python (`faiss_runner.py`).
 */
import type { AnnLibrary } from './library.js';

export interface LibraryEntry {
  runtime: 'node' | 'python';
  /** The Node adapter (absent for Python libraries). */
  load?: () => Promise<AnnLibrary>;
  /** Why the build is measured on one thread only, when it is. */
  singleThreadedBuild?: string;
}

export const LIBRARIES: Record<string, LibraryEntry> = {
  quiver: { runtime: 'node', load: async () => (await import('./quiver.js')).quiverHnsw },
  hnswlib: {
    runtime: 'node',
    load: async () => (await import('./hnswlib.js')).hnswlibNode,
    singleThreadedBuild:
      'hnswlib-node 3.0.0 has no multi-threaded add: `addPoint` inserts one point synchronously ' +
      'on the calling thread, and an index cannot be shared between worker threads',
  },
  usearch: { runtime: 'node', load: async () => (await import('./usearch.js')).usearchLibrary },
  faiss: { runtime: 'python' },
};
