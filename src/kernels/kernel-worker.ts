/**
 * Entry point of a kernel worker thread: instantiates the kernels module over the shared
 * memories (arenas) it is given and runs exported functions on request. It never
 * allocates; every pointer it receives was allocated by the thread that owns the memory.
 *
 * Protocol: `{ id, memories, calls }` in, where `calls` is a list of `[arena, fn, args]` run in
 * order and `memories` lists `[arena, memory]` for arenas this worker has no instance over
 * yet; `{ id, results, errors, ms }` out, one entry per call (`errors[i]` null when call i
 * succeeded) and the milliseconds the calls took together. `{ forget: arena }` drops the instance over that arena and answers nothing.
 *
 * Besides the kernels' exports, `fn` may be `HNSW_SQ8_DISK` (worker-file-reads.ts: a search
 * of vectors kept on disk, whose candidates' rows it reads from their file to re-rank), so that a
 * search's reads run off the event loop in its one hop. File descriptors are the process's,
 * shared by every thread; the caller keeps the file open until the call settles. `fn` may also
 * be `CRC32` (worker-crc.ts: a checksum of bytes in the memory).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { attachWasmKernels } from './wasm-kernels.js';
import { CRC32, crc32Of } from './worker-crc.js';
import { HNSW_SQ8_DISK, hnswSearchSq8Disk } from './worker-file-reads.js';

interface Message {
  id: number;
  memories: [number, WebAssembly.Memory][];
  calls: [number, string, number[]][];
}

type Exports = Record<string, (...args: number[]) => number>;

const { module } = workerData as { module: WebAssembly.Module };
const instances = new Map<number, Exports>();
const memories = new Map<number, WebAssembly.Memory>();
const port = parentPort;
if (!port) throw new Error('kernel-worker.js must run in a worker thread');

function run(arena: number, fn: string, args: number[]): number {
  const exports = instances.get(arena);
  if (exports === undefined) throw new Error(`no memory was sent for arena ${arena}`);
  if (fn === HNSW_SQ8_DISK)
    return hnswSearchSq8Disk(exports, memories.get(arena) as WebAssembly.Memory, args);
  if (fn === CRC32) return crc32Of(memories.get(arena) as WebAssembly.Memory, args);
  const entry = exports[fn];
  if (typeof entry !== 'function') throw new Error(`kernels have no function '${fn}'`);
  return entry(...args) ?? 0;
}

port.on('message', (msg: Message | { forget: number }) => {
  if ('forget' in msg) {
    instances.delete(msg.forget);
    memories.delete(msg.forget);
    return;
  }
  const started = performance.now();
  const results: number[] = [];
  const errors: (string | null)[] = [];
  let attachError: string | null = null;
  try {
    for (const [arena, memory] of msg.memories) {
      instances.set(arena, attachWasmKernels(module, memory) as unknown as Exports);
      memories.set(arena, memory);
    }
  } catch (error) {
    attachError = (error as Error).message;
  }
  for (const [arena, fn, args] of msg.calls) {
    try {
      if (attachError !== null) throw new Error(attachError);
      results.push(run(arena, fn, args));
      errors.push(null);
    } catch (error) {
      results.push(0);
      errors.push((error as Error).message);
    }
  }
  port.postMessage({ id: msg.id, results, errors, ms: performance.now() - started });
});
