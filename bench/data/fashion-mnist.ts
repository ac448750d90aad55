/**
 * Fashion-MNIST from Debian's `dataset-fashion-mnist` package: 60,000 training and 10,000
 * test images of 28 × 28 pixels, as 784-d float rows with the raw pixel values 0–255 (the
 * same vectors as ann-benchmarks' `fashion-mnist-784-euclidean`) and their class labels.
 *
 * The files are IDX (big-endian header: magic `0x00000803` for images, `0x00000801` for
 * labels, then one u32 per dimension, then u8 data), gzip-compressed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_DIMENSION = 784;

/** The ten classes, indexed by label. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;

export interface LabelledImages {
  /** `count × 784` floats, row-major, pixel values 0–255. */
  vectors: Float32Array;
  /** One class label (0–9) per row. */
  labels: Uint8Array;
  count: number;
}

export interface FashionMnist {
  dimension: number;
  train: LabelledImages;
  test: LabelledImages;
}

/**
 * Reads both splits.
 * @throws Error naming the package to install when the files are missing, or naming the
 *   file when its header is not what IDX promises.
 */
export function loadFashionMnist(dir = FASHION_MNIST_DIR): FashionMnist {
  return {
    dimension: FASHION_MNIST_DIMENSION,
    train: readSplit(dir, 'train'),
    test: readSplit(dir, 't10k'),
  };
}

function readSplit(dir: string, split: 'train' | 't10k'): LabelledImages {
  const images = readIdx(join(dir, `${split}-images-idx3-ubyte.gz`), IMAGES_MAGIC, 3);
  const labels = readIdx(join(dir, `${split}-labels-idx1-ubyte.gz`), LABELS_MAGIC, 1);
  const [count, rows, cols] = images.dims;
  if (rows * cols !== FASHION_MNIST_DIMENSION) {
    throw new Error(`${images.file}: expected 28 × 28 images, got ${rows} × ${cols}`);
  }
  if (labels.dims[0] !== count) {
    throw new Error(`${labels.file}: ${labels.dims[0]} labels for ${count} images`);
  }
  return { vectors: Float32Array.from(images.data), labels: labels.data, count };
}

interface IdxFile {
  file: string;
  dims: number[];
  data: Uint8Array;
}

function readIdx(file: string, magic: number, rank: number): IdxFile {
  if (!existsSync(file)) {
    throw new Error(
      `${file} not found: Fashion-MNIST comes from the Debian package dataset-fashion-mnist ` +
        '(apt-get install dataset-fashion-mnist)',
    );
  }
  const bytes = gunzipSync(readFileSync(file));
  const header = 4 + 4 * rank;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < header || view.getUint32(0) !== magic) {
    throw new Error(`${file}: not an IDX file with magic 0x${magic.toString(16).padStart(8, '0')}`);
  }
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.byteLength !== header + size) {
    throw new Error(`${file}: header promises ${size} bytes of data, found ${bytes.byteLength - header}`);
  }
  return { file, dims, data: bytes.subarray(header) };
}
