/**
 * The one TensorFlow.js runtime behind Quiver's CNN providers (`mobilenet-v2`, `face`).
 *
 * Invariants:
 * - `@tensorflow/tfjs` runs on the WebAssembly backend (`@tensorflow/tfjs-backend-wasm`), set
 *   up once per process: `loadTensorFlow` caches its promise, and a failed set-up is not cached,
 *   so a later call tries again. `@vladmandic/face-api`'s `face-api.node-wasm.js` bundle
 *   `require`s the same two packages, so both providers share this instance and its tensors.
 * - Offline: the `.wasm` binaries are read from the backend package's own `dist/` folder.
 * - SIMD is used wherever WebAssembly SIMD validates (every Node ≥ 16). Threads are not:
 *   tfjs-backend-wasm 4.22 reports no multithread support under Node, and forcing the flag
 *   fails because its pthread workers are started from `blob:` URLs, which `worker_threads`
 *   cannot load. The single-threaded SIMD binary is therefore the fastest that runs here.
 * - The backend is process-global and stays set up; providers release their own models.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { EmbeddingModelError } from './provider.js';

/** The TensorFlow.js namespace, once its wasm backend is ready. */
export type TensorFlow = typeof tf;

let ready: Promise<TensorFlow> | undefined;

/** Sets up the wasm backend on first call; every call resolves to the same `tf` namespace. */
export function loadTensorFlow(): Promise<TensorFlow> {
  ready ??= initWasmBackend().catch((e: unknown) => {
    ready = undefined;
    throw e instanceof EmbeddingModelError
      ? e
      : new EmbeddingModelError(`TensorFlow.js wasm backend failed to start: ${describeError(e)}`);
  });
  return ready;
}

async function initWasmBackend(): Promise<TensorFlow> {
  const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  setWasmPaths(`${dirname(entry)}/`);
  if (!(await tf.setBackend('wasm'))) {
    throw new EmbeddingModelError('TensorFlow.js wasm backend could not be selected');
  }
  await tf.ready();
  return tf;
}

/** A thrown value as text (tfjs sometimes rejects with plain objects). */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e !== null && 'message' in e) return String(e.message);
  return String(e);
}
