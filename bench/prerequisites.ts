/**
 * What a benchmark needs installed before it starts: checked up front, so that a run does not
 * compute one data set and then stop at the next.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FASHION_MNIST_DIR } from './data/fashion-mnist.js';

/** The four IDX files `loadFashionMnist` reads from `dir`. */
export function fashionMnistFiles(dir = FASHION_MNIST_DIR): string[] {
  return (['train', 't10k'] as const).flatMap((split) => [
    join(dir, `${split}-images-idx3-ubyte.gz`),
    join(dir, `${split}-labels-idx1-ubyte.gz`),
  ]);
}

/**
 * A sentence naming what is missing of Fashion-MNIST and the Debian package that installs it,
 * or undefined when all four files are in `dir`.
 */
export function missingFashionMnist(dir = FASHION_MNIST_DIR): string | undefined {
  const missing = fashionMnistFiles(dir).filter((file) => !existsSync(file));
  if (missing.length === 0) return undefined;
  const what = missing.length === 4 ? `no files in ${dir}` : missing.join(', ');
  return (
    `Fashion-MNIST is missing (${what}): it comes from the Debian package dataset-fashion-mnist; ` +
    'install it with `apt-get install -y dataset-fashion-mnist`'
  );
}
