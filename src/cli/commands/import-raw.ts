/**
 * `quiver import --images DIR` and `quiver import --text FILE.jsonl --field body`: raw inputs
 * vectorized by the collection's provider field as they are upserted.
 *
 * - Images: every file under DIR (recursively) whose extension is an image format, in sorted
 *   order; the id and the payload's `path` are the path relative to DIR.
 * - Texts: one JSON object per line; `--field` names the property holding the text; `id` is
 *   the record's own or else its 1-based line number; every other property (the text
 *   included) becomes the payload.
 *
 * A missing collection is created with one vector field (`--vector-field`, default `image`
 * or the text's `--field`) naming `--provider` (default `mobilenet-v2` / `glove-100`).
 *
 * Resumable: before a batch is vectorized, the ids already in the collection are skipped, so
 * re-running an interrupted import (even after `kill -9`: every acknowledged batch is
 * durable) embeds only what is missing. With a detecting provider (`face`) an image counts as
 * done when its first face (`<id>#0`) is stored; images without faces are looked at again.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { Collection, Database, PointId, RawPointInput } from '../../db/types.js';
import { InvalidArgumentError } from '../../errors.js';
import { FileFormatError } from '../formats/vector-file.js';
import { startProgress } from '../progress.js';

export interface RawImportOptions {
  collection: string;
  provider?: string;
  vectorField?: string;
  batch: number;
}

/** One raw input to upsert, with how far through the source it is (bytes or items). */
interface RawItem {
  id: PointId;
  input: string;
  payload: Record<string, unknown>;
  position: number;
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif']);

/** Imports every image under `dir`. */
export async function importImages(db: Database, dir: string, options: RawImportOptions): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new InvalidArgumentError(`--images: ${dir} is not a folder`);
  const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(extname(e.name).toLowerCase()))
    .map((e) => join(e.parentPath ?? e.path, e.name))
    .sort();
  if (files.length === 0) throw new InvalidArgumentError(`--images: no image files under ${dir}`);
  async function* items(): AsyncGenerator<RawItem> {
    for (let i = 0; i < files.length; i++) {
      const path = relative(dir, files[i]);
      yield { id: path, input: files[i], payload: { path }, position: i + 1 };
    }
  }
  const field = options.vectorField ?? 'image';
  const collection = await target(db, options, field, options.provider ?? 'mobilenet-v2');
  await run(collection, field, items(), startProgress(files.length, 0), options.batch);
}

/** Imports the texts of a JSON Lines file, `textKey` naming each record's text. */
export async function importTexts(
  db: Database,
  path: string,
  textKey: string,
  options: RawImportOptions,
): Promise<void> {
  const info = await stat(path);
  if (!info.isFile()) throw new InvalidArgumentError(`--text: ${path} is not a file`);
  const { size } = info;
  async function* items(): AsyncGenerator<RawItem> {
    const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
    let line = 0;
    let bytes = 0;
    for await (const text of lines) {
      line++;
      bytes += Buffer.byteLength(text) + 1;
      if (text.trim() === '') continue;
      const record = parseRecord(text, path, line);
      const body = record[textKey];
      if (typeof body !== 'string' || body.trim() === '') {
        throw new FileFormatError(path, `line ${line}: expected a non-empty string in "${textKey}"`);
      }
      const { id, ...payload } = record;
      if (id !== undefined && typeof id !== 'string' && typeof id !== 'number') {
        throw new FileFormatError(path, `line ${line}: id must be a string or a number`);
      }
      yield {
        id: (id as PointId | undefined) ?? line,
        input: body,
        payload,
        position: Math.min(bytes, size),
      };
    }
  }
  const field = options.vectorField ?? textKey;
  const collection = await target(db, options, field, options.provider ?? 'glove-100');
  await run(collection, field, items(), startProgress(undefined, size), options.batch);
}

function parseRecord(text: string, path: string, line: number): Record<string, unknown> {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (error) {
    throw new FileFormatError(path, `line ${line}: invalid JSON (${(error as Error).message})`);
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new FileFormatError(path, `line ${line}: expected a JSON object`);
  }
  return record as Record<string, unknown>;
}

/** The collection to import into: existing (its `field` must have a provider) or created. */
async function target(
  db: Database,
  options: RawImportOptions,
  field: string,
  provider: string,
): Promise<Collection> {
  const name = options.collection;
  if (!(await db.listCollections()).includes(name)) {
    return db.createCollection(name, { vectors: { [field]: { provider } } });
  }
  const collection = db.collection(name);
  const declared = (await collection.info()).vectors?.[field];
  if (declared?.provider === undefined) {
    throw new InvalidArgumentError(
      `collection '${name}' has no vector field '${field}' with a provider; name one with --vector-field`,
    );
  }
  if (options.provider !== undefined && options.provider !== declared.provider) {
    throw new InvalidArgumentError(
      `collection '${name}' vectorizes '${field}' with ${declared.provider}, but --provider ${options.provider} was given`,
    );
  }
  return collection;
}

/** Upserts `items` in batches, skipping ids already stored, then flushes. */
async function run(
  collection: Collection,
  field: string,
  items: AsyncIterable<RawItem>,
  progress: ReturnType<typeof startProgress>,
  batchSize: number,
): Promise<void> {
  const started = performance.now();
  const detecting = (await collection.info()).vectors?.[field]?.provider === 'face';
  let added = 0;
  let skipped = 0;
  let seen = 0;
  const flush = async (batch: RawItem[]) => {
    const stored = new Set(
      (await collection.get(batch.map((b) => (detecting ? `${String(b.id)}#0` : b.id)))).map((p) =>
        detecting ? String(p.id).slice(0, -2) : p.id,
      ),
    );
    const todo = batch.filter((b) => !stored.has(detecting ? String(b.id) : b.id));
    skipped += batch.length - todo.length;
    if (todo.length > 0) {
      const points: RawPointInput[] = todo.map((b) => ({ id: b.id, [field]: b.input, payload: b.payload }));
      await collection.upsert(points);
      added += todo.length;
    }
    seen += batch.length;
    progress.update(seen, batch[batch.length - 1].position);
  };
  try {
    let batch: RawItem[] = [];
    for await (const item of items) {
      batch.push(item);
      if (batch.length === batchSize) {
        await flush(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await flush(batch);
    await collection.flush();
  } finally {
    progress.stop();
  }
  if (seen === 0) throw new InvalidArgumentError('nothing to import: the source has no records');
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `imported ${added} inputs into ${collection.name} in ${seconds.toFixed(2)} s (${(added / seconds).toFixed(1)} inputs/s)` +
      (skipped > 0 ? `, skipped ${skipped} already there\n` : '\n'),
  );
}
