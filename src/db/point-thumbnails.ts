/**
 * The thumbnails of one collection's points: what each write changes in the catalog's
 * `thumbnails` table (storage/catalog-thumbnails.ts), and reading them back.
 *
 * Invariant: a point has a thumbnail in field F iff its last acknowledged upsert gave F an
 * image and it was not deleted since. Every write that changes which points exist hands
 * its table change to the commit queue as the `alongside` of its WAL row, so the change
 * commits in the row's transaction: an upsert first deletes every thumbnail of its ids (a
 * point upserted again without an image loses its old one) and then inserts the new ones;
 * a delete deletes the thumbnails of the ids it deletes. Dropping the collection drops its
 * rows in the catalog's drop transaction; snapshots carry them (snapshot-create.ts,
 * snapshot-restore.ts). Collections without a thumbnail field never touch the table.
 */
import { InvalidArgumentError } from '../errors.js';
import type { SqliteCatalog } from '../storage/catalog.js';
import type { ThumbnailRow } from '../storage/catalog-thumbnails.js';
import { keepsThumbnails, type StoredVectorField } from './collection-config.js';
import type { PointId } from './types.js';
import { checkId, describe } from './validate.js';

export class PointThumbnails {
  /** Names of the fields that keep thumbnails. */
  readonly fields: readonly string[];

  constructor(
    private readonly catalog: SqliteCatalog,
    private readonly collectionId: number,
    fields: readonly StoredVectorField[],
  ) {
    this.fields = fields.filter(keepsThumbnails).map((f) => f.name);
  }

  /** Whether any field keeps thumbnails (if not, writes leave the table alone). */
  get active(): boolean {
    return this.fields.length > 0;
  }

  /**
   * The table change of an upsert of `ids` (in point order) whose points have the
   * thumbnails `made` (same positions); undefined when the collection keeps none. When an
   * id comes twice, its last point wins, as in the segment.
   */
  upsertChange(
    ids: readonly PointId[],
    made: readonly (ReadonlyMap<string, Buffer> | undefined)[] | undefined,
  ): (() => void) | undefined {
    if (!this.active) return undefined;
    const last = new Map<PointId, ReadonlyMap<string, Buffer> | undefined>();
    ids.forEach((id, i) => {
      last.set(id, made?.[i]);
    });
    const rows: ThumbnailRow[] = [];
    for (const [point, byField] of last) {
      for (const [field, body] of byField ?? []) rows.push({ point, field, body });
    }
    const points = [...last.keys()];
    return () => {
      this.catalog.thumbnails.deletePoints(this.collectionId, points);
      this.catalog.thumbnails.put(this.collectionId, rows);
    };
  }

  /** The table change of deleting `ids`; undefined when the collection keeps no thumbnails. */
  deleteChange(ids: readonly PointId[]): (() => void) | undefined {
    if (!this.active) return undefined;
    return () => this.catalog.thumbnails.deletePoints(this.collectionId, ids);
  }

  /**
   * The thumbnail of point `id` in `field`, or undefined. Throws `InvalidIdError` for a bad
   * id and `InvalidArgumentError` for a field that keeps no thumbnails.
   */
  read(id: unknown, field: unknown): Buffer | undefined {
    const point = checkId(id);
    if (typeof field !== 'string' || !this.fields.includes(field)) {
      const keeping = this.fields.length > 0 ? this.fields.join(', ') : 'none in this collection';
      throw new InvalidArgumentError(
        `field: expected a vector field that keeps thumbnails (storeInput: 'thumbnail': ${keeping}), got ${describe(field)}`,
      );
    }
    return this.catalog.thumbnails.get(this.collectionId, point, field);
  }
}
