/**
 * Reading a whole collection for export, page by page (scroll in id order with a cursor), so
 * memory holds one page whatever the collection's size; and the survey pass that an export
 * format needs before writing its header or schema (ids' type, payload keys' types).
 *
 * The CLI holds the database for the duration of one command, so the collection does not
 * change between the survey and the writing pass.
 */
import type { Collection, PointId } from '../../db/types.js';
import { InvalidArgumentError } from '../../errors.js';
import type { Payload } from '../../payload/filter-types.js';

/** Points per scroll page (the engine's maximum is 10,000). */
export const PAGE_SIZE = 2048;

/** One page of points in id order. */
export interface PointPage {
  ids: PointId[];
  /** Row-major `ids.length × dimension` float32. */
  vectors: Float32Array;
  /** Present when asked for; `{}` for points without a payload. */
  payloads?: Payload[];
}

/**
 * The collection's points, a page at a time.
 * @throws InvalidArgumentError for a collection with named vectors (export has one vector per point).
 */
export async function* collectionPages(
  collection: Collection,
  withPayload: boolean,
): AsyncGenerator<PointPage> {
  const d = collection.dimension;
  let cursor: PointId | undefined;
  do {
    const page = await collection.scroll({ limit: PAGE_SIZE, cursor, withVector: true, withPayload });
    const vectors = new Float32Array(page.points.length * d);
    page.points.forEach((point, r) => {
      if (point.vector === undefined) {
        throw new InvalidArgumentError(
          `collection '${collection.name}' has named vectors; export writes collections with one vector per point`,
        );
      }
      vectors.set(point.vector, r * d);
    });
    const out: PointPage = { ids: page.points.map((p) => p.id), vectors };
    if (withPayload) out.payloads = page.points.map((p) => p.payload ?? {});
    if (out.ids.length > 0) yield out;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
}

/** How a payload key's values are stored in a column (see `surveyCollection`). */
export type ColumnKind = 'bool' | 'number' | 'string' | 'json';

/** What a writer must know before its first row. */
export interface CollectionSurvey {
  points: number;
  /** Whether every id is an integer (else some are strings). */
  integerIds: boolean;
  /** Top-level payload keys in first-seen order, with the kind of column each needs. */
  payloadKeys: Map<string, ColumnKind>;
}

/**
 * Reads every id (and payload, when `withPayload`) once: counts the points, tells whether the
 * ids are all integers, and gives each top-level payload key a column kind — `bool`, `number`
 * or `string` when every non-null value is of that JSON type, `json` otherwise (arrays,
 * objects, or mixed types, stored as JSON text).
 */
export async function surveyCollection(
  collection: Collection,
  withPayload: boolean,
): Promise<CollectionSurvey> {
  const survey: CollectionSurvey = { points: 0, integerIds: true, payloadKeys: new Map() };
  const kinds = new Map<string, ColumnKind | 'null'>(); // 'null': no value but nulls so far
  let cursor: PointId | undefined;
  do {
    const page = await collection.scroll({ limit: PAGE_SIZE, cursor, withPayload });
    for (const point of page.points) {
      survey.points++;
      if (typeof point.id !== 'number') survey.integerIds = false;
      for (const [key, value] of Object.entries(point.payload ?? {})) {
        const seen = kinds.get(key);
        if (value === null || value === undefined) {
          if (seen === undefined) kinds.set(key, 'null');
          continue;
        }
        const kind = kindOf(value);
        kinds.set(key, seen === undefined || seen === 'null' || seen === kind ? kind : 'json');
      }
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  // Keys that are null everywhere become string columns of nulls.
  for (const [key, kind] of kinds) survey.payloadKeys.set(key, kind === 'null' ? 'string' : kind);
  return survey;
}

function kindOf(value: unknown): ColumnKind {
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') return 'string';
  return 'json';
}
