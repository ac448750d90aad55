/** Every FAISS index class Quiver reads and writes, in the order `writeIndex` tries them. */
import { flatCodec, hnswCodec, type IndexCodec, idMapCodec } from './codecs-basic.js';

export type { IndexCodec } from './codecs-basic.js';

export const CODECS: readonly IndexCodec[] = [flatCodec, hnswCodec, idMapCodec];
