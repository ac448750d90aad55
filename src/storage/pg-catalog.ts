/**
 * The cluster catalog: PostgreSQL as the commit point of every node (DESIGN.md, "Cluster
 * mode"). It holds the collections and their shards, each shard's head (manifest and log
 * position), the shards' write-ahead logs (`pg-wal.ts`), nodes and replica leases
 * (`pg-leases.ts`), background jobs (`pg-jobs.ts`) and the objects waiting to be deleted.
 *
 * Durability and atomicity come from PostgreSQL: a write is acknowledged once its WAL row
 * committed; a shard's new manifest, the deletion of the WAL rows it covers, the objects it
 * stops referencing (now garbage) and the completion of the job that made it commit in one
 * transaction, by compare-and-set on `head_version`: of two nodes committing on the same
 * head, exactly one wins and the other gets `ManifestConflictError` (its uploaded objects are
 * then its own garbage: `abandonUploads`). Object storage never needs conditional writes,
 * because object names are unique (collection ids are never reused; each upload's key holds a
 * random UUID).
 *
 * No object is ever forgotten: an upload is recorded (`beginUpload`) before it starts, and its
 * row leaves either in the commit that names the object, or into `garbage` (the commit lost,
 * the upload failed, or the uploader died and `sweepUploads` found the row older than the
 * grace period). Commit and sweep both delete the row, so PostgreSQL's row lock lets exactly
 * one of them have it: a commit whose upload was swept is refused (`UploadSweptError`) rather
 * than naming an object the collector may already have deleted.
 */
import { CollectionExistsError, CollectionNotFoundError, InvalidArgumentError } from '../errors.js';
import { ManifestConflictError } from './catalog.js';
import { PgConnection, type PgConnectionOptions, quoteIdent } from './pg-connection.js';
import { PgJobs } from './pg-jobs.js';
import { PgLeases } from './pg-leases.js';
import { migrateClusterCatalog } from './pg-schema.js';
import { catalogChannel, PgWal } from './pg-wal.js';

export interface ClusterCatalogOptions extends PgConnectionOptions {
  /** The PostgreSQL schema holding the tables. Default `quiver`. */
  schema?: string;
}

export interface ClusterCollectionRow {
  id: number;
  name: string;
  config: string;
  shards: number;
  replicas: number;
}

export interface ShardHead {
  shard: number;
  version: number;
  manifest: string;
  /** Highest committed WAL sequence number of the shard. */
  lastSeq: number;
  /** The log position the manifest covers (the log holds only rows past it). */
  walCheckpoint: number;
}

export interface HeadCommit {
  collectionId: number;
  shard: number;
  /** The head version the new manifest was built on. */
  expectedVersion: number;
  manifest: string;
  /** WAL rows up to this sequence number are reflected in the manifest's objects, and are deleted. */
  walCheckpoint: number;
  /** Object keys the new manifest no longer references. */
  garbage?: readonly string[];
  /** The job whose work this is, finished in the same transaction. */
  job?: { id: number; nodeId: string };
  /** Objects recorded by `beginUpload` that the new manifest names; their rows leave with the commit. */
  uploads?: readonly string[];
}

/**
 * A commit naming an upload that `sweepUploads` had already turned into garbage (its uploader
 * took longer than the grace period): nothing was committed, as when another commit won.
 */
export class UploadSweptError extends ManifestConflictError {
  constructor(collectionId: number, keys: readonly string[]) {
    super(collectionId, 0, 0);
    this.message = `collection ${collectionId}: the upload of ${keys.join(', ')} outlived the garbage grace period and was swept; nothing was committed`;
  }
}

interface CollectionDbRow {
  id: string;
  name: string;
  config: string;
  shards: number;
  replicas: number;
}

const toCollection = (r: CollectionDbRow): ClusterCollectionRow => ({
  id: Number(r.id),
  name: r.name,
  config: r.config,
  shards: r.shards,
  replicas: r.replicas,
});

/** The folder-like prefix of every object of a collection. */
export function collectionPrefix(collectionId: number): string {
  return `collections/${collectionId}/`;
}

export class PgCatalog {
  readonly wal: PgWal;
  readonly leases: PgLeases;
  readonly jobs: PgJobs;
  private readonly s: string;

  private constructor(
    readonly db: PgConnection,
    readonly schema: string,
  ) {
    this.s = quoteIdent(schema);
    this.wal = new PgWal(db, schema);
    this.leases = new PgLeases(db, this.s);
    this.jobs = new PgJobs(db, this.s);
  }

  /** Connects, and creates or checks the schema. Rejects with `UnavailableError` when PostgreSQL cannot be reached. */
  static async open(url: string, options: ClusterCatalogOptions = {}): Promise<PgCatalog> {
    const schema = options.schema ?? 'quiver';
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
      throw new InvalidArgumentError(`catalog schema must be a plain SQL name, got '${schema}'`);
    }
    const db = await PgConnection.open(url, options);
    try {
      await migrateClusterCatalog(db, schema);
    } catch (err) {
      await db.close();
      throw err;
    }
    return new PgCatalog(db, schema);
  }

  /** Creates a collection with `shards` shards, each starting at `manifest`. */
  async createCollection(
    name: string,
    config: string,
    shards: number,
    replicas: number,
    manifest: string,
  ): Promise<ClusterCollectionRow> {
    return this.db.transaction(`creating collection '${name}'`, async (client) => {
      let row: CollectionDbRow;
      try {
        const out = await client.query<CollectionDbRow>(
          `INSERT INTO ${this.s}.collections (name, config, shards, replicas) VALUES ($1, $2, $3, $4)
           RETURNING id, name, config, shards, replicas`,
          [name, config, shards, replicas],
        );
        row = out.rows[0];
      } catch (err) {
        if ((err as { code?: string }).code === '23505') throw new CollectionExistsError(name);
        throw err;
      }
      await client.query(
        `INSERT INTO ${this.s}.shards (collection_id, shard, manifest)
         SELECT $1, g, $3 FROM generate_series(0, $2 - 1) AS g`,
        [row.id, shards, manifest],
      );
      await client.query('SELECT pg_notify($1, $2)', [catalogChannel(this.schema), name]);
      return toCollection(row);
    });
  }

  /**
   * Replaces a collection's config by `change(config)`, under the row's lock (so two changes
   * never lose one another); `change` may throw to refuse, and nothing changes then.
   */
  async updateConfig(
    collectionId: number,
    change: (config: string) => string,
  ): Promise<ClusterCollectionRow> {
    return this.db.transaction('changing a collection config', async (client) => {
      const out = await client.query<CollectionDbRow>(
        `SELECT id, name, config, shards, replicas FROM ${this.s}.collections WHERE id = $1 FOR UPDATE`,
        [collectionId],
      );
      if (out.rows.length === 0) throw new CollectionNotFoundError(`#${collectionId}`);
      const row = out.rows[0];
      const config = change(row.config);
      await client.query(`UPDATE ${this.s}.collections SET config = $2 WHERE id = $1`, [
        collectionId,
        config,
      ]);
      await client.query('SELECT pg_notify($1, $2)', [catalogChannel(this.schema), row.name]);
      return toCollection({ ...row, config });
    });
  }

  async listCollections(): Promise<ClusterCollectionRow[]> {
    const out = await this.db.query<CollectionDbRow>(
      'listing collections',
      `SELECT id, name, config, shards, replicas FROM ${this.s}.collections ORDER BY name`,
    );
    return out.rows.map(toCollection);
  }

  /** The collection named `name`; rejects with `CollectionNotFoundError`. */
  async collection(name: string): Promise<ClusterCollectionRow> {
    const out = await this.db.query<CollectionDbRow>(
      `reading collection '${name}'`,
      `SELECT id, name, config, shards, replicas FROM ${this.s}.collections WHERE name = $1`,
      [name],
    );
    if (out.rows.length === 0) throw new CollectionNotFoundError(name);
    return toCollection(out.rows[0]);
  }

  /**
   * Drops a collection: its rows (shards, log, leases, jobs) go at once, its objects become
   * garbage (the whole prefix), collected after the grace period like any other.
   */
  async dropCollection(name: string): Promise<void> {
    await this.db.transaction(`dropping collection '${name}'`, async (client) => {
      const out = await client.query<{ id: string }>(
        `DELETE FROM ${this.s}.collections WHERE name = $1 RETURNING id`,
        [name],
      );
      if (out.rows.length === 0) throw new CollectionNotFoundError(name);
      await client.query(`INSERT INTO ${this.s}.garbage (key) VALUES ($1) ON CONFLICT DO NOTHING`, [
        collectionPrefix(Number(out.rows[0].id)),
      ]);
      await client.query('SELECT pg_notify($1, $2)', [catalogChannel(this.schema), name]);
    });
  }

  /** Every shard's head, in shard order. */
  async heads(collectionId: number): Promise<ShardHead[]> {
    const out = await this.db.query<{
      shard: number;
      head_version: string;
      manifest: string;
      last_seq: string;
      wal_checkpoint: string;
    }>(
      'reading shard heads',
      `SELECT shard, head_version, manifest, last_seq, wal_checkpoint FROM ${this.s}.shards
       WHERE collection_id = $1 ORDER BY shard`,
      [collectionId],
    );
    if (out.rows.length === 0) throw new CollectionNotFoundError(`#${collectionId}`);
    return out.rows.map((r) => ({
      shard: r.shard,
      version: Number(r.head_version),
      manifest: r.manifest,
      lastSeq: Number(r.last_seq),
      walCheckpoint: Number(r.wal_checkpoint),
    }));
  }

  /**
   * Commits a shard's new manifest if its head is still `expectedVersion`; resolves with the
   * new version. Rejects with `ManifestConflictError` when another commit came first (nothing
   * is changed), `CollectionNotFoundError` when the collection was dropped.
   */
  async commitHead(commit: HeadCommit): Promise<number> {
    const { collectionId, shard } = commit;
    return this.db.transaction('committing a shard head', async (client) => {
      const out = await client.query<{ head_version: string; last_seq: string }>(
        `UPDATE ${this.s}.shards SET head_version = head_version + 1, manifest = $4, wal_checkpoint = $5
         WHERE collection_id = $1 AND shard = $2 AND head_version = $3
         RETURNING head_version, last_seq`,
        [collectionId, shard, commit.expectedVersion, commit.manifest, commit.walCheckpoint],
      );
      if (out.rows.length === 0) {
        const now = await client.query<{ head_version: string }>(
          `SELECT head_version FROM ${this.s}.shards WHERE collection_id = $1 AND shard = $2`,
          [collectionId, shard],
        );
        if (now.rows.length === 0) throw new CollectionNotFoundError(`#${collectionId}`);
        throw new ManifestConflictError(
          collectionId,
          commit.expectedVersion,
          Number(now.rows[0].head_version),
        );
      }
      if (commit.walCheckpoint > Number(out.rows[0].last_seq)) {
        throw new InvalidArgumentError(
          `shard ${shard}: checkpoint ${commit.walCheckpoint} is past the log's end ${out.rows[0].last_seq}`,
        );
      }
      await client.query(`DELETE FROM ${this.s}.wal WHERE collection_id = $1 AND shard = $2 AND seq <= $3`, [
        collectionId,
        shard,
        commit.walCheckpoint,
      ]);
      if (commit.garbage && commit.garbage.length > 0) {
        await client.query(
          `INSERT INTO ${this.s}.garbage (key) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`,
          [commit.garbage],
        );
      }
      if (commit.uploads && commit.uploads.length > 0) {
        const claimed = await client.query(`DELETE FROM ${this.s}.uploads WHERE key = ANY($1::text[])`, [
          commit.uploads,
        ]);
        if (claimed.rowCount !== new Set(commit.uploads).size)
          throw new UploadSweptError(collectionId, commit.uploads);
      }
      if (commit.job && !(await this.jobs.finish(commit.job.id, commit.job.nodeId, client))) {
        // The claim passed and another node took the job over: its run decides.
        throw new ManifestConflictError(collectionId, commit.expectedVersion, commit.expectedVersion);
      }
      return Number(out.rows[0].head_version);
    });
  }

  /** Records that `nodeId` is about to upload `key` for a manifest it will commit (module comment). */
  async beginUpload(key: string, nodeId: string): Promise<void> {
    await this.db.query(
      'recording an upload',
      `INSERT INTO ${this.s}.uploads (key, node_id) VALUES ($1, $2)`,
      [key, nodeId],
    );
  }

  /** Turns uploads that will not be committed (a lost race, a failed upload) into garbage now. */
  async abandonUploads(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db.transaction('abandoning uploads', async (client) => {
      await client.query(`DELETE FROM ${this.s}.uploads WHERE key = ANY($1::text[])`, [keys]);
      await client.query(
        `INSERT INTO ${this.s}.garbage (key) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`,
        [keys],
      );
    });
  }

  /**
   * Turns uploads started more than `graceSeconds` ago and never committed (their uploader
   * died, or is too slow to be trusted) into garbage; resolves with how many.
   */
  async sweepUploads(graceSeconds: number): Promise<number> {
    const out = await this.db.query(
      'sweeping abandoned uploads',
      `WITH swept AS (
         DELETE FROM ${this.s}.uploads WHERE started_at < now() - make_interval(secs => $1) RETURNING key)
       INSERT INTO ${this.s}.garbage (key) SELECT key FROM swept ON CONFLICT DO NOTHING`,
      [graceSeconds],
    );
    return out.rowCount ?? 0;
  }

  /** Uploads recorded and not yet committed or abandoned (for tests and `info`). */
  async pendingUploads(): Promise<string[]> {
    const out = await this.db.query<{ key: string }>(
      'listing uploads',
      `SELECT key FROM ${this.s}.uploads ORDER BY started_at, key`,
    );
    return out.rows.map((r) => r.key);
  }

  /** Marks objects as unreferenced now (what the loser of a head race uploaded). */
  async addGarbage(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db.query(
      'recording garbage',
      `INSERT INTO ${this.s}.garbage (key) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`,
      [keys],
    );
  }

  /** Garbage unreferenced for longer than `graceSeconds`, oldest first. */
  async dueGarbage(graceSeconds: number, limit = 1000): Promise<string[]> {
    const out = await this.db.query<{ key: string }>(
      'listing garbage',
      `SELECT key FROM ${this.s}.garbage WHERE since < now() - make_interval(secs => $1) ORDER BY since LIMIT $2`,
      [graceSeconds, limit],
    );
    return out.rows.map((r) => r.key);
  }

  /** Forgets garbage whose objects were deleted. */
  async forgetGarbage(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db.query('forgetting garbage', `DELETE FROM ${this.s}.garbage WHERE key = ANY($1::text[])`, [
      keys,
    ]);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
