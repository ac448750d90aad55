/**
 * The OpenCV runtime of `@techstark/opencv-js` (OpenCV 4.5.2 compiled to WebAssembly by
 * emscripten), loaded once per process on first use and shared by every provider.
 *
 * Loading takes ~0.2 s and 128 MiB of wasm heap, so nothing imports it until a provider
 * needs it. Three quirks of that emscripten build are handled here:
 * - the module object is a thenable whose `then` passes the module itself, so awaiting it
 *   (or resolving a promise with it) recurses forever: the runtime is handed out wrapped in
 *   {@link OpenCvRuntime};
 * - on load it adds process-wide `uncaughtException` and `unhandledRejection` listeners (the
 *   latter aborts the wasm runtime and rethrows), which would change how the whole database
 *   process fails: the listeners it added are removed again right after loading;
 * - C++ exceptions surface as bare numbers: callers wrap calls and report their own errors.
 *
 * Only the few bindings Quiver calls are typed below; Mats and vectors live in the wasm heap
 * and must be `delete()`d by whoever created them.
 */
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { EmbeddingModelError } from './provider.js';

/** A matrix in the wasm heap; `data` views its bytes (valid until the next allocation). */
export interface CvMat {
  readonly rows: number;
  readonly cols: number;
  readonly data: Uint8Array;
  delete(): void;
}

export interface CvKeyPoint {
  pt: { x: number; y: number };
  size: number;
  angle: number;
  response: number;
  octave: number;
  class_id: number;
}

export interface CvKeyPointVector {
  size(): number;
  get(i: number): CvKeyPoint;
  push_back(k: CvKeyPoint): void;
  delete(): void;
}

/** cv::Feature2D: a keypoint detector and descriptor extractor. */
export interface CvFeature2D {
  detect(image: CvMat, keypoints: CvKeyPointVector, mask: CvMat): void;
  compute(image: CvMat, keypoints: CvKeyPointVector, descriptors: CvMat): void;
  detectAndCompute(image: CvMat, mask: CvMat, keypoints: CvKeyPointVector, descriptors: CvMat): void;
  delete(): void;
}

export interface CvAkaze extends CvFeature2D {
  /** Descriptor length in bits (0: the full 486). */
  setDescriptorSize(bits: number): void;
}

/** The subset of the `cv` namespace Quiver uses. */
export interface OpenCv {
  Mat: { new (): CvMat; new (rows: number, cols: number, type: number): CvMat };
  KeyPointVector: new () => CvKeyPointVector;
  /** cv::ORB::create(nfeatures, …); the other parameters keep OpenCV's defaults. */
  ORB: new (
    nfeatures: number,
  ) => CvFeature2D;
  /** cv::AKAZE::create() with OpenCV's defaults (MLDB descriptors, threshold 0.001). */
  AKAZE: new () => CvAkaze;
  CV_8UC1: number;
}

/** The initialized runtime (wrapped: see the module comment). */
export interface OpenCvRuntime {
  readonly cv: OpenCv;
}

interface EmscriptenModule {
  then(callback: (module: unknown) => void): unknown;
}

const HOOKED_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

let loading: Promise<OpenCvRuntime> | undefined;

/** The OpenCV runtime, loading it on the first call. @throws EmbeddingModelError when it cannot load. */
export function loadOpenCv(): Promise<OpenCvRuntime> {
  loading ??= load().catch((e: unknown) => {
    loading = undefined;
    throw e instanceof EmbeddingModelError
      ? e
      : new EmbeddingModelError(`cannot load @techstark/opencv-js: ${(e as Error).message ?? e}`);
  });
  return loading;
}

async function load(): Promise<OpenCvRuntime> {
  const emitter: EventEmitter = process;
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  let module: EmscriptenModule;
  try {
    module = createRequire(import.meta.url)('@techstark/opencv-js') as EmscriptenModule;
  } finally {
    for (const event of HOOKED_EVENTS) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)?.has(listener))
          emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
  }
  await new Promise<void>((resolve) => {
    module.then(() => resolve());
  });
  const cv = module as unknown as OpenCv;
  if (typeof cv.ORB !== 'function' || typeof cv.Mat !== 'function') {
    throw new EmbeddingModelError('@techstark/opencv-js loaded without the features2d bindings (cv.ORB)');
  }
  return { cv };
}
