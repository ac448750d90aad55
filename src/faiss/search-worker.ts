/**
 * A worker of `batch-pool.ts`: keeps one copy of each index it is sent (read from the bytes
 * of its FAISS file) and answers slices of query batches on it.
 */
import { parentPort } from 'node:worker_threads';
import type { Index, SearchParameters } from './faiss-index.js';
import { deserializeIndex } from './index-io.js';

interface Message {
  id: number;
  indexId: number;
  version: number;
  load?: Uint8Array;
  queries: Float32Array;
  k: number;
  params: SearchParameters;
}

const copies = new Map<number, { version: number; index: Index }>();

parentPort?.on('message', async (msg: Message) => {
  try {
    if (msg.load) {
      copies.get(msg.indexId)?.index.dispose();
      copies.set(msg.indexId, { version: msg.version, index: deserializeIndex(msg.load, 'batch copy') });
    }
    const copy = copies.get(msg.indexId);
    if (!copy || copy.version !== msg.version)
      throw new Error(`batch worker: no copy of index ${msg.indexId} v${msg.version}`);
    const r = await copy.index.search(msg.queries, msg.k, msg.params);
    const n = msg.queries.length / copy.index.d;
    const hits = Array.from({ length: n }, (_, q) => {
      const labels = r.labels.slice(q * msg.k, (q + 1) * msg.k);
      let m = labels.indexOf(-1n);
      if (m < 0) m = msg.k;
      return { distances: r.distances.slice(q * msg.k, q * msg.k + m), labels: labels.slice(0, m) };
    });
    parentPort?.postMessage({ id: msg.id, hits });
  } catch (error) {
    parentPort?.postMessage({ id: msg.id, error: (error as Error).message });
  }
});
