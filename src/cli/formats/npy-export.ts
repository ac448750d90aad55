/**
 * `quiver export … file.npy`: the vectors as a NumPy `.npy` file (version 1.0, `<f4`, C order,
 * shape `(n, d)`, rows in id order) and the ids beside it, in the same row order:
 * `<stem>.ids.npy` (`<i8`, shape `(n,)`) when every id is an integer, else `<stem>.ids.jsonl`
 * (one JSON value per line: numbers and strings). Payloads are not written (export Parquet for
 * them). Streams page by page; the header needs the row count, taken by a survey pass first.
 */
import type { Collection } from '../../db/types.js';
import { InvalidArgumentError } from '../../errors.js';
import { collectionPages, surveyCollection } from './collection-pages.js';
import { createOutput, type OutputFile, refuseExisting } from './output-file.js';

/** What an export wrote. */
export interface ExportResult {
  points: number;
  files: string[];
}

/** The `.npy` header of a `descr` array of `shape`, padded to a multiple of 64 bytes as NumPy does. */
export function npyHeader(descr: string, shape: number[]): Uint8Array {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
  const pad = (64 - ((10 + dict.length + 1) % 64)) % 64;
  const text = Buffer.from(`${dict}${' '.repeat(pad)}\n`, 'latin1');
  const out = Buffer.alloc(10 + text.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  out.writeUInt16LE(text.length, 8);
  text.copy(out, 10);
  return out;
}

/** The sidecar ids file for a vectors file `path` (`x.npy` → `x.ids.npy` or `x.ids.jsonl`). */
export function idsPath(path: string, integerIds: boolean): string {
  return path.replace(/\.npy$/i, '') + (integerIds ? '.ids.npy' : '.ids.jsonl');
}

/** Writes the collection to `path` and its ids sidecar (see the module comment). */
export async function exportNpy(
  collection: Collection,
  path: string,
  progress: (points: number) => void,
): Promise<ExportResult> {
  const survey = await surveyCollection(collection, false);
  const sidecar = idsPath(path, survey.integerIds);
  refuseExisting([path, sidecar]);
  const outputs: OutputFile[] = [];
  try {
    const vectors = await createOutput(path);
    outputs.push(vectors);
    const ids = await createOutput(sidecar);
    outputs.push(ids);
    await vectors.write(npyHeader('<f4', [survey.points, collection.dimension]));
    if (survey.integerIds) await ids.write(npyHeader('<i8', [survey.points]));
    let written = 0;
    for await (const page of collectionPages(collection, false)) {
      await vectors.write(littleEndianFloats(page.vectors));
      await ids.write(survey.integerIds ? int64s(page.ids as number[]) : jsonLines(page.ids));
      written += page.ids.length;
      progress(written);
    }
    if (written !== survey.points) {
      throw new InvalidArgumentError(
        `collection '${collection.name}' changed during the export (${survey.points} points, then ${written})`,
      );
    }
    for (const output of outputs) await output.commit();
    return { points: written, files: [path, sidecar] };
  } finally {
    for (const output of outputs) await output.abort();
  }
}

function littleEndianFloats(values: Float32Array): Uint8Array {
  const out = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) out.writeFloatLE(values[i], i * 4);
  return out;
}

function int64s(ids: number[]): Uint8Array {
  const out = Buffer.alloc(ids.length * 8);
  for (let i = 0; i < ids.length; i++) out.writeBigInt64LE(BigInt(ids[i]), i * 8);
  return out;
}

function jsonLines(ids: (string | number)[]): Uint8Array {
  return Buffer.from(ids.map((id) => `${JSON.stringify(id)}\n`).join(''));
}
