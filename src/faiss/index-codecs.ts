/** Every FAISS index class Quiver reads and writes, in the order `writeIndex` tries them. */
import { flatCodec, hnswCodec, type IndexCodec, idMapCodec } from './codecs-basic.js';
import { ivfFlatCodec, ivfPqCodec } from './codecs-ivf.js';
import { lshCodec, pqCodec, sqCodec } from './codecs-quantized.js';

export type { IndexCodec } from './codecs-basic.js';

export const CODECS: readonly IndexCodec[] = [
  flatCodec,
  hnswCodec,
  idMapCodec,
  ivfFlatCodec,
  ivfPqCodec,
  sqCodec,
  pqCodec,
  lshCodec,
];
