/**
 * Entry point of a kernel worker thread: instantiates the kernels module over the shared
 * memory it is given and runs exported functions on request. It never allocates; every
 * pointer it receives was allocated by the thread that owns the memory.
 *
 * Protocol: `{ id, fn, args }` in, `{ id, result }` or `{ id, error }` out.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { attachWasmKernels } from './wasm-kernels.js';

interface Call {
  id: number;
  fn: string;
  args: number[];
}

const { module, memory } = workerData as { module: WebAssembly.Module; memory: WebAssembly.Memory };
const exports = attachWasmKernels(module, memory) as unknown as Record<string, (...args: number[]) => number>;
const port = parentPort;
if (!port) throw new Error('kernel-worker.js must run in a worker thread');

port.on('message', ({ id, fn, args }: Call) => {
  try {
    const entry = exports[fn];
    if (typeof entry !== 'function') throw new Error(`kernels have no function '${fn}'`);
    port.postMessage({ id, result: entry(...args) ?? 0 });
  } catch (error) {
    port.postMessage({ id, error: (error as Error).message });
  }
});
