/**
 * `face`: 128-d face descriptors from `@vladmandic/face-api` (a maintained fork of face-api.js:
 * a ResNet-34-like network trained for face recognition, as in dlib). Descriptors of the same
 * person lie within Euclidean distance ~0.6 of each other, so the metric is `l2`.
 *
 * Pipeline per image: decode with sharp to RGB at its own size (shrunk to at most
 * {@link MAX_SIDE} pixels on the long side; boxes are scaled back), detect faces
 * (SSD MobileNetV1, or the Tiny Face Detector with `detector: 'tiny'`), find 68 landmarks in
 * each face, align the face by them and compute its descriptor. Weights are read from the
 * package's `model/` folder; nothing is fetched. TensorFlow.js runs on the shared wasm runtime
 * (`tf-runtime.ts`): face-api's `face-api.node-wasm.js` bundle requires the same
 * `@tensorflow/tfjs`.
 *
 * Invariants: `detect` lists every face whose detector score is ≥ `minConfidence`, best
 * first, each box inside the image in pixels of the image as decoded (EXIF orientation
 * applied); `embed` gives the best face's descriptor and throws `EmbeddingInputError` for an
 * input without a face. face-api keeps its networks in module-level singletons, so they are
 * shared by every `face` provider of the process and reference-counted: `dispose` frees a
 * network only when no other provider still holds it.
 *
 * Options: `detector` (`'ssd'`, default, or `'tiny'`: faster, misses small faces),
 * `minConfidence` (0..1, default 0.5), `batchSize` (1..64, default 4: images decoded at once).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
import sharp from 'sharp';
import { InvalidArgumentError } from '../errors.js';
import { inBatches } from './batch.js';
import { decodeBatch, describeImage, type RawImage } from './image-input.js';
import {
  type Box,
  type Detection,
  type EmbedderOptions,
  EmbeddingInputError,
  EmbeddingModelError,
  type EmbeddingProvider,
  type EmbedInput,
} from './provider.js';
import { checkOptionNames, choiceOption, integerOption } from './provider-options.js';
import { describeError, loadTensorFlow } from './tf-runtime.js';

const NAME = 'face';
const DIMENSION = 128;
/** Longer image sides are shrunk to this first: the detector sees 512 × 512 and the descriptor 150 × 150 anyway. */
const MAX_SIDE = 2048;
/** Input side of the Tiny Face Detector (a multiple of 32; face-api's recommended 416). */
const TINY_INPUT_SIZE = 416;

type Detector = 'ssd' | 'tiny';
type NetName = 'ssdMobilenetv1' | 'tinyFaceDetector' | 'faceLandmark68Net' | 'faceRecognitionNet';

/** Creates the provider; the networks load on first use. Bad options throw `InvalidArgumentError`. */
export async function createFaceEmbedder(options: EmbedderOptions): Promise<EmbeddingProvider> {
  checkOptionNames(NAME, options, ['detector', 'minConfidence', 'batchSize']);
  const detector = choiceOption<Detector>(NAME, options, 'detector', ['ssd', 'tiny'], 'ssd');
  const minConfidence = options.minConfidence ?? 0.5;
  if (typeof minConfidence !== 'number' || !(minConfidence >= 0 && minConfidence <= 1)) {
    throw new InvalidArgumentError(
      `${NAME}: option 'minConfidence' must be a number in [0, 1], got ${JSON.stringify(minConfidence)}`,
    );
  }
  const batchSize = integerOption(NAME, options, 'batchSize', 4, 1, 64);
  return new FaceEmbedder(detector, minConfidence, batchSize);
}

class FaceEmbedder implements EmbeddingProvider {
  readonly name = NAME;
  readonly kind = 'image';
  readonly dimension = DIMENSION;
  readonly metric = 'l2';
  private readonly nets: NetName[];
  /** Set while this provider holds its networks (see `acquireNets`). */
  private holding: Promise<void> | undefined;

  constructor(
    readonly detector: Detector,
    readonly minConfidence: number,
    readonly batchSize: number,
  ) {
    this.nets = [
      detector === 'ssd' ? 'ssdMobilenetv1' : 'tinyFaceDetector',
      'faceLandmark68Net',
      'faceRecognitionNet',
    ];
  }

  async detect(inputs: readonly EmbedInput[]): Promise<Detection[][]> {
    if (inputs.length === 0) return [];
    await this.load();
    return inBatches(inputs, this.batchSize, async (batch, start) => {
      const images = await decodeBatch(batch, start, { color: 'rgb' });
      const found: Detection[][] = [];
      for (const image of images) found.push(await this.detectFaces(image));
      return found;
    });
  }

  async embed(inputs: readonly EmbedInput[]): Promise<Float32Array[]> {
    const found = await this.detect(inputs);
    return found.map((faces, i) => {
      if (faces.length === 0) {
        throw new EmbeddingInputError(`input ${i}: no face found in image ${describeImage(inputs[i])}`, i);
      }
      return faces[0].vector;
    });
  }

  async dispose(): Promise<void> {
    const holding = this.holding;
    this.holding = undefined;
    if (holding === undefined) return;
    if (await holding.then(() => true).catch(() => false)) releaseNets(this.nets);
  }

  private async load(): Promise<void> {
    await loadTensorFlow();
    this.holding ??= acquireNets(this.nets).catch((e: unknown) => {
      this.holding = undefined;
      throw e;
    });
    await this.holding;
  }

  /** Every face in one decoded image, best first, boxes in the image's pixels. */
  private async detectFaces(decoded: RawImage): Promise<Detection[]> {
    const { image, scale } = await shrinkToMaxSide(decoded);
    const tensor = faceapi.tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
    try {
      const options =
        this.detector === 'ssd'
          ? new faceapi.SsdMobilenetv1Options({ minConfidence: this.minConfidence })
          : new faceapi.TinyFaceDetectorOptions({
              inputSize: TINY_INPUT_SIZE,
              scoreThreshold: this.minConfidence,
            });
      const faces = await faceapi.detectAllFaces(tensor, options).withFaceLandmarks().withFaceDescriptors();
      return faces
        .map((f) => ({
          vector: Float32Array.from(f.descriptor),
          box: clipBox(f.detection.box, scale, decoded.width, decoded.height),
          score: f.detection.score,
        }))
        .sort((a, b) => b.score - a.score);
    } finally {
      tensor.dispose();
    }
  }
}

/** `image` itself, or a copy shrunk so that its longer side is `MAX_SIDE`, with the factor back to `image`. */
async function shrinkToMaxSide(image: RawImage): Promise<{ image: RawImage; scale: number }> {
  const longer = Math.max(image.width, image.height);
  if (longer <= MAX_SIDE) return { image, scale: 1 };
  const width = Math.max(1, Math.round((image.width * MAX_SIDE) / longer));
  const height = Math.max(1, Math.round((image.height * MAX_SIDE) / longer));
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  return { image: { data, width, height, channels: 3 }, scale: image.width / width };
}

/** A detector box scaled by `scale` and clipped to a `width` × `height` image. */
function clipBox(box: Box, scale: number, width: number, height: number): Box {
  const x0 = Math.min(width, Math.max(0, box.x * scale));
  const y0 = Math.min(height, Math.max(0, box.y * scale));
  const x1 = Math.min(width, Math.max(x0, (box.x + box.width) * scale));
  const y1 = Math.min(height, Math.max(y0, (box.y + box.height) * scale));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** How many providers hold each face-api network, and its load. */
const netUsers = new Map<NetName, { count: number; loaded: Promise<void> }>();

/** The folder of face-api's weight files, inside the installed package. */
function modelFolder(): string {
  const main = createRequire(import.meta.url).resolve('@vladmandic/face-api');
  return join(dirname(main), '..', 'model');
}

/** Loads (once) and holds the networks `names`; on failure holds none. */
async function acquireNets(names: readonly NetName[]): Promise<void> {
  for (const name of names) {
    const user = netUsers.get(name);
    if (user) user.count++;
    else netUsers.set(name, { count: 1, loaded: faceapi.nets[name].loadFromDisk(modelFolder()) });
  }
  const results = await Promise.allSettled(names.map((name) => netUsers.get(name)!.loaded));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed !== undefined) {
    releaseNets(names);
    throw new EmbeddingModelError(
      `${NAME}: cannot load face-api models from ${modelFolder()}: ${describeError(failed.reason)}`,
    );
  }
}

/** Releases the networks `names`; frees the weights of those no provider holds any more. */
function releaseNets(names: readonly NetName[]): void {
  for (const name of names) {
    const user = netUsers.get(name);
    if (user === undefined) continue;
    if (--user.count > 0) continue;
    netUsers.delete(name);
    if (faceapi.nets[name].isLoaded) faceapi.nets[name].dispose();
  }
}
