/**
 * Quiver's own Annoy forest (`Annoy<trees>` of src/index, its `serialize()` block laid out as
 * `annoy-forest.ts` states) as Annoy trees, to save with Annoy's file layout
 * (`AnnoyIndex.adopt`). Row r is Annoy item r.
 *
 * Only L2 forests convert exactly: a Quiver split sends a point right when
 * normal·x + offset > 0, which is Annoy's euclidean (and manhattan) split with a = offset.
 * Cosine forests split unit rows by planes with an offset, which Annoy's angular splits (through
 * the origin) cannot hold, and inner-product forests route rows by an extra coordinate Annoy's
 * dot search does not give queries; both are refused (build those with `AnnoyIndex.build`).
 */
import { InvalidArgumentError } from '../errors.js';
import {
  FOREST_HEADER_WORDS,
  type ForestShape,
  forestLayout,
  LEAF_BIT,
  SPLIT_HEADER_WORDS,
} from '../index/annoy-forest.js';
import { DistanceKind } from '../kernels/kernels.js';
import type { AnnoyTree } from './annoy-write.js';

/**
 * The trees of a Quiver L2 Annoy forest (`AnnoyIndex.serialize()` of src/index).
 * @throws InvalidArgumentError for another distance or bytes that are not a forest block.
 */
export function annoyTreesFromForest(block: Uint8Array): AnnoyTree[] {
  if (block.byteLength < FOREST_HEADER_WORDS * 4 || block.byteLength % 4 !== 0)
    throw new InvalidArgumentError(`a Quiver Annoy forest block has a ${FOREST_HEADER_WORDS}-word header`);
  const words = new Uint32Array(block.slice().buffer);
  const floats = new Float32Array(words.buffer);
  const shape: ForestShape = {
    dimension: words[1],
    distance: words[2] as DistanceKind,
    trees: words[3],
    leafSize: words[4],
    count: words[5],
    splits: words[6],
    leaves: words[7],
    largestNormSq: floats[8],
  };
  if (shape.distance !== DistanceKind.L2) {
    throw new InvalidArgumentError(
      `only L2 Quiver Annoy forests convert to Annoy files exactly (euclidean); this one has distance kind ${shape.distance}`,
    );
  }
  const at = forestLayout(shape);
  if (at.bytes !== block.byteLength)
    throw new InvalidArgumentError(
      `the forest block has ${block.byteLength} bytes, its header needs ${at.bytes}`,
    );
  const d = shape.dimension;
  const stride = SPLIT_HEADER_WORDS + d;
  const tree = (ref: number): AnnoyTree => {
    if (ref & LEAF_BIT) {
      const leaf = (ref & ~LEAF_BIT) >>> 0;
      const first = words[at.leaves + 2 * leaf];
      const n = words[at.leaves + 2 * leaf + 1];
      return { items: Array.from(words.subarray(at.items + first, at.items + first + n)) };
    }
    const record = at.splits + ref * stride;
    return {
      left: tree(words[record]),
      right: tree(words[record + 1]),
      offset: floats[record + 2],
      normal: floats.slice(record + SPLIT_HEADER_WORDS, record + stride),
    };
  };
  return Array.from({ length: shape.trees }, (_, t) => tree(words[at.roots + t]));
}
