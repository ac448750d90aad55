/** The factory's `Flat` and `HNSW<M>` strings pass the index conformance suite. */
import { indexConformance } from './support/index-conformance.js';

indexConformance({ factory: 'Flat', minRecall: 1, exact: true, bytesPerVector: (d) => 4 * d });
