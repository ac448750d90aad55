/**
 * `.fvecs` files (the TEXMEX / ann-benchmarks format of SIFT1M, GIST1M…): records of an int32
 * dimension `d` and `d` float32 values. The reader is xvecs.ts's, with float32 elements.
 */
import { openXvecs, type XvecsFile } from './xvecs.js';

/** An opened `.fvecs` file; `rows` and `dimension` follow from its size and first record. */
export type FvecsFile = XvecsFile<'fvecs'>;

/**
 * Opens `path` and checks that it is a whole number of records of the first record's dimension.
 * @throws FileFormatError for an empty or truncated file or a non-positive first dimension.
 * @example
 * const file = await openFvecs('sift_base.fvecs'); // file.rows === 1_000_000, file.dimension === 128
 */
export function openFvecs(path: string): Promise<FvecsFile> {
  return openXvecs(path, 'fvecs');
}
