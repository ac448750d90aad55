/**
 * `mobilenet-v2`: 1280-d image features from the MobileNetV2 backbone whose weights ship in
 * `nsfwjs` 4.3.0 (`nsfwjs/models/mobilenet_v2`: a Keras LayersModel, uint8-quantized weights
 * embedded as base64, so nothing is fetched).
 *
 * The network ends `out_relu` (s/32 × s/32 × 1280 for an s × s input) → `average_pooling2d_1`
 * → `flatten_1` (1280) → dense classification heads. The feature of an image is the
 * `flatten_1` output, L2-normalized (compare with cosine). The pooling layer is rewritten to
 * average the whole s/32 × s/32 map, so at the default 224 × 224 input the model is exactly
 * nsfwjs's (a 7 × 7 pool) and at a smaller `inputSize` it is the global average of `out_relu`.
 *
 * Preprocessing follows nsfwjs (`NSFWJS.infer`): RGB pixel values divided by 255, so inputs
 * lie in [0, 1] (not MobileNet's usual [-1, 1]; this model was fine-tuned on [0, 1]).
 * Images are resized with sharp to s × s by `cover`: scaled so that the shorter side is s and
 * the centre cropped, keeping the aspect ratio (nsfwjs stretches; for retrieval, geometry
 * matters more than the border).
 *
 * Options: `inputSize` (96, 128, 160, 192 or 224; default 224: smaller is faster and coarser),
 * `batchSize` (1..256, default 16: images per model call).
 */
import type { io, LayersModel } from '@tensorflow/tfjs';
import { MobileNetV2Model } from 'nsfwjs/models/mobilenet_v2';
import { InvalidArgumentError } from '../errors.js';
import { l2Normalize } from './batch.js';
import type { RawImage } from './image-input.js';
import { decodeBatch } from './image-input.js';
import {
  type EmbedderOptions,
  EmbeddingModelError,
  type EmbeddingProvider,
  type EmbedInput,
} from './provider.js';
import { checkOptionNames, integerOption } from './provider-options.js';
import { describeError, loadTensorFlow, type TensorFlow } from './tf-runtime.js';

const NAME = 'mobilenet-v2';
const DIMENSION = 1280;
/** The layer whose output is the feature vector. */
const FEATURE_LAYER = 'flatten_1';
/** The pooling layer in front of it, rewritten to pool the whole last feature map. */
const POOL_LAYER = 'average_pooling2d_1';
/** Total stride of MobileNetV2: the last feature map is inputSize / 32 on a side. */
const STRIDE = 32;
const INPUT_SIZES = [96, 128, 160, 192, 224];

/** Creates the provider; the model loads on the first `embed`. Bad options throw `InvalidArgumentError`. */
export async function createMobileNetEmbedder(options: EmbedderOptions): Promise<EmbeddingProvider> {
  checkOptionNames(NAME, options, ['inputSize', 'batchSize']);
  const inputSize = options.inputSize ?? 224;
  if (typeof inputSize !== 'number' || !INPUT_SIZES.includes(inputSize)) {
    throw new InvalidArgumentError(
      `${NAME}: option 'inputSize' must be one of ${INPUT_SIZES.join(', ')}, got ${JSON.stringify(inputSize)}`,
    );
  }
  const batchSize = integerOption(NAME, options, 'batchSize', 16, 1, 256);
  return new MobileNetEmbedder(inputSize, batchSize);
}

/** A loaded network: the full nsfwjs model and the sub-model that ends at the feature layer. */
interface LoadedModel {
  tf: TensorFlow;
  full: LayersModel;
  features: LayersModel;
}

class MobileNetEmbedder implements EmbeddingProvider {
  readonly name = NAME;
  readonly kind = 'image';
  readonly dimension = DIMENSION;
  readonly metric = 'cosine';
  private loading: Promise<LoadedModel> | undefined;

  constructor(
    /** Side of the square network input, a multiple of 32. */
    readonly inputSize: number,
    readonly batchSize: number,
  ) {}

  /**
   * Decodes batch i + 1 (sharp, on libuv's threads) while the network runs batch i on the main
   * thread. A batch with an undecodable input fails the call before the network sees it.
   */
  async embed(inputs: readonly EmbedInput[]): Promise<Float32Array[]> {
    if (inputs.length === 0) return [];
    const model = await this.load();
    const side = this.inputSize;
    const decode = (start: number) =>
      decodeBatch(inputs.slice(start, start + this.batchSize), start, {
        width: side,
        height: side,
        fit: 'cover',
        color: 'rgb',
      });
    const out: Float32Array[] = [];
    let next = decode(0);
    for (let start = 0; start < inputs.length; start += this.batchSize) {
      const images = await next;
      if (start + this.batchSize < inputs.length) {
        next = decode(start + this.batchSize);
        // Awaited on the next turn; until then a rejection must not count as unhandled.
        next.catch(() => undefined);
      }
      for (const v of await runFeatures(model, images, side)) out.push(v);
    }
    return out;
  }

  async dispose(): Promise<void> {
    const loading = this.loading;
    this.loading = undefined;
    if (loading === undefined) return;
    const model = await loading.catch(() => undefined);
    // `features` shares its layers with `full`; disposing `full` releases every weight once.
    model?.full.dispose();
  }

  private load(): Promise<LoadedModel> {
    this.loading ??= loadModel(this.inputSize).catch((e: unknown) => {
      this.loading = undefined;
      throw e;
    });
    return this.loading;
  }
}

/** One Keras layer entry of the model's topology JSON (the parts this module reads or patches). */
interface KerasLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
}

/**
 * Builds nsfwjs's MobileNetV2 for an `inputSize` × `inputSize` input from the JSON and weights
 * bundled in the package, and the sub-model that outputs `flatten_1`. Every weight of the
 * original is loaded (strict), so a changed package fails here rather than giving random features.
 */
async function loadModel(inputSize: number): Promise<LoadedModel> {
  const tf = await loadTensorFlow();
  try {
    // Typed here: nsfwjs 4.3.0's declarations import '../core' without an extension, which
    // NodeNext does not resolve, so the package's own types read as `any`.
    const json: io.ModelJSON = structuredClone((await MobileNetV2Model.modelJson()).default);
    const base64: string = (await MobileNetV2Model.weightBundles[0]()).default;
    const topology = json.modelTopology as { model_config: { config: { layers: KerasLayer[] } } };
    const layers = topology.model_config.config.layers;
    const input = layers.find((l) => l.class_name === 'InputLayer');
    const pool = layers.find((l) => l.name === POOL_LAYER);
    if (input === undefined || pool === undefined || !layers.some((l) => l.name === FEATURE_LAYER)) {
      throw new Error(`expected layers InputLayer, ${POOL_LAYER} and ${FEATURE_LAYER}`);
    }
    input.config.batch_input_shape = [null, inputSize, inputSize, 3];
    const map = inputSize / STRIDE;
    pool.config.pool_size = [map, map];
    pool.config.strides = [map, map];
    const bytes = Buffer.from(base64, 'base64');
    const full = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: (json.weightsManifest ?? []).flatMap((group) => group.weights),
        weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
      }),
    );
    const features = tf.model({ inputs: full.inputs, outputs: full.getLayer(FEATURE_LAYER).output });
    return { tf, full, features };
  } catch (e) {
    throw new EmbeddingModelError(
      `${NAME}: cannot load the MobileNetV2 model of nsfwjs: ${describeError(e)}`,
    );
  }
}

/** Runs one batch of decoded `side` × `side` RGB images; returns their L2-normalized features. */
async function runFeatures(model: LoadedModel, images: RawImage[], side: number): Promise<Float32Array[]> {
  const { tf } = model;
  const pixels = side * side * 3;
  const scaled = new Float32Array(images.length * pixels);
  images.forEach((image, b) => {
    const offset = b * pixels;
    for (let i = 0; i < pixels; i++) scaled[offset + i] = image.data[i] / 255;
  });
  const output = tf.tidy(() => model.features.predict(tf.tensor4d(scaled, [images.length, side, side, 3])));
  const outputs = Array.isArray(output) ? output : [output];
  try {
    const flat = await outputs[0].data<'float32'>();
    return images.map((_, b) => l2Normalize(flat.slice(b * DIMENSION, (b + 1) * DIMENSION)));
  } finally {
    tf.dispose(outputs);
  }
}
