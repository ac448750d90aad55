/**
 * Binary keypoint descriptors of an image with OpenCV: ORB (oriented FAST + rotated BRIEF,
 * 256 bits) or AKAZE (MLDB descriptors cut to 256 bits), so that both fill the same 32-byte
 * rows and share the visual-word machinery.
 *
 * Images are decoded to grey and stretched to `size` × `size` pixels before detection: a
 * photo and its rescaled copy then give nearly the same keypoints, and the cost per image is
 * bounded whatever its resolution. At most `maxKeypoints` keypoints are kept: ORB keeps its
 * best by Harris score itself; for AKAZE the strongest by detector response are kept (ties
 * by detection order). Every Mat and vector allocated in the wasm heap is freed before
 * returning, also on error.
 */
import type { DecodeOptions, RawImage } from './image-input.js';
import type { CvFeature2D, CvKeyPointVector, CvMat, OpenCvRuntime } from './opencv-runtime.js';
import { EmbeddingInputError } from './provider.js';

/** Detectors with 256-bit binary descriptors. */
export const BINARY_DETECTORS = ['orb', 'akaze'] as const;
export type BinaryDetector = (typeof BINARY_DETECTORS)[number];

/** Bytes per descriptor (256 bits). */
export const DESCRIPTOR_BYTES = 32;

/** How keypoints are found. */
export interface KeypointOptions {
  detector: BinaryDetector;
  /** Upper bound on keypoints per image. */
  maxKeypoints: number;
  /** Side of the square grey image detection runs on. */
  size: number;
}

/** `count` descriptors of {@link DESCRIPTOR_BYTES} bytes each, row after row. */
export interface DescriptorSet {
  data: Uint8Array;
  count: number;
}

function createDetector(runtime: OpenCvRuntime, options: KeypointOptions): CvFeature2D {
  if (options.detector === 'orb') return new runtime.cv.ORB(options.maxKeypoints);
  const akaze = new runtime.cv.AKAZE();
  akaze.setDescriptorSize(DESCRIPTOR_BYTES * 8);
  return akaze;
}

/** Replaces `keypoints` by its `max` strongest; returns the vector to use (the caller frees both). */
function strongest(runtime: OpenCvRuntime, keypoints: CvKeyPointVector, max: number): CvKeyPointVector {
  const all = Array.from({ length: keypoints.size() }, (_, i) => keypoints.get(i));
  const kept = new runtime.cv.KeyPointVector();
  const order = all.map((k, i) => ({ k, i })).sort((a, b) => b.k.response - a.k.response || a.i - b.i);
  for (const { k } of order.slice(0, max)) kept.push_back(k);
  return kept;
}

/**
 * The binary descriptors of a grey `image` (1 channel). @throws EmbeddingInputError naming
 * `index` when OpenCV fails on it.
 */
export function describeGrey(
  runtime: OpenCvRuntime,
  image: RawImage,
  index: number,
  options: KeypointOptions,
): DescriptorSet {
  const { cv } = runtime;
  const owned: { delete(): void }[] = [];
  const own = <T extends { delete(): void }>(x: T): T => {
    owned.push(x);
    return x;
  };
  try {
    const mat = own(new cv.Mat(image.height, image.width, cv.CV_8UC1));
    mat.data.set(image.data);
    const detector = own(createDetector(runtime, options));
    const mask = own(new cv.Mat());
    const descriptors: CvMat = own(new cv.Mat());
    let keypoints = own(new cv.KeyPointVector());
    if (options.detector === 'orb') {
      detector.detectAndCompute(mat, mask, keypoints, descriptors);
    } else {
      detector.detect(mat, keypoints, mask);
      if (keypoints.size() > options.maxKeypoints)
        keypoints = own(strongest(runtime, keypoints, options.maxKeypoints));
      if (keypoints.size() > 0) detector.compute(mat, keypoints, descriptors);
    }
    const count = keypoints.size() === 0 ? 0 : descriptors.rows;
    if (count > 0 && descriptors.cols !== DESCRIPTOR_BYTES) {
      throw new Error(`descriptors have ${descriptors.cols} bytes instead of ${DESCRIPTOR_BYTES}`);
    }
    return { data: descriptors.data.slice(0, count * DESCRIPTOR_BYTES), count };
  } catch (e) {
    const why = e instanceof Error ? e.message : `OpenCV exception ${String(e)}`;
    throw new EmbeddingInputError(
      `input ${index}: ${options.detector} keypoint detection failed: ${why}`,
      index,
    );
  } finally {
    for (const x of owned.reverse()) x.delete();
  }
}

/** How images are decoded for keypoint detection: grey, stretched to `size` × `size`. */
export function keypointDecodeOptions(options: KeypointOptions): DecodeOptions {
  return { width: options.size, height: options.size, fit: 'fill', color: 'gray' };
}
