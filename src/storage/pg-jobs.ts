/**
 * Background jobs of the cluster (sealing, index builds, compaction) as rows in the catalog,
 * claimed by any node with `FOR UPDATE SKIP LOCKED`.
 *
 * Invariants:
 * - At most one queued or running job of a kind per shard (a partial unique index), so
 *   enqueueing what is already pending does nothing.
 * - A claim is a lease: a job whose claimant stops extending it (`claimed_until` passed) is
 *   claimable again, so a node killed mid-job delays the job but never loses it. Jobs must
 *   therefore be idempotent: their effect is a compare-and-set of a shard head, which a
 *   second run either repeats harmlessly or loses.
 * - Only the current claimant can finish, fail or extend a job (`claimed_by` and the
 *   `running` state are checked in the same statement), so a claimant whose lease passed and
 *   whose job was taken over cannot overwrite the new run's outcome.
 */
import type pg from 'pg';
import type { PgConnection } from './pg-connection.js';

export interface ClusterJob {
  id: number;
  kind: string;
  collectionId: number;
  shard: number;
  args: unknown;
  /** Claims so far, this one included. */
  attempts: number;
}

interface JobRow {
  id: string;
  kind: string;
  collection_id: string;
  shard: number;
  args: string;
  attempts: number;
}

const toJob = (r: JobRow): ClusterJob => ({
  id: Number(r.id),
  kind: r.kind,
  collectionId: Number(r.collection_id),
  shard: r.shard,
  args: JSON.parse(r.args),
  attempts: r.attempts,
});

export class PgJobs {
  constructor(
    private readonly db: PgConnection,
    private readonly s: string,
  ) {}

  /** Queues a job unless one of the kind is already queued or running for the shard; resolves with whether it queued one. */
  async enqueue(
    kind: string,
    collectionId: number,
    shard: number,
    args: unknown = {},
    delaySeconds = 0,
  ): Promise<boolean> {
    const out = await this.db.query(
      'queueing a job',
      `INSERT INTO ${this.s}.jobs (kind, collection_id, shard, args, not_before)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
       ON CONFLICT (kind, collection_id, shard) WHERE state IN ('queued', 'running') DO NOTHING
       RETURNING id`,
      [kind, collectionId, shard, JSON.stringify(args), delaySeconds],
    );
    return out.rows.length === 1;
  }

  /**
   * Claims the oldest claimable job of the given kinds for `leaseSeconds` (with `shards`, only
   * a job of one of those shards), or resolves undefined.
   */
  async claim(
    nodeId: string,
    kinds: readonly string[],
    leaseSeconds: number,
    shards?: readonly { collectionId: number; shard: number }[],
  ): Promise<ClusterJob | undefined> {
    const only = shards
      ? 'AND (collection_id, shard) IN (SELECT * FROM unnest($4::bigint[], $5::int[]))'
      : '';
    const values: unknown[] = [nodeId, kinds, leaseSeconds];
    if (shards)
      values.push(
        shards.map((s) => s.collectionId),
        shards.map((s) => s.shard),
      );
    const out = await this.db.query<JobRow>(
      'claiming a job',
      `UPDATE ${this.s}.jobs SET state = 'running', claimed_by = $1,
         claimed_until = now() + make_interval(secs => $3), attempts = attempts + 1
       WHERE id = (
         SELECT id FROM ${this.s}.jobs
         WHERE kind = ANY($2)
           AND ((state = 'queued' AND not_before <= now()) OR (state = 'running' AND claimed_until < now()))
           ${only}
         ORDER BY id
         FOR UPDATE SKIP LOCKED
         LIMIT 1)
       RETURNING id, kind, collection_id, shard, args, attempts`,
      values,
    );
    return out.rows.length === 1 ? toJob(out.rows[0]) : undefined;
  }

  /** Extends the claim; resolves with whether the node still holds it. */
  async extend(id: number, nodeId: string, leaseSeconds: number): Promise<boolean> {
    const out = await this.db.query(
      'extending a job claim',
      `UPDATE ${this.s}.jobs SET claimed_until = now() + make_interval(secs => $3)
       WHERE id = $1 AND claimed_by = $2 AND state = 'running' RETURNING id`,
      [id, nodeId, leaseSeconds],
    );
    return out.rows.length === 1;
  }

  /**
   * Marks the job done; resolves with whether the node still held it. With `client`, runs
   * inside that transaction (the commit of the job's effect).
   */
  async finish(id: number, nodeId: string, client?: pg.PoolClient): Promise<boolean> {
    const text = `UPDATE ${this.s}.jobs SET state = 'done', finished_at = now(), claimed_until = NULL
       WHERE id = $1 AND claimed_by = $2 AND state = 'running' RETURNING id`;
    const out = client
      ? await client.query(text, [id, nodeId])
      : await this.db.query('finishing a job', text, [id, nodeId]);
    return out.rows.length === 1;
  }

  /**
   * Records a failed run: the job is queued again after `retryAfterSeconds`, or marked
   * `failed` for good once it has been claimed `maxAttempts` times.
   */
  async fail(
    id: number,
    nodeId: string,
    error: string,
    retryAfterSeconds: number,
    maxAttempts: number,
  ): Promise<void> {
    await this.db.query(
      'recording a failed job',
      `UPDATE ${this.s}.jobs SET
         state = CASE WHEN attempts >= $5 THEN 'failed' ELSE 'queued' END,
         finished_at = CASE WHEN attempts >= $5 THEN now() END,
         last_error = $3, claimed_by = NULL, claimed_until = NULL,
         not_before = now() + make_interval(secs => $4)
       WHERE id = $1 AND claimed_by = $2 AND state = 'running'`,
      [id, nodeId, error.slice(0, 2000), retryAfterSeconds, maxAttempts],
    );
  }

  /** Jobs of a collection that are queued, running or failed (for `info` and operators). */
  async pending(collectionId: number): Promise<(ClusterJob & { state: string; lastError: string | null })[]> {
    const out = await this.db.query<JobRow & { state: string; last_error: string | null }>(
      'listing jobs',
      `SELECT id, kind, collection_id, shard, args, attempts, state, last_error FROM ${this.s}.jobs
       WHERE collection_id = $1 AND state <> 'done' ORDER BY id`,
      [collectionId],
    );
    return out.rows.map((r) => ({ ...toJob(r), state: r.state, lastError: r.last_error }));
  }
}
