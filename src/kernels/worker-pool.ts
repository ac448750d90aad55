/**
 * Worker threads that run kernel functions over the shared memories of `WasmKernels`
 * instances (the arenas of every database in the process), so that index builds and long
 * kernel calls use every core and leave the event loop free.
 *
 * Invariants:
 * - There is one pool per purpose for the whole process, whatever the number of arenas.
 *   A worker instantiates the kernels module over an arena's memory the first time it runs
 *   a call on it (the memory is sent with that call, once per worker and arena) and keeps
 *   the instance, keyed by the arena's id, until `forget` (an arena released) drops it.
 * - Workers are created on demand, at most `maxWorkers`, and kept for reuse; an idle pool
 *   does not keep the process alive (workers are unref'd while idle).
 * - A worker runs one message at a time; calls wait in a queue for a free worker. Calls
 *   queued in one turn of the event loop are sent together: dispatch waits for the turn to
 *   end (`setImmediate`), then gives each free worker an equal share of the queue, at most
 *   `maxPerMessage` calls in one message (1 for builds, whose calls are long and must spread
 *   over every worker; 32 for searches, whose calls are short, so that one message and one
 *   wake-up serve many) and at most about `MESSAGE_MS` of work by the measured duration of
 *   the function's recent calls (so long searches still spread over the workers call by call,
 *   and a worker that gets little CPU holds few of them). A worker runs a message's calls in
 *   order and answers once, with their results and how long they took.
 * - Workers never allocate: callers allocate every block before the call and must not free
 *   it until the call's promise settles.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Kernels } from './kernels.js';
import { compiledModule, type WasmKernels } from './wasm-kernels.js';

interface Pending {
  kernels: WasmKernels;
  fn: string;
  args: number[];
  resolve: (result: number) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  /** The calls of the message the worker is running; undefined when idle. */
  busy: Pending[] | undefined;
  /** Arenas this worker holds an instance over. */
  arenas: Set<number>;
}

/**
 * Builds and searches get separate pools, so that a minutes-long index build never makes
 * a search wait for a free worker.
 */
export type PoolPurpose = 'build' | 'search';

/** Calls on one arena, queued in the process-wide pool of a purpose. */
export interface ArenaCalls {
  /** Runs the kernels export `fn(...args)` on a worker over the arena; resolves with its numeric result. */
  run(fn: string, args: number[]): Promise<number>;
}

const pools = new Map<PoolPurpose, KernelWorkerPool>();

/** Work one message should carry at most (ms), by the measured durations of recent calls. */
const MESSAGE_MS = 0.5;
/** Weight of the latest message in the running mean of a function's call duration. */
const DURATION_WEIGHT = 0.2;

export class KernelWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 0;
  private dispatchScheduled = false;
  /** Running mean duration (ms) of one call, per kernel function, from the workers' reports. */
  private readonly callMs = new Map<string, number>();
  /** Messages posted to workers and the calls they carried (diagnostics, tests). */
  readonly sent = { messages: 0, calls: 0 };

  private constructor(
    readonly maxWorkers: number,
    readonly maxPerMessage: number,
  ) {}

  /** The process's pool for `purpose` (sized to the machine's cores), bound to the arena of `kernels`. */
  static for(kernels: WasmKernels, purpose: PoolPurpose): ArenaCalls {
    const pool = KernelWorkerPool.of(purpose);
    return { run: (fn, args) => pool.run(kernels, fn, args) };
  }

  /** The process's pool for `purpose`. */
  static of(purpose: PoolPurpose): KernelWorkerPool {
    let pool = pools.get(purpose);
    if (!pool) {
      pool = new KernelWorkerPool(Math.max(1, availableParallelism()), purpose === 'search' ? 32 : 1);
      pools.set(purpose, pool);
    }
    return pool;
  }

  /**
   * Makes every worker drop its instance over the memory of `kernels` (an arena released),
   * so the memory can be reclaimed. Calls already queued on it still run (the memory is
   * sent again).
   */
  static forget(kernels: Kernels): void {
    for (const pool of pools.values()) pool.forget(kernels.arenaId);
  }

  /** Arenas some worker of this pool holds an instance over. */
  get attachedArenas(): number {
    const ids = new Set<number>();
    for (const s of this.slots) for (const id of s.arenas) ids.add(id);
    return ids.size;
  }

  /** Runs the kernels export `fn(...args)` on a worker over `kernels`' memory. */
  run(kernels: WasmKernels, fn: string, args: number[]): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ kernels, fn, args, resolve, reject });
      this.scheduleDispatch();
    });
  }

  /**
   * Sends the calls queued so far now, without waiting for the turn of the event loop to
   * end: for a caller that goes on computing on this thread while the workers run them.
   */
  sendNow(): void {
    this.dispatch();
  }

  /** Dispatches once the current turn of the event loop has queued what it will (see the invariants). */
  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    setImmediate(() => {
      this.dispatchScheduled = false;
      this.dispatch();
    });
  }

  /** Terminates the workers (pending calls are rejected). */
  async close(): Promise<void> {
    const slots = this.slots.splice(0);
    for (const p of this.queue.splice(0)) p.reject(new Error('kernel worker pool closed'));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private forget(arena: number): void {
    for (const slot of this.slots) {
      if (slot.arenas.delete(arena)) slot.worker.postMessage({ forget: arena });
    }
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const idle = this.slots.filter((s) => s.busy === undefined).length;
      const free = idle + this.maxWorkers - this.slots.length;
      if (free === 0) return;
      let slot = this.slots.find((s) => s.busy === undefined);
      if (!slot) slot = this.spawn();
      const perCall = this.callMs.get(this.queue[0].fn);
      const byWork =
        perCall === undefined ? this.maxPerMessage : Math.max(1, Math.floor(MESSAGE_MS / perCall));
      const take = Math.min(this.maxPerMessage, byWork, Math.ceil(this.queue.length / free));
      const calls = this.queue.splice(0, take);
      slot.busy = calls;
      slot.worker.ref();
      const memories: [number, WebAssembly.Memory][] = [];
      for (const call of calls) {
        const arena = call.kernels.arenaId;
        if (slot.arenas.has(arena)) continue;
        slot.arenas.add(arena);
        memories.push([arena, call.kernels.memory]);
      }
      this.sent.messages++;
      this.sent.calls += calls.length;
      slot.worker.postMessage({
        id: this.nextId++,
        memories,
        calls: calls.map((c) => [c.kernels.arenaId, c.fn, c.args]),
      });
    }
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./kernel-worker.js', import.meta.url), {
      workerData: { module: compiledModule() },
    });
    const slot: Slot = { worker, busy: undefined, arenas: new Set() };
    worker.on('message', (msg: { results: number[]; errors: (string | null)[]; ms: number }) => {
      const calls = slot.busy ?? [];
      slot.busy = undefined;
      worker.unref();
      if (calls.length > 0) {
        const fn = calls[0].fn;
        const each = msg.ms / calls.length;
        const mean = this.callMs.get(fn);
        this.callMs.set(fn, mean === undefined ? each : mean + DURATION_WEIGHT * (each - mean));
      }
      for (const [i, call] of calls.entries()) {
        const error = msg.errors[i];
        if (error !== null && error !== undefined) call.reject(new Error(`kernel worker: ${error}`));
        else call.resolve(msg.results[i] ?? 0);
      }
      this.dispatch();
    });
    worker.on('error', (error) => {
      const calls = slot.busy ?? [];
      slot.busy = undefined;
      const at = this.slots.indexOf(slot);
      if (at >= 0) this.slots.splice(at, 1);
      for (const call of calls) call.reject(error);
      this.dispatch();
    });
    worker.unref();
    this.slots.push(slot);
    return slot;
  }
}
