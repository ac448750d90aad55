/**
 * Import reader for Spotify Annoy's `.ann` index files (layout: src/faiss/annoy-layout.ts).
 * Ids are Annoy's item ids; ids never added (Annoy's "holes") are left out; vectors are the
 * stored ones (Hamming: 0/1 components, unpacked as Annoy's `get_item_vector` returns them).
 *
 * An Annoy file records neither its dimension nor its metric: `--dim` is required and
 * `--metric` names the metric (angular, euclidean, manhattan, dot, hamming, or Quiver's names
 * for the first four: cosine, l2, l1, ip; default angular, Annoy's own default). `--create`
 * makes a collection of the matching Quiver metric: angular → cosine, euclidean → l2,
 * manhattan → l1, dot → ip, hamming → l1 (over 0/1 components the L1 distance is the Hamming
 * distance).
 *
 * Streaming, constant memory: on open, the size is checked against the node size (as Annoy's
 * `load` does: a wrong dimension or metric, or a truncated file, is a `CorruptDataError`), the
 * item count is read from the last node, and the item nodes are scanned in chunks for their
 * `n_descendants` (0 for a hole, 1 for an item, anything else refused) to count the rows;
 * batches then read the item nodes in order, a batch's worth at a time. Only the items are
 * read; the trees are not needed to import the vectors.
 */
import { open, stat } from 'node:fs/promises';
import type { Metric } from '../../db/types.js';
import { CorruptDataError, InvalidArgumentError } from '../../errors.js';
import { type AnnoyLayout, annoyLayout, unpackBits } from '../../faiss/annoy-layout.js';
import { ANNOY_METRICS, type AnnoyMetric } from '../../faiss/index.js';
import { checkBatchArguments, readExactly, type VectorBatch, type VectorFile } from './vector-file.js';

/** Quiver's metric names accepted for the Annoy metric they match. */
const FROM_QUIVER: Record<string, AnnoyMetric> = {
  cosine: 'angular',
  l2: 'euclidean',
  l1: 'manhattan',
  ip: 'dot',
};

/** The collection metric an Annoy metric's vectors are searched with. */
const TO_QUIVER: Record<AnnoyMetric, Metric> = {
  angular: 'cosine',
  euclidean: 'l2',
  manhattan: 'l1',
  dot: 'ip',
  hamming: 'l1',
};

/** Bytes read per chunk when scanning the item nodes. */
const SCAN_BYTES = 1 << 22;

/** The Annoy metric a `--metric` value names (default angular). @throws InvalidArgumentError for others. */
export function annoyMetricOf(metric: string | undefined): AnnoyMetric {
  if (metric === undefined) return 'angular';
  const annoy = (ANNOY_METRICS as readonly string[]).includes(metric)
    ? (metric as AnnoyMetric)
    : FROM_QUIVER[metric];
  if (annoy === undefined) {
    throw new InvalidArgumentError(
      `Annoy metrics are ${ANNOY_METRICS.join(', ')} (or cosine, l2, l1, ip); --metric ${metric} is none of them`,
    );
  }
  return annoy;
}

/**
 * Opens the Annoy file at `path` as an index of `dim` components and `metric` (see the module comment).
 * @throws InvalidArgumentError without a dimension or for an unknown metric; CorruptDataError
 *   when the file does not fit them.
 */
export async function openAnnoyFile(
  path: string,
  dim: number | undefined,
  metric?: string,
): Promise<VectorFile> {
  if (dim === undefined) {
    throw new InvalidArgumentError(`${path}: Annoy files do not record their dimension; pass --dim`);
  }
  const layout = annoyLayout(dim, annoyMetricOf(metric));
  const { size } = await stat(path);
  const s = layout.nodeBytes;
  const corrupt = (reason: string) =>
    new CorruptDataError(path, `not an Annoy index of this layout: ${reason}`);
  if (size === 0 || size % s !== 0) {
    throw corrupt(
      `size ${size} is not a positive multiple of the node size ${s} of a ${layout.metric} index of ` +
        `dimension ${dim}: the file was built with another dimension or metric, or is truncated`,
    );
  }
  const nodes = size / s;
  const handle = await open(path, 'r');
  let present = 0;
  let items: number;
  try {
    const last = new Uint8Array(4);
    await readExactly(handle, path, last, size - s);
    items = new DataView(last.buffer).getInt32(0, true);
    if (items < 0 || items >= nodes)
      throw corrupt(`the last node claims ${items} items, the file holds ${nodes} nodes`);
    for await (const chunk of itemChunks(
      handle,
      path,
      layout,
      0,
      items,
      Math.max(1, Math.floor(SCAN_BYTES / s)),
    )) {
      for (const n of chunk.descendants) {
        if (n !== 0 && n !== 1)
          throw corrupt(`item node ${chunk.first} has ${n} descendants (0 or 1 expected)`);
        present += n;
      }
    }
  } finally {
    await handle.close();
  }
  return {
    path,
    format: 'annoy',
    bytes: size,
    rows: present,
    dimension: dim,
    metric: TO_QUIVER[layout.metric],
    batches: async function* (batchSize, fromRow = 0): AsyncGenerator<VectorBatch> {
      checkBatchArguments(batchSize, fromRow);
      const reader = await open(path, 'r');
      try {
        // Without holes row r is node r; with them, rows are counted from the start.
        let node = present === items ? Math.min(fromRow, items) : 0;
        let row = present === items ? node : 0;
        for await (const chunk of itemChunks(reader, path, layout, node, items, batchSize)) {
          const ids: number[] = [];
          const vectors = new Float32Array(chunk.descendants.length * dim);
          chunk.descendants.forEach((n, j) => {
            if (n !== 1 || row++ < fromRow) return;
            vectors.set(chunk.vector(j), ids.length * dim);
            ids.push(chunk.first + j);
          });
          node = chunk.first + chunk.descendants.length;
          if (ids.length === 0) continue;
          yield {
            start: row - ids.length,
            rows: ids.length,
            dimension: dim,
            vectors: vectors.slice(0, ids.length * dim),
            ids,
            bytesRead: node * s,
          };
        }
      } finally {
        await reader.close();
      }
    },
  };
}

interface ItemChunk {
  /** Node number of the chunk's first node. */
  first: number;
  descendants: Int32Array;
  /** Node `first + j`'s vector as floats (0/1 for Hamming). */
  vector(j: number): Float32Array;
}

/** Item nodes [from, to) in chunks of at most `per` nodes. */
async function* itemChunks(
  handle: Awaited<ReturnType<typeof open>>,
  path: string,
  layout: AnnoyLayout,
  from: number,
  to: number,
  per: number,
): AsyncGenerator<ItemChunk> {
  const s = layout.nodeBytes;
  for (let first = from; first < to; first += per) {
    const count = Math.min(per, to - first);
    const bytes = new Uint8Array(count * s);
    await readExactly(handle, path, bytes, first * s);
    const words = new Int32Array(bytes.buffer);
    const stride = s / 4;
    const descendants = Int32Array.from({ length: count }, (_, j) => words[j * stride]);
    const at = (j: number) => j * stride + layout.vectorAt / 4;
    yield {
      first,
      descendants,
      vector: (j) =>
        layout.metric === 'hamming'
          ? unpackBits(new Uint32Array(bytes.buffer, at(j) * 4, 2 * layout.words), layout.dim)
          : new Float32Array(bytes.buffer, at(j) * 4, layout.dim),
    };
  }
}
