/**
 * The messages between a {@link WorkerEmbedder} and its embedding workers
 * (`embed-worker.ts`), and how errors cross the thread boundary.
 *
 * Protocol: the worker is started with `{ name, options, niceness }` as its `workerData`,
 * creates the provider and answers `ready` (its description) or `failed` (the error). Then
 * every call `{ id, op, inputs }` gets exactly one answer with the same `id`: `vectors` (for
 * `embed`, all vectors packed row after row in one transferred buffer), `detections` (for
 * `detect`) or `error`.
 *
 * A call's byte inputs travel packed: copied once into one new buffer that is transferred
 * (the caller's own buffers are untouched), each input a `[start, end)` span of it; strings
 * travel as they are.
 *
 * Errors cross as plain data and are rebuilt with their class on the calling side, so a
 * caller sees the same `EmbeddingInputError` (with its `index`), `EmbeddingModelError`,
 * `MissingPeerDependencyError` (with its package and range) or `InvalidArgumentError` it would
 * see in-process; any other `QuiverError` keeps its code and class name, and anything else
 * becomes a plain `Error` with its name and message.
 */
import { InvalidArgumentError, QuiverError } from '../errors.js';
import { MissingPeerDependencyError } from './onnx-runtime.js';
import {
  type Detection,
  type EmbedderOptions,
  EmbeddingInputError,
  EmbeddingModelError,
} from './provider.js';

/** What a worker tells about the provider it created. */
export interface ProviderDescription {
  name: string;
  kind: 'image' | 'text' | 'audio';
  dimension: number;
  metric: 'cosine' | 'l2' | 'ip';
  batchSize: number;
  /** Whether the provider detects objects (has `detect`). */
  detects: boolean;
}

/** `workerData` of an embedding worker. */
export interface WorkerStart {
  name: string;
  options: EmbedderOptions;
  /** Scheduling niceness the worker gives its own thread (0: leave it). */
  niceness: number;
}

/** A call from the main thread. */
export interface WorkerCall {
  id: number;
  op: 'embed' | 'detect';
  /** Per input: the string itself, or the `[start, end)` span of its bytes in `bytes`. */
  inputs: (string | [number, number])[];
  bytes: Uint8Array;
}

/**
 * The call's inputs as sent: strings kept, byte inputs copied into one buffer (to be
 * transferred); anything else is passed through for the provider to reject.
 */
export function packInputs(inputs: readonly unknown[]): Pick<WorkerCall, 'inputs' | 'bytes'> {
  let total = 0;
  for (const input of inputs) if (input instanceof Uint8Array) total += input.byteLength;
  const bytes = new Uint8Array(total);
  let at = 0;
  const packed = inputs.map((input) => {
    if (!(input instanceof Uint8Array)) return input as string;
    bytes.set(input, at);
    at += input.byteLength;
    return [at - input.byteLength, at] as [number, number];
  });
  return { inputs: packed, bytes };
}

/** The inputs `packInputs` packed, byte inputs as views of `bytes`. */
export function unpackInputs({
  inputs,
  bytes,
}: Pick<WorkerCall, 'inputs' | 'bytes'>): (string | Uint8Array)[] {
  return inputs.map((input) => (Array.isArray(input) ? bytes.subarray(input[0], input[1]) : input));
}

/** An error as data. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  index?: number;
  /** A `MissingPeerDependencyError`'s package and version range. */
  peer?: { packageName: string; range: string };
}

/** A message from the worker. */
export type WorkerReply =
  | { type: 'ready'; description: ProviderDescription }
  | { type: 'failed'; error: SerializedError }
  | { type: 'vectors'; id: number; count: number; packed: Float32Array }
  | { type: 'detections'; id: number; detections: Detection[][] }
  | { type: 'error'; id: number; error: SerializedError };

/** `error` as data that survives `postMessage`. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof EmbeddingInputError) {
    return { name: error.name, message: error.message, code: error.code, index: error.index };
  }
  if (error instanceof MissingPeerDependencyError) {
    const { name, message, code, packageName, range } = error;
    return { name, message, code, peer: { packageName, range } };
  }
  if (error instanceof QuiverError) return { name: error.name, message: error.message, code: error.code };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

/** The error `serializeError` described, with its class where Quiver has one. */
export function rebuildError(data: SerializedError): Error {
  switch (data.name) {
    case 'EmbeddingInputError':
      return new EmbeddingInputError(data.message, data.index);
    case 'EmbeddingModelError':
      return new EmbeddingModelError(data.message);
    case 'MissingPeerDependencyError':
      if (data.peer !== undefined) {
        return new MissingPeerDependencyError(data.peer.packageName, data.peer.range, data.message);
      }
      break;
    case 'InvalidArgumentError':
      return new InvalidArgumentError(data.message);
  }
  const error = data.code === undefined ? new Error(data.message) : new QuiverError(data.code, data.message);
  error.name = data.name;
  return error;
}
