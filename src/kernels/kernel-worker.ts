/**
 * Entry point of a kernel worker thread: instantiates the kernels module over the shared
 * memories (arenas) it is given and runs exported functions on request. It never
 * allocates; every pointer it receives was allocated by the thread that owns the memory.
 *
 * Protocol: `{ id, arena, memory?, fn, args }` in (`memory` with the first call on an
 * arena), `{ id, result }` or `{ id, error }` out; `{ forget: arena }` drops the instance
 * over that arena and answers nothing.
 *
 * Besides the kernels' exports, `fn` may be `HNSW_SQ8_DISK` (worker-file-reads.ts: a search
 * of vectors kept on disk, whose candidates' rows it reads from their file to re-rank), so that a
 * search's reads run off the event loop in its one hop. File descriptors are the process's,
 * shared by every thread; the caller keeps the file open until the call settles.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { attachWasmKernels } from './wasm-kernels.js';
import { HNSW_SQ8_DISK, hnswSearchSq8Disk } from './worker-file-reads.js';

interface Call {
  id: number;
  arena: number;
  memory?: WebAssembly.Memory;
  fn: string;
  args: number[];
}

type Exports = Record<string, (...args: number[]) => number>;

const { module } = workerData as { module: WebAssembly.Module };
const instances = new Map<number, Exports>();
const memories = new Map<number, WebAssembly.Memory>();
const port = parentPort;
if (!port) throw new Error('kernel-worker.js must run in a worker thread');

port.on('message', (msg: Call | { forget: number }) => {
  if ('forget' in msg) {
    instances.delete(msg.forget);
    memories.delete(msg.forget);
    return;
  }
  const { id, arena, memory, fn, args } = msg;
  try {
    let exports = instances.get(arena);
    if (memory !== undefined) {
      exports = attachWasmKernels(module, memory) as unknown as Exports;
      instances.set(arena, exports);
      memories.set(arena, memory);
    }
    if (exports === undefined) throw new Error(`no memory was sent for arena ${arena}`);
    if (fn === HNSW_SQ8_DISK) {
      port.postMessage({
        id,
        result: hnswSearchSq8Disk(exports, memories.get(arena) as WebAssembly.Memory, args),
      });
      return;
    }
    const entry = exports[fn];
    if (typeof entry !== 'function') throw new Error(`kernels have no function '${fn}'`);
    port.postMessage({ id, result: entry(...args) ?? 0 });
  } catch (error) {
    port.postMessage({ id, error: (error as Error).message });
  }
});
