/**
 * Batches of queries on worker threads for the indexes whose scans run in TypeScript (IVF,
 * PQ, SQ, LSH): each worker holds a copy of the index, sent once per version as the bytes
 * of its FAISS file (`serializeIndex`), and answers a slice of the batch; the flat and HNSW
 * indexes use the kernel worker pool instead.
 *
 * Invariants:
 * - A worker's copy is keyed by (index, version): an index bumps its version on every change
 *   (`Index.changed()`), so a batch never runs on a stale copy; a worker keeps one copy per
 *   index (the newest sent).
 * - Workers are created on first use, at most the machine's cores, and are unref'd while
 *   idle (an idle pool never keeps the process alive).
 * - Without a registered serializer (`index-io.ts` registers it when loaded), with one
 *   core, or inside a worker, `parallelSearch` is not used: callers answer on the calling
 *   thread.
 */
import { availableParallelism } from 'node:os';
import { isMainThread, Worker } from 'node:worker_threads';
import type { Hits, Index, SearchParameters } from './faiss-index.js';

type Serializer = (index: Index) => Uint8Array;

interface Request {
  id: number;
  resolve: (hits: Hits[]) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Request>;
  /** Versions of each index this worker holds. */
  holds: Map<number, number>;
}

let serializer: Serializer | undefined;
const slots: Slot[] = [];
const indexIds = new WeakMap<Index, number>();
let nextIndexId = 1;
let nextRequest = 1;
/** Batches smaller than this (queries × vectors) are answered on the calling thread. */
const MIN_WORK = 200_000;

/** Called by `index-io.ts`: how indexes are copied to the workers. */
export function registerSerializer(fn: Serializer): void {
  serializer = fn;
}

/** Whether a batch of `n` queries over `ntotal` vectors should go to the workers. */
export function worthParallel(n: number, ntotal: number): boolean {
  return (
    isMainThread && serializer !== undefined && availableParallelism() > 1 && n >= 4 && n * ntotal >= MIN_WORK
  );
}

function spawn(): Slot {
  const worker = new Worker(new URL('./search-worker.js', import.meta.url));
  const slot: Slot = { worker, pending: new Map(), holds: new Map() };
  worker.on(
    'message',
    (msg: {
      id: number;
      hits?: Array<{ distances: Float32Array; labels: BigInt64Array }>;
      error?: string;
    }) => {
      const req = slot.pending.get(msg.id);
      if (!req) return;
      slot.pending.delete(msg.id);
      if (slot.pending.size === 0) worker.unref();
      if (msg.error !== undefined) req.reject(new Error(msg.error));
      else req.resolve(msg.hits as Hits[]);
    },
  );
  worker.on('error', (error) => {
    for (const req of slot.pending.values()) req.reject(error);
    slot.pending.clear();
    slots.splice(slots.indexOf(slot), 1);
  });
  worker.unref();
  slots.push(slot);
  return slot;
}

/**
 * The k best hits of each of `n` queries, the batch split among the workers. `params`
 * must carry every search-time parameter explicitly (the copies do not see later property
 * changes).
 */
export async function parallelSearch(
  index: Index,
  version: number,
  rows: Float32Array,
  n: number,
  k: number,
  params: SearchParameters,
): Promise<Hits[]> {
  const serialize = serializer as Serializer;
  let indexId = indexIds.get(index);
  if (indexId === undefined) {
    indexId = nextIndexId++;
    indexIds.set(index, indexId);
  }
  const workers = Math.min(availableParallelism(), n);
  while (slots.length < workers) spawn();
  let bytes: Uint8Array | undefined;
  const per = Math.ceil(n / workers);
  const d = index.d;
  const parts = await Promise.all(
    slots.slice(0, workers).map((slot, w) => {
      const from = w * per;
      const to = Math.min(n, from + per);
      if (from >= to) return Promise.resolve([] as Hits[]);
      let load: Uint8Array | undefined;
      if (slot.holds.get(indexId) !== version) {
        bytes ??= serialize(index);
        load = bytes;
        slot.holds.set(indexId, version);
      }
      const id = nextRequest++;
      return new Promise<Hits[]>((resolve, reject) => {
        slot.pending.set(id, { id, resolve, reject });
        slot.worker.ref();
        slot.worker.postMessage({
          id,
          indexId,
          version,
          load,
          queries: rows.slice(from * d, to * d),
          k,
          params,
        });
      });
    }),
  );
  return parts.flat();
}
