/**
 * Entry point of a kernel worker thread: instantiates the kernels module over the shared
 * memory it is given and runs exported functions on request. It never allocates; every
 * pointer it receives was allocated by the thread that owns the memory.
 *
 * Two transports (see `worker-pool.ts`):
 * - messages: `{ id, fn, args }` in, `{ id, result }` or `{ id, error }` out;
 * - a control block (`workerData.control`, an Int32Array over a SharedArrayBuffer): the
 *   worker sleeps in `Atomics.wait` until the state word becomes CALL, runs
 *   `CALLABLE[fn](...args)`, writes the result, sets DONE (or FAILED) and notifies. This
 *   costs far less per call than a message, which matters for searches of ~100 µs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { attachWasmKernels } from './wasm-kernels.js';
import { CALLABLE, Control, State } from './worker-control.js';

interface Call {
  id: number;
  fn: string;
  args: number[];
}

const { module, memory, control } = workerData as {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control?: SharedArrayBuffer;
};
const exports = attachWasmKernels(module, memory) as unknown as Record<string, (...args: number[]) => number>;
const port = parentPort;
if (!port) throw new Error('kernel-worker.js must run in a worker thread');

if (control) {
  const ctl = new Int32Array(control);
  const args: number[] = [];
  for (;;) {
    let state = Atomics.load(ctl, Control.STATE);
    while (state !== State.CALL) {
      Atomics.wait(ctl, Control.STATE, state);
      state = Atomics.load(ctl, Control.STATE);
    }
    let outcome: number = State.DONE;
    try {
      const entry = exports[CALLABLE[ctl[Control.FN]]];
      args.length = ctl[Control.ARGC];
      for (let i = 0; i < args.length; i++) args[i] = ctl[Control.ARGS + i];
      ctl[Control.RESULT] = entry(...args) ?? 0;
    } catch (error) {
      port.postMessage({ error: (error as Error).message });
      outcome = State.FAILED;
    }
    Atomics.store(ctl, Control.STATE, outcome);
    Atomics.notify(ctl, Control.STATE);
  }
} else {
  port.on('message', ({ id, fn, args }: Call) => {
    try {
      const entry = exports[fn];
      if (typeof entry !== 'function') throw new Error(`kernels have no function '${fn}'`);
      port.postMessage({ id, result: entry(...args) ?? 0 });
    } catch (error) {
      port.postMessage({ id, error: (error as Error).message });
    }
  });
}
