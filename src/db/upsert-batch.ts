/**
 * An upsert's points as one WAL record: validated ids, payloads and vectors, encoded in the
 * record kind of the collection (one unnamed vector, or named fields), and the rows the
 * growing segment applies once the record is durable.
 *
 * Invariant: everything is validated and converted before anything is written, so a point
 * that is refused (bad id, vector or payload) refuses the whole batch and changes nothing.
 */

import { InvalidArgumentError } from '../errors.js';
import type { FieldRows } from '../segment/growing-segment.js';
import { encodeUpsert, encodeUpsertFields, WalKind } from '../storage/wal-record.js';
import type { StoredVectorField } from './collection-config.js';
import { rowLength } from './metric.js';
import type { QueryInput } from './query-input.js';
import type { PointId, PointInput } from './types.js';
import { checkId, describe, toPayload } from './validate.js';

export interface UpsertBatch {
  ids: PointId[];
  payloads: (Record<string, unknown> | null)[];
  kind: (typeof WalKind)[keyof typeof WalKind];
  body: Uint8Array;
  /** Per field, the rows' vectors (and, with named fields, which points have one). */
  fieldRows: FieldRows[];
}

/** Validates `points` (non-empty) against `fields` and encodes them. @throws InvalidArgumentError and the vector/id errors. */
export function encodeUpsertBatch(
  points: readonly PointInput[],
  fields: readonly StoredVectorField[],
  input: QueryInput,
): UpsertBatch {
  const named = input.named;
  const ids: PointId[] = [];
  const payloads: (Record<string, unknown> | null)[] = [];
  const rows = fields.map((f) => ({
    vectors: new Float32Array(points.length * rowLength(f.dimension, f.metric)),
    present: [] as boolean[],
  }));
  points.forEach((p, i) => {
    if (typeof p !== 'object' || p === null) {
      throw new InvalidArgumentError(`points[${i}]: expected { id, vector, payload? }, got ${describe(p)}`);
    }
    ids.push(checkId(p.id, `points[${i}].id`));
    input.pointVectors(p, `points[${i}]`).forEach((v, f) => {
      rows[f].present.push(v !== undefined);
      if (v) rows[f].vectors.set(v, i * v.length);
    });
    payloads.push(toPayload(p.payload, `points[${i}].payload`));
  });
  const body = named
    ? encodeUpsertFields({
        ids,
        payloads,
        fields: fields.map((f, n) => ({
          name: f.name,
          dimension: rowLength(f.dimension, f.metric),
          ...rows[n],
        })),
      })
    : encodeUpsert({ ids, payloads, vectors: rows[0].vectors });
  return {
    ids,
    payloads,
    kind: named ? WalKind.UPSERT_FIELDS : WalKind.UPSERT,
    body,
    fieldRows: rows.map((r) => (named ? r : { vectors: r.vectors })),
  };
}
