/**
 * `quiver export … file.parquet`: one row per point, in id order, with columns
 * - `id`: int64 when every id is an integer, else utf8 (integers as decimal strings);
 * - `vector`: `FixedSizeList<float32>` of the collection's dimension;
 * - one column per top-level payload key (flattened): bool, float64 or utf8 when every value
 *   of the key is of that JSON type, else utf8 holding each value as JSON text (arrays,
 *   objects, mixed types); null where a point has no value.
 * `quiver import` reads such a file back into the same points (ids, vectors, and payloads whose
 * values are scalars). A survey pass fixes the schema first; then each page becomes one
 * record batch, streamed through parquet-wasm's writer in row groups of 16,384 rows, so
 * memory holds one page and one row group. apache-arrow and parquet-wasm are loaded only for this format.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import type { Collection } from '../../db/types.js';
import { InvalidArgumentError } from '../../errors.js';
import type { Payload } from '../../payload/filter-types.js';
import { type ColumnKind, collectionPages, type PointPage, surveyCollection } from './collection-pages.js';
import type { ExportResult } from './npy-export.js';
import { refuseExisting } from './output-file.js';

type Arrow = typeof import('apache-arrow');

/** Rows per Parquet row group: what the writer holds in memory, and what a reader reads at once. */
const ROW_GROUP_ROWS = 16_384;

/** Writes the collection to `path` (see the module comment). */
export async function exportParquet(
  collection: Collection,
  path: string,
  progress: (points: number) => void,
): Promise<ExportResult> {
  refuseExisting([path]);
  const arrow = await import('apache-arrow');
  const parquet = await import('parquet-wasm/node');
  const survey = await surveyCollection(collection, true);
  // parquet-wasm's stream writer needs a first record batch for the schema.
  if (survey.points === 0)
    throw new InvalidArgumentError(`collection '${collection.name}' is empty: nothing to export`);
  if (survey.payloadKeys.has('id') || survey.payloadKeys.has('vector')) {
    throw new InvalidArgumentError(
      `collection '${collection.name}' has a payload key 'id' or 'vector', which would clash with the id and vector columns`,
    );
  }
  const pages = collectionPages(collection, true);
  let written = 0;
  const batches = new ReadableStream({
    pull: async (controller) => {
      const next = await pages.next();
      if (next.done) {
        controller.close();
        return;
      }
      const table = pageTable(arrow, next.value, collection.dimension, survey.integerIds, survey.payloadKeys);
      const [batch] = parquet.Table.fromIPCStream(arrow.tableToIPC(table, 'stream')).recordBatches();
      written += next.value.ids.length;
      progress(written);
      controller.enqueue(batch);
    },
  });
  const partial = `${path}.partial`;
  const out = createWriteStream(partial);
  try {
    // Row groups of ROW_GROUP_ROWS: the writer buffers one row group (its default is 1M rows).
    const properties = new parquet.WriterPropertiesBuilder().setMaxRowGroupSize(ROW_GROUP_ROWS).build();
    for await (const chunk of await parquet.transformParquetStream(batches, properties)) {
      if (!out.write(chunk as Uint8Array))
        await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    out.end();
    await finished(out);
    await rename(partial, path);
  } catch (error) {
    out.destroy();
    await rm(partial, { force: true });
    throw error;
  }
  return { points: written, files: [path] };
}

/** One page as an Arrow table of the surveyed schema. */
function pageTable(
  arrow: Arrow,
  page: PointPage,
  dimension: number,
  integerIds: boolean,
  keys: Map<string, ColumnKind>,
): InstanceType<Arrow['Table']> {
  const item = new arrow.Field('item', new arrow.Float32(), false);
  const vectorType = new arrow.FixedSizeList(dimension, item);
  const vectorData = arrow.makeData({
    type: vectorType,
    length: page.ids.length,
    nullCount: 0,
    child: arrow.makeData({ type: new arrow.Float32(), length: page.vectors.length, data: page.vectors }),
  });
  const columns: Record<string, InstanceType<Arrow['Vector']>> = {
    id: integerIds
      ? arrow.vectorFromArray(
          page.ids.map((id) => BigInt(id)),
          new arrow.Int64(),
        )
      : arrow.vectorFromArray(page.ids.map(String), new arrow.Utf8()),
    vector: arrow.makeVector(vectorData),
  };
  const payloads = page.payloads as Payload[];
  for (const [key, kind] of keys) {
    const values = payloads.map((p) => cell(p[key], kind));
    columns[key] = arrow.vectorFromArray(values, columnType(arrow, kind));
  }
  return new arrow.Table(columns);
}

function columnType(arrow: Arrow, kind: ColumnKind) {
  if (kind === 'bool') return new arrow.Bool();
  if (kind === 'number') return new arrow.Float64();
  return new arrow.Utf8();
}

function cell(value: unknown, kind: ColumnKind): unknown {
  if (value === null || value === undefined) return null;
  return kind === 'json' ? JSON.stringify(value) : value;
}
