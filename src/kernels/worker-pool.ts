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
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WasmKernels } from './wasm-kernels.js';

interface Pending {
  fn: string;
  args: number[];
  resolve: (result: number) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: Pending | undefined;
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
      pool = new KernelWorkerPool(kernels, Math.max(1, availableParallelism()));
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
      slot.worker.postMessage({ id: this.nextId++, fn: call.fn, args: call.args });
    }
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./kernel-worker.js', import.meta.url), {
      workerData: { module: this.kernels.module, memory: this.kernels.memory },
    });
    const slot: Slot = { worker, busy: undefined };
    worker.on('message', (msg: { result?: number; error?: string }) => {
      const call = slot.busy;
      slot.busy = undefined;
      worker.unref();
      if (call) {
        if (msg.error !== undefined) call.reject(new Error(`kernel worker: ${msg.error}`));
        else call.resolve(msg.result ?? 0);
      }
      this.dispatch();
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
