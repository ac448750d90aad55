/**
 * The writes of a cluster collection. Each is validated, embedded and encoded here first
 * (`UpsertEncoder`: a refused batch refuses everything before anything is logged), split by
 * shard (`shardOf`), and appended to each shard's log in PostgreSQL; the call resolves once
 * every part committed. A batch spanning shards is not atomic across them: if one shard's
 * append fails, the call fails and the parts already committed stay (repeating it is safe:
 * writes are idempotent). Writes by filter resolve the matching ids per shard first (a strong
 * read), then log them by id, as the embedded collection logs them; a point written while the
 * filter is being resolved may or may not be affected. Counts returned are of the points
 * that existed when the write began.
 */
import type {
  DeleteByFilter,
  DeleteOptions,
  PointId,
  PointInput,
  PointSelector,
  RawPointInput,
} from '../db/types.js';
import type { UpsertEncoder } from '../db/upsert-encoder.js';
import { checkIds, describe } from '../db/validate.js';
import { InvalidArgumentError } from '../errors.js';
import { parseFilter } from '../payload/filter.js';
import { encodePayloadRecord, type PayloadOperation } from '../storage/payload-record.js';
import { encodeDelete, WalKind } from '../storage/wal-record.js';
import { groupByShard } from './shard-of.js';
import type { FanOut } from './shard-router.js';

export class ShardWrites {
  constructor(
    private readonly c: FanOut,
    private readonly encoder: UpsertEncoder,
  ) {}

  async upsert(points: (PointInput | RawPointInput)[]): Promise<void> {
    const embedded = await this.encoder.embed(points);
    const whole = this.encoder.encode(embedded);
    if (!whole) return;
    const groups = groupByShard(whole.ids, this.c.shards);
    if (groups.size === 1) {
      const [shard] = groups.keys();
      await this.c.router.append(this.c.id, shard, whole.kind, whole.body);
      return;
    }
    const parts = [...groups].map(([shard, at]) => {
      const batch = this.encoder.encode(at.map((i) => embedded[i]));
      return { shard, batch: batch! };
    });
    await Promise.all(parts.map((p) => this.c.router.append(this.c.id, p.shard, p.batch.kind, p.batch.body)));
  }

  async delete(selector: PointId[] | DeleteByFilter, options?: DeleteOptions): Promise<number> {
    if (options?.purge) throw new InvalidArgumentError('delete: purge is not available in cluster mode yet');
    const ids = await this.selected(selector, 'delete');
    if (ids.length === 0) return 0;
    const existing = Array.isArray(selector)
      ? (await this.c.get(ids, { withPayload: false })).length
      : ids.length;
    await this.perShard(ids, (shard, part) =>
      this.c.router.append(this.c.id, shard, WalKind.DELETE, encodeDelete({ ids: part })),
    );
    return existing;
  }

  /** Logs `operation` for the selected points; resolves with how many existed. */
  async changePayload(selector: PointSelector, operation: PayloadOperation, call: string): Promise<number> {
    const asked = await this.selected(selector as PointId[] | DeleteByFilter, call);
    const ids = Array.isArray(selector)
      ? (await this.c.get(asked, { withPayload: false })).map((p) => p.id)
      : asked;
    if (ids.length === 0) return 0;
    await this.perShard(ids, (shard, part) =>
      this.c.router.append(this.c.id, shard, WalKind.PAYLOAD, encodePayloadRecord({ ids: part, operation })),
    );
    return ids.length;
  }

  /** The ids a write selects: checked ids, or those matching a filter now. */
  private async selected(selector: PointId[] | DeleteByFilter, call: string): Promise<PointId[]> {
    if (Array.isArray(selector)) return checkIds(selector, `${call}: ids`);
    if (typeof selector !== 'object' || selector === null || !('filter' in selector)) {
      throw new InvalidArgumentError(
        `${call}: expected an array of ids or { filter }, got ${describe(selector)}`,
      );
    }
    const filter = parseFilter(selector.filter);
    const positions = await this.c.router.positions(this.c.id);
    const found = await Promise.all(
      positions.map((seq, shard) =>
        this.c.router.call<PointId[]>(this.c.id, shard, 'matching', [filter], seq),
      ),
    );
    return found.flat();
  }

  private async perShard(
    ids: PointId[],
    each: (shard: number, ids: PointId[]) => Promise<unknown>,
  ): Promise<void> {
    const groups = groupByShard(ids, this.c.shards);
    await Promise.all(
      [...groups].map(([shard, at]) =>
        each(
          shard,
          at.map((i) => ids[i]),
        ),
      ),
    );
  }
}
