/**
 * An upsert validated, embedded and encoded as a WAL record body, without writing it: what a
 * cluster node logs in a shard's write-ahead log before acknowledging (cluster mode), in the
 * same record format the embedded WAL uses (`wal-record.ts`), so that a replica applies it as
 * the embedded collection would have (`EmbeddedCollection.applyLogged`).
 *
 * Invariant: a batch that is refused (bad id, vector, payload, or an input a provider cannot
 * read) throws before anything is encoded, with the same error the embedded `upsert` throws.
 */
import { InvalidArgumentError } from '../errors.js';
import { fieldsOf, type StoredCollectionConfig, type StoredVectorField } from './collection-config.js';
import { type EmbedderResolver, FieldEmbedders } from './field-embedders.js';
import { QueryInput } from './query-input.js';
import type { PointInput, RawPointInput } from './types.js';
import { encodeUpsertBatch, type UpsertBatch } from './upsert-batch.js';
import { describe } from './validate.js';

export class UpsertEncoder {
  readonly fields: readonly StoredVectorField[];
  private readonly input: QueryInput;
  private readonly embedders: FieldEmbedders;

  constructor(config: StoredCollectionConfig, resolve: EmbedderResolver) {
    this.fields = fieldsOf(config);
    this.input = new QueryInput(config, this.fields);
    this.embedders = new FieldEmbedders(this.fields, resolve, () => this.input.textFields() !== '');
  }

  /** `points` with every raw input replaced by its vector (a provider's input errors thrown here). */
  async embed(points: (PointInput | RawPointInput)[]): Promise<PointInput[]> {
    if (!Array.isArray(points))
      throw new InvalidArgumentError(`points: expected an array, got ${describe(points)}`);
    return this.embedders.active ? (await this.embedders.points(points)).points : (points as PointInput[]);
  }

  /** The batch of embedded `points`, validated and encoded; undefined for none. */
  encode(points: readonly PointInput[]): UpsertBatch | undefined {
    if (points.length === 0) return undefined;
    return encodeUpsertBatch(points, this.fields, this.input);
  }

  dispose(): Promise<void> {
    return this.embedders.dispose();
  }
}
