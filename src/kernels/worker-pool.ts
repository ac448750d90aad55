/**
 * Worker threads that run kernel functions over the shared memory of one `WasmKernels`,
 * so that index builds (and other long kernel calls) use every core and leave the
 * event loop free.
 *
 * Invariants:
 * - Workers are created on demand, at most `maxWorkers`, and kept for reuse; an idle pool
 *   does not keep the process alive (workers are unref'd while idle).
 * - A worker runs one call at a time; calls wait in a queue for a free worker.
 * - Workers never allocate: callers allocate every block before the call and must not free
 *   it until the call's promise settles.
 * - Build workers take calls as messages; search workers take them through a control block
 *   in shared memory (`worker-control.ts`) and `Atomics.waitAsync`, which costs far less
 *   per call than a message (a search takes ~100 µs, a message round trip a good part of it).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WasmKernels } from './wasm-kernels.js';
import { CALLABLE, Control, MAX_ARGS, State } from './worker-control.js';

interface Pending {
  fn: string;
  args: number[];
  resolve: (result: number) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: Pending | undefined;
  /** The control block of a search worker; undefined for message-driven workers. */
  control: Int32Array | undefined;
}

/**
 * Builds and searches get separate pools, so that a minutes-long index build never makes
 * a search wait for a free worker.
 */
export type PoolPurpose = 'build' | 'search';

const pools = new WeakMap<WasmKernels, Map<PoolPurpose, KernelWorkerPool>>();

export class KernelWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 0;

  private constructor(
    private readonly kernels: WasmKernels,
    readonly maxWorkers: number,
    private readonly viaControl: boolean,
  ) {}

  /** The pool of `kernels` for `purpose` (one each per kernels instance), sized to the machine's cores. */
  static for(kernels: WasmKernels, purpose: PoolPurpose): KernelWorkerPool {
    let byPurpose = pools.get(kernels);
    if (!byPurpose) {
      byPurpose = new Map();
      pools.set(kernels, byPurpose);
    }
    let pool = byPurpose.get(purpose);
    if (!pool) {
      pool = new KernelWorkerPool(kernels, Math.max(1, availableParallelism()), purpose === 'search');
      byPurpose.set(purpose, pool);
    }
    return pool;
  }

  /** Runs the kernels export `fn(...args)` on a worker; resolves with its numeric result. */
  run(fn: string, args: number[]): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ fn, args, resolve, reject });
      this.dispatch();
    });
  }

  /** Terminates the workers (pending calls are rejected). */
  async close(): Promise<void> {
    const slots = this.slots.splice(0);
    for (const p of this.queue.splice(0)) p.reject(new Error('kernel worker pool closed'));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.busy === undefined);
      if (!slot && this.slots.length < this.maxWorkers) slot = this.spawn();
      if (!slot) return;
      const call = this.queue.shift() as Pending;
      slot.busy = call;
      slot.worker.ref();
      if (slot.control) this.callThroughControl(slot, call);
      else slot.worker.postMessage({ id: this.nextId++, fn: call.fn, args: call.args });
    }
  }

  private callThroughControl(slot: Slot, call: Pending): void {
    const ctl = slot.control as Int32Array;
    const fn = (CALLABLE as readonly string[]).indexOf(call.fn);
    if (fn < 0 || call.args.length > MAX_ARGS) {
      this.finish(slot, undefined, `'${call.fn}' cannot be called through a control block`);
      return;
    }
    ctl[Control.FN] = fn;
    ctl[Control.ARGC] = call.args.length;
    for (let i = 0; i < call.args.length; i++) ctl[Control.ARGS + i] = call.args[i];
    Atomics.store(ctl, Control.STATE, State.CALL);
    Atomics.notify(ctl, Control.STATE);
    const settled = () => {
      const state = Atomics.load(ctl, Control.STATE);
      Atomics.store(ctl, Control.STATE, State.IDLE);
      if (state === State.DONE) this.finish(slot, ctl[Control.RESULT], undefined);
      else this.finish(slot, undefined, `call to '${call.fn}' failed`);
    };
    const wait = Atomics.waitAsync(ctl, Control.STATE, State.CALL);
    if (wait.async) wait.value.then(settled);
    else settled();
  }

  /** Settles the call `slot` was running and hands the worker the next one. */
  private finish(slot: Slot, result: number | undefined, error: string | undefined): void {
    const call = slot.busy;
    slot.busy = undefined;
    slot.worker.unref();
    if (call) {
      if (error !== undefined) call.reject(new Error(`kernel worker: ${error}`));
      else call.resolve(result ?? 0);
    }
    this.dispatch();
  }

  private spawn(): Slot {
    const control = this.viaControl
      ? new Int32Array(new SharedArrayBuffer(Control.WORDS * Int32Array.BYTES_PER_ELEMENT))
      : undefined;
    const worker = new Worker(new URL('./kernel-worker.js', import.meta.url), {
      workerData: { module: this.kernels.module, memory: this.kernels.memory, control: control?.buffer },
    });
    const slot: Slot = { worker, busy: undefined, control };
    worker.on('message', (msg: { result?: number; error?: string }) => {
      // Control-block workers only send messages to explain a failure, settled by `settled`.
      if (slot.control) {
        if (msg.error !== undefined) process.emitWarning(`kernel worker: ${msg.error}`);
        return;
      }
      this.finish(slot, msg.result, msg.error);
    });
    worker.on('error', (error) => {
      const call = slot.busy;
      slot.busy = undefined;
      const at = this.slots.indexOf(slot);
      if (at >= 0) this.slots.splice(at, 1);
      call?.reject(error);
      this.dispatch();
    });
    worker.unref();
    this.slots.push(slot);
    return slot;
  }
}
