/**
 * `WorkerEmbedder`: an `EmbeddingProvider` that runs another provider on worker threads, so
 * that model inference (TensorFlow.js, OpenCV, ONNX Runtime, HOG in plain JS) and image
 * decoding never hold the event loop of the process that serves searches.
 *
 * Invariants:
 * - Each worker creates its own provider with `createEmbedder(name, options)`: one copy of
 *   the model per worker, loaded in the worker on its first call. The first worker starts in
 *   `create` (it reports the provider's dimension, metric and batch size); more start on
 *   demand, up to `workers`, when every running one has a call in flight.
 * - At most `queueLimit` calls (`embed` or `detect`) are in flight at once, counted over all
 *   workers; one more is refused at once with `OverloadedError` (nothing is started), which
 *   the server answers with 503 and `Retry-After`.
 * - Results are those of the provider in-process: the same vectors (the worker runs the same
 *   code on the same bytes), and the same errors, rebuilt with their classes and the
 *   `index` of the bad input (`worker-protocol.ts`).
 * - Byte inputs are copied once into one buffer that is transferred to the worker, so the
 *   caller's buffers stay usable; vectors come back in one transferred buffer and are split
 *   into one array per input.
 * - Idle workers do not keep the process alive (they are unref'd while no call is in
 *   flight). `dispose` terminates idle workers at once and busy ones as soon as their calls
 *   in flight have answered (so an upsert that was embedding when its collection was dropped
 *   still ends with the collection's own error, not a closed provider's); it returns without
 *   waiting for them. As the provider contract says, a disposed provider starts a worker
 *   again when used.
 * - Workers run at a lower scheduling priority (`niceness`, Linux), so that embedding yields
 *   the cores to the event loop and the search workers when they compete.
 * - A worker that dies (a crash in native code, out of memory) fails its calls in flight
 *   with `EmbeddingModelError`; the next call starts a new one.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ClosedError, InvalidArgumentError, OverloadedError } from '../errors.js';
import {
  type Detection,
  type EmbedderOptions,
  EmbeddingModelError,
  type EmbeddingProvider,
  type EmbedInput,
} from './provider.js';
import {
  type ProviderDescription,
  packInputs,
  rebuildError,
  type WorkerCall,
  type WorkerReply,
  type WorkerStart,
} from './worker-protocol.js';

/** How a {@link WorkerEmbedder} runs its provider. */
export interface WorkerPoolOptions {
  /**
   * Worker threads, each with its own copy of the model (default: one less than the cores,
   * at least 1 and at most 2, so that a core stays free for the event loop).
   */
  workers?: number;
  /** Most calls in flight at once; one more throws `OverloadedError` (default 64). */
  queueLimit?: number;
  /** What `OverloadedError.retryAfterSeconds` says (default 1). */
  retryAfterSeconds?: number;
  /**
   * Scheduling niceness of the worker threads, 0–19 (default 10): on a busy machine the
   * event loop and searches get the cores first. Linux only (elsewhere ignored); 0 leaves it.
   */
  niceness?: number;
}

/** Default number of workers per provider: `max(1, min(2, cores − 1))`. */
export function defaultEmbedWorkers(): number {
  return Math.max(1, Math.min(2, availableParallelism() - 1));
}

export const DEFAULT_QUEUE_LIMIT = 64;
export const DEFAULT_NICENESS = 10;

interface Pending {
  op: WorkerCall['op'];
  resolve: (result: Float32Array[] | Detection[][]) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  inFlight: Map<number, Pending>;
  /** Settles with the worker's first message (`ready` or `failed`). */
  ready: Promise<ProviderDescription>;
  /** Set once the worker has been given up (terminated, failed or exited). */
  gone: boolean;
  /** Set by `dispose`: terminate once no call is in flight. */
  closing: boolean;
}

export class WorkerEmbedder implements EmbeddingProvider {
  readonly name: string;
  readonly kind: 'image' | 'text' | 'audio';
  readonly dimension: number;
  readonly metric: 'cosine' | 'l2' | 'ip';
  readonly batchSize: number;
  /** Present when the provider detects objects (`face`). */
  readonly detect?: (inputs: readonly EmbedInput[]) => Promise<Detection[][]>;
  readonly workers: number;
  readonly queueLimit: number;
  readonly retryAfterSeconds: number;
  readonly niceness: number;
  #slots: Slot[] = [];
  #nextId = 0;

  private constructor(
    private readonly options: EmbedderOptions,
    description: ProviderDescription,
    pool: Required<WorkerPoolOptions>,
    first: Slot,
  ) {
    this.name = description.name;
    this.kind = description.kind;
    this.dimension = description.dimension;
    this.metric = description.metric;
    this.batchSize = description.batchSize;
    if (description.detects) {
      this.detect = (inputs) => this.call('detect', inputs) as Promise<Detection[][]>;
    }
    this.workers = pool.workers;
    this.queueLimit = pool.queueLimit;
    this.retryAfterSeconds = pool.retryAfterSeconds;
    this.niceness = pool.niceness;
    this.#slots.push(first);
  }

  /**
   * Starts a worker that creates the provider `name` and resolves once it has (with the
   * provider's own errors for an unknown name or bad options: `InvalidArgumentError`,
   * `EmbeddingModelError`). The model itself loads on the first call.
   * @example
   * const images = await WorkerEmbedder.create('mobilenet-v2', {}, { workers: 1 });
   * const [vector] = await images.embed(['photo.jpg']);
   */
  static async create(
    name: string,
    options: EmbedderOptions = {},
    pool: WorkerPoolOptions = {},
  ): Promise<WorkerEmbedder> {
    const settings = checkPoolOptions(pool);
    const slot = spawn(name, options, settings.niceness);
    let description: ProviderDescription;
    try {
      description = await slot.ready;
    } catch (error) {
      slot.gone = true;
      await slot.worker.terminate();
      throw error;
    }
    const embedder = new WorkerEmbedder(options, description, settings, slot);
    embedder.listen(slot);
    return embedder;
  }

  /** Calls in flight over all workers (what `queueLimit` bounds). */
  get pending(): number {
    let n = 0;
    for (const s of this.#slots) n += s.inFlight.size;
    return n;
  }

  /** Workers running now. */
  get running(): number {
    return this.#slots.length;
  }

  embed(inputs: readonly EmbedInput[]): Promise<Float32Array[]> {
    return this.call('embed', inputs) as Promise<Float32Array[]>;
  }

  /**
   * Terminates idle workers now and busy ones once their calls in flight have answered;
   * resolves without waiting for the busy ones.
   */
  async dispose(): Promise<void> {
    const slots = this.#slots.splice(0);
    for (const slot of slots) slot.closing = true;
    await Promise.all(slots.filter((s) => s.inFlight.size === 0).map((s) => this.retire(s)));
  }

  private async call(
    op: WorkerCall['op'],
    inputs: readonly EmbedInput[],
  ): Promise<Float32Array[] | Detection[][]> {
    if (!Array.isArray(inputs)) {
      throw new InvalidArgumentError(`${this.name}: expected an array of inputs, got ${typeof inputs}`);
    }
    if (this.pending >= this.queueLimit) {
      throw new OverloadedError(
        `embedding provider '${this.name}' (${this.queueLimit} calls in flight)`,
        this.retryAfterSeconds,
      );
    }
    const slot = this.pick();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const message: WorkerCall = { id, op, ...packInputs(inputs) };
      try {
        slot.worker.postMessage(message, [message.bytes.buffer as ArrayBuffer]);
      } catch (error) {
        reject(
          new InvalidArgumentError(
            `${this.name}: inputs cannot be sent to the worker: ${(error as Error).message}`,
          ),
        );
        return;
      }
      slot.inFlight.set(id, { op, resolve, reject });
      slot.worker.ref();
    });
  }

  /** The worker with the fewest calls in flight, or a new one while some are busy and fewer than `workers` run. */
  private pick(): Slot {
    let best: Slot | undefined;
    for (const s of this.#slots) if (!best || s.inFlight.size < best.inFlight.size) best = s;
    if (best && (best.inFlight.size === 0 || this.#slots.length >= this.workers)) return best;
    const slot = spawn(this.name, this.options, this.niceness);
    // A worker that fails to create the provider fails the calls it was given.
    slot.ready.catch((error: Error) => {
      this.drop(slot);
      void this.retire(slot, error);
    });
    this.listen(slot);
    this.#slots.push(slot);
    return slot;
  }

  private listen(slot: Slot): void {
    slot.worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'ready' || reply.type === 'failed') return;
      const call = slot.inFlight.get(reply.id);
      if (!call) return;
      slot.inFlight.delete(reply.id);
      if (slot.inFlight.size === 0) {
        slot.worker.unref();
        if (slot.closing) void this.retire(slot);
      }
      if (reply.type === 'error') call.reject(rebuildError(reply.error));
      else if (reply.type === 'detections') call.resolve(reply.detections);
      else {
        const d = this.dimension;
        call.resolve(Array.from({ length: reply.count }, (_, i) => reply.packed.slice(i * d, (i + 1) * d)));
      }
    });
    const died = (reason: string) => {
      this.drop(slot);
      void this.retire(
        slot,
        new EmbeddingModelError(`embedding worker of '${this.name}' stopped: ${reason}`),
      );
    };
    slot.worker.on('error', (error) => died(error.message));
    slot.worker.on('exit', (code) => died(`exit code ${code}`));
    if (slot.inFlight.size === 0) slot.worker.unref();
  }

  private drop(slot: Slot): void {
    const at = this.#slots.indexOf(slot);
    if (at >= 0) this.#slots.splice(at, 1);
  }

  /** Terminates the slot's worker, failing its calls in flight (if any) with `error`. */
  private async retire(slot: Slot, error?: Error): Promise<void> {
    if (slot.gone) return;
    slot.gone = true;
    const calls = [...slot.inFlight.values()];
    slot.inFlight.clear();
    const failure = error ?? new ClosedError(`embedding provider '${this.name}'`);
    for (const call of calls) call.reject(failure);
    await slot.worker.terminate();
  }
}

/** Starts a worker for provider `name`; its `ready` settles with the worker's first message. */
function spawn(name: string, options: EmbedderOptions, niceness: number): Slot {
  const start: WorkerStart = { name, options, niceness };
  const worker = new Worker(new URL('./embed-worker.js', import.meta.url), { workerData: start });
  const ready = new Promise<ProviderDescription>((resolve, reject) => {
    worker.once('message', (reply: WorkerReply) => {
      if (reply.type === 'ready') resolve(reply.description);
      else if (reply.type === 'failed') reject(rebuildError(reply.error));
    });
    worker.once('error', (error) =>
      reject(new EmbeddingModelError(`embedding worker of '${name}' failed to start: ${error.message}`)),
    );
    worker.once('exit', (code) =>
      reject(
        new EmbeddingModelError(`embedding worker of '${name}' exited (code ${code}) before it was ready`),
      ),
    );
  });
  // Rejections are handled by whoever awaits `ready`; this keeps an unawaited one from being unhandled.
  ready.catch(() => undefined);
  return { worker, inFlight: new Map(), ready, gone: false, closing: false };
}

function checkPoolOptions(pool: WorkerPoolOptions): Required<WorkerPoolOptions> {
  const int = (key: keyof WorkerPoolOptions, fallback: number, lo: number, hi: number): number => {
    const v = pool[key];
    if (v === undefined) return fallback;
    if (!Number.isInteger(v) || v < lo || v > hi) {
      throw new InvalidArgumentError(
        `embedding workers: ${key} must be an integer in [${lo}, ${hi}], got ${v}`,
      );
    }
    return v;
  };
  return {
    workers: int('workers', defaultEmbedWorkers(), 1, 64),
    queueLimit: int('queueLimit', DEFAULT_QUEUE_LIMIT, 1, 1_000_000),
    retryAfterSeconds: int('retryAfterSeconds', 1, 1, 3600),
    niceness: int('niceness', DEFAULT_NICENESS, 0, 19),
  };
}
