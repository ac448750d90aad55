/**
 * The write-ahead log of each shard, a table in the cluster catalog (`pg-schema.ts`), with
 * group commit per shard and `NOTIFY` on every commit.
 *
 * Invariants:
 * - A write is acknowledged (its `append` resolves with its sequence number) only after the
 *   transaction holding its row committed.
 * - Sequence numbers of a shard are 1, 2, 3… with no gap, and they commit in order: the
 *   transaction takes them by raising `shards.last_seq`, which locks the shard's row until
 *   it commits, so a reader that sees `last_seq = n` (in a later statement) finds every row
 *   up to `n`, except those a manifest commit already covered and deleted.
 * - Group commit: while one transaction of a shard is in flight, appends to that shard wait,
 *   and go together in the next one (up to `MAX_BATCH` rows or `MAX_BATCH_BYTES`); shards
 *   commit independently of each other.
 * - Each commit sends `NOTIFY <schema>:wal, '<collection>:<shard>:<last seq>'`, delivered to
 *   listeners (`WalListener`) once it has committed; a listener that lost its connection
 *   says so (`reconnect`), since it may have missed notifications, and tailers then poll.
 */
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { CollectionNotFoundError, UnavailableError } from '../errors.js';
import { isCatalogUnreachable, type PgConnection, quoteIdent } from './pg-connection.js';

const MAX_BATCH = 1000;
const MAX_BATCH_BYTES = 64 * 2 ** 20;

export interface WalEntry {
  kind: number;
  body: Uint8Array;
}

export interface ShardWalRow extends WalEntry {
  seq: number;
}

interface Pending {
  entry: WalEntry;
  resolve(seq: number): void;
  reject(err: unknown): void;
}

export function walChannel(schema: string): string {
  return `${schema}:wal`;
}

/** The channel on which collection creations and drops are announced (payload: the name). */
export function catalogChannel(schema: string): string {
  return `${schema}:catalog`;
}

export class PgWal {
  private readonly waiting = new Map<string, Pending[]>();
  private readonly committing = new Set<string>();
  private readonly s: string;

  constructor(
    private readonly db: PgConnection,
    private readonly schema: string,
  ) {
    this.s = quoteIdent(schema);
  }

  /** Appends `entry` to the shard's log; resolves with its sequence number once committed. */
  append(collectionId: number, shard: number, entry: WalEntry): Promise<number> {
    const key = `${collectionId}:${shard}`;
    return new Promise<number>((resolve, reject) => {
      const queue = this.waiting.get(key);
      if (queue) queue.push({ entry, resolve, reject });
      else this.waiting.set(key, [{ entry, resolve, reject }]);
      if (!this.committing.has(key)) void this.drain(collectionId, shard, key);
    });
  }

  /** Commits what waits for the shard, batch after batch, until nothing waits. */
  private async drain(collectionId: number, shard: number, key: string): Promise<void> {
    this.committing.add(key);
    try {
      for (;;) {
        const queue = this.waiting.get(key);
        if (!queue || queue.length === 0) break;
        let take = 0;
        let bytes = 0;
        while (
          take < queue.length &&
          take < MAX_BATCH &&
          (take === 0 || bytes + queue[take].entry.body.byteLength <= MAX_BATCH_BYTES)
        ) {
          bytes += queue[take].entry.body.byteLength;
          take++;
        }
        const batch = queue.splice(0, take);
        if (queue.length === 0) this.waiting.delete(key);
        try {
          const first = await this.commit(
            collectionId,
            shard,
            batch.map((p) => p.entry),
          );
          for (let i = 0; i < batch.length; i++) batch[i].resolve(first + i);
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.committing.delete(key);
    }
  }

  /** One transaction: takes `entries.length` sequence numbers, inserts the rows, notifies. */
  private commit(collectionId: number, shard: number, entries: WalEntry[]): Promise<number> {
    return this.db.transaction('appending to the write-ahead log', async (client) => {
      const raised = await client.query<{ last_seq: string }>(
        `UPDATE ${this.s}.shards SET last_seq = last_seq + $3 WHERE collection_id = $1 AND shard = $2 RETURNING last_seq`,
        [collectionId, shard, entries.length],
      );
      if (raised.rows.length === 0) throw new CollectionNotFoundError(`#${collectionId}`);
      const last = Number(raised.rows[0].last_seq);
      const first = last - entries.length + 1;
      const values: unknown[] = [collectionId, shard];
      const rows = entries.map((e, i) => {
        values.push(first + i, e.kind, Buffer.from(e.body.buffer, e.body.byteOffset, e.body.byteLength));
        const at = 3 + i * 3;
        return `($1, $2, $${at}, $${at + 1}, $${at + 2})`;
      });
      await client.query(
        `INSERT INTO ${this.s}.wal (collection_id, shard, seq, kind, body) VALUES ${rows.join(', ')}`,
        values,
      );
      await client.query('SELECT pg_notify($1, $2)', [
        walChannel(this.schema),
        `${collectionId}:${shard}:${last}`,
      ]);
      return first;
    });
  }

  /** Rows of the shard's log after `seq`, in order, at most `limit`. */
  async after(collectionId: number, shard: number, seq: number, limit = 1000): Promise<ShardWalRow[]> {
    const out = await this.db.query<{ seq: string; kind: number; body: Buffer }>(
      'reading the write-ahead log',
      `SELECT seq, kind, body FROM ${this.s}.wal WHERE collection_id = $1 AND shard = $2 AND seq > $3 ORDER BY seq LIMIT $4`,
      [collectionId, shard, seq, limit],
    );
    return out.rows.map((r) => ({ seq: Number(r.seq), kind: r.kind, body: r.body }));
  }

  /** The log position the shard's manifest covers: rows up to it are gone from the log. */
  async checkpoint(collectionId: number, shard: number): Promise<number> {
    const out = await this.db.query<{ wal_checkpoint: string }>(
      'reading a checkpoint',
      `SELECT wal_checkpoint FROM ${this.s}.shards WHERE collection_id = $1 AND shard = $2`,
      [collectionId, shard],
    );
    if (out.rows.length === 0) throw new CollectionNotFoundError(`#${collectionId}`);
    return Number(out.rows[0].wal_checkpoint);
  }

  /** The highest committed sequence number of each shard of a collection (index = shard). */
  async lastSeqs(collectionId: number): Promise<number[]> {
    const out = await this.db.query<{ shard: number; last_seq: string }>(
      'reading log positions',
      `SELECT shard, last_seq FROM ${this.s}.shards WHERE collection_id = $1 ORDER BY shard`,
      [collectionId],
    );
    if (out.rows.length === 0) throw new CollectionNotFoundError(`#${collectionId}`);
    return out.rows.map((r) => Number(r.last_seq));
  }
}

/**
 * Wakes tailers when a shard's log grows: a connection of its own `LISTEN`ing on the
 * schema's channels. Emits `append(collectionId, shard, lastSeq)` per commit, `catalog(name)` when
 * a collection is created or dropped, and `reconnect`
 * after it had lost its connection and listens again (notifications sent meanwhile are lost:
 * tailers catch up by reading). It retries for as long as it is open, backing off to 2 s.
 */
export class WalListener extends EventEmitter {
  private client: pg.Client | undefined;
  private closed = false;
  private retryMs = 50;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly url: string,
    private readonly schema: string,
  ) {
    super();
  }

  /** Starts listening; rejects with `UnavailableError` when the first connection fails. */
  static async start(url: string, schema: string): Promise<WalListener> {
    const listener = new WalListener(url, schema);
    await listener.connect();
    return listener;
  }

  private async connect(): Promise<void> {
    const { default: pgModule } = await import('pg');
    const client = new pgModule.Client({ connectionString: this.url, application_name: 'quiver-listener' });
    client.on('notification', (n) => {
      if (n.channel === catalogChannel(this.schema)) {
        this.emit('catalog', n.payload ?? '');
        return;
      }
      if (n.channel !== walChannel(this.schema) || !n.payload) return;
      const [collectionId, shard, seq] = n.payload.split(':').map(Number);
      this.emit('append', collectionId, shard, seq);
    });
    const lost = () => {
      if (this.client !== client) return;
      this.client = undefined;
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', lost);
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(walChannel(this.schema))}`);
      await client.query(`LISTEN ${quoteIdent(catalogChannel(this.schema))}`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      if (isCatalogUnreachable(err))
        throw new UnavailableError('catalog', 'listening for log appends', 1, { cause: err });
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = 50;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(async () => {
      this.timer = undefined;
      try {
        await this.connect();
        if (!this.closed) this.emit('reconnect');
      } catch {
        this.retryMs = Math.min(2000, this.retryMs * 2);
        this.scheduleReconnect();
      }
    }, this.retryMs);
    this.timer.unref();
  }

  /** Whether it is listening now (false while it reconnects). */
  get listening(): boolean {
    return this.client !== undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
