/**
 * Chooses the kernel implementation for the process.
 *
 * Invariants:
 * - `kernels()` returns one process-wide instance: every index and segment that shares
 *   it shares one linear memory, so vectors are never copied between memories.
 * - The JS fallback is chosen silently only when `build/kernels.wasm` does not exist (e.g.
 *   the wasm was never built) or when `QUIVER_KERNELS=js`. A wasm file that exists but
 *   fails to load is a broken build, and that error is thrown, not hidden.
 */
import { existsSync } from 'node:fs';
import { JsKernels } from './js-kernels.js';
import type { Kernels } from './kernels.js';
import { WasmKernels, wasmPath } from './wasm-kernels.js';

let shared: Kernels | undefined;

/**
 * The process-wide kernels: wasm simd128 by default; `QUIVER_KERNELS=js` forces the JS
 * fallback and `QUIVER_KERNELS=wasm` forbids it.
 * @throws Error when `QUIVER_KERNELS` has another value, or the wasm file exists (or is
 *   required) but cannot be loaded.
 */
export function kernels(): Kernels {
  shared ??= choose(process.env.QUIVER_KERNELS ?? '');
  return shared;
}

function choose(setting: string): Kernels {
  if (setting === 'js') return jsKernels();
  if (setting === 'wasm') return wasmKernels();
  if (setting !== '') {
    throw new Error(`QUIVER_KERNELS must be 'js' or 'wasm' (or unset), got '${setting}'`);
  }
  return existsSync(wasmPath()) ? wasmKernels() : jsKernels();
}

/**
 * The implementation `kernels()` uses (without creating its instance): what the arenas of a
 * database are made of by default.
 */
export function defaultKernelKind(): Kernels['kind'] {
  return kernels().kind;
}

/** A new, independent JS kernel instance with its own memory. */
export function jsKernels(): Kernels {
  return new JsKernels();
}

/**
 * A new, independent wasm kernel instance with its own memory.
 * @throws Error when `build/kernels.wasm` is missing or fails to instantiate.
 */
export function wasmKernels(): Kernels {
  return new WasmKernels();
}
