/**
 * The cluster catalog's tables in PostgreSQL (docs/format.md, "Cluster catalog"), all in one
 * schema (default `quiver`) so that several clusters, or tests, can share a server.
 *
 * Version 1:
 * - `meta(key, value)`: `schema_version`.
 * - `nodes`: one row per node process (`id`, its REST `url`, `heartbeat_at`).
 * - `collections`: `id` (never reused, so object keys stay unique), `name`, `config` (the
 *   collection's JSON configuration), `shards`, `replicas`.
 * - `shards`: one row per shard, the commit point: `head_version` (compare-and-set),
 *   `manifest` (the shard's manifest JSON, `cluster/shard-manifest.ts`), `last_seq` (the
 *   highest committed WAL sequence number; it only grows), `wal_checkpoint` (the log position
 *   the manifest covers: rows up to it are deleted).
 * - `wal`: acknowledged writes per shard, `(collection_id, shard, seq)`, `kind`, `body`
 *   (`wal-record.ts`); rows at or below the manifest's `walCheckpoint` are deleted by the
 *   commit that covers them.
 * - `leases`: which node serves replica `r` of a shard, until `expires_at`.
 * - `jobs`: sealing, index builds, compaction, claimed with `FOR UPDATE SKIP LOCKED`; at most
 *   one queued or running job of a kind per shard.
 * - `garbage`: object keys (or folder-like prefixes ending in `/`) no manifest references
 *   any more, with the time they stopped being referenced.
 *
 * Version 2 adds:
 * - `uploads`: objects being uploaded for a manifest not yet committed (`key`, `node_id`,
 *   `started_at`). A row is written before the upload starts and leaves in the transaction
 *   that commits a manifest naming the object, or becomes garbage (the commit lost its race,
 *   or the uploader died and the row outlived the grace period). So every object in storage
 *   is referenced, in `uploads`, or in `garbage`: none is forgotten.
 *
 * Migration runs in one transaction under an advisory lock, so nodes starting together
 * neither race nor half-create the schema; a schema of a newer version is refused.
 */
import { QuiverError } from '../errors.js';
import { type PgConnection, quoteIdent } from './pg-connection.js';

export const CLUSTER_CATALOG_VERSION = 2;

/** An arbitrary constant for `pg_advisory_xact_lock`, the same in every node. */
const MIGRATION_LOCK = 0x51_75_69_76;

/** The tables of version 1 besides `meta` (created first, to read the version from). */
function ddlVersion1(s: string): string[] {
  return [
    `CREATE TABLE ${s}.nodes (
      id text PRIMARY KEY,
      url text NOT NULL,
      started_at timestamptz NOT NULL DEFAULT now(),
      heartbeat_at timestamptz NOT NULL DEFAULT now())`,
    `CREATE TABLE ${s}.collections (
      id bigserial PRIMARY KEY,
      name text NOT NULL UNIQUE,
      config text NOT NULL,
      shards int NOT NULL CHECK (shards BETWEEN 1 AND 1024),
      replicas int NOT NULL CHECK (replicas BETWEEN 1 AND 16),
      created_at timestamptz NOT NULL DEFAULT now())`,
    `CREATE TABLE ${s}.shards (
      collection_id bigint NOT NULL REFERENCES ${s}.collections (id) ON DELETE CASCADE,
      shard int NOT NULL,
      head_version bigint NOT NULL DEFAULT 1,
      manifest text NOT NULL,
      last_seq bigint NOT NULL DEFAULT 0,
      wal_checkpoint bigint NOT NULL DEFAULT 0,
      PRIMARY KEY (collection_id, shard))`,
    `CREATE TABLE ${s}.wal (
      collection_id bigint NOT NULL,
      shard int NOT NULL,
      seq bigint NOT NULL,
      kind smallint NOT NULL,
      body bytea NOT NULL,
      PRIMARY KEY (collection_id, shard, seq),
      FOREIGN KEY (collection_id, shard) REFERENCES ${s}.shards ON DELETE CASCADE)`,
    `CREATE TABLE ${s}.leases (
      collection_id bigint NOT NULL,
      shard int NOT NULL,
      replica int NOT NULL,
      node_id text NOT NULL,
      expires_at timestamptz NOT NULL,
      PRIMARY KEY (collection_id, shard, replica),
      FOREIGN KEY (collection_id, shard) REFERENCES ${s}.shards ON DELETE CASCADE)`,
    `CREATE INDEX leases_node ON ${s}.leases (node_id)`,
    `CREATE TABLE ${s}.jobs (
      id bigserial PRIMARY KEY,
      kind text NOT NULL,
      collection_id bigint NOT NULL,
      shard int NOT NULL,
      args text NOT NULL DEFAULT '{}',
      state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
      claimed_by text,
      claimed_until timestamptz,
      attempts int NOT NULL DEFAULT 0,
      last_error text,
      not_before timestamptz NOT NULL DEFAULT now(),
      created_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz,
      FOREIGN KEY (collection_id, shard) REFERENCES ${s}.shards ON DELETE CASCADE)`,
    `CREATE UNIQUE INDEX jobs_pending ON ${s}.jobs (kind, collection_id, shard) WHERE state IN ('queued', 'running')`,
    `CREATE TABLE ${s}.garbage (key text PRIMARY KEY, since timestamptz NOT NULL DEFAULT now())`,
  ];
}

/** What version 2 adds to version 1. */
function ddlVersion2(s: string): string[] {
  return [
    `CREATE TABLE ${s}.uploads (
      key text PRIMARY KEY,
      node_id text NOT NULL,
      started_at timestamptz NOT NULL DEFAULT now())`,
  ];
}

/**
 * Creates the schema's tables, brings a version-1 schema to version 2, or checks that the
 * version there is one this build reads.
 */
export async function migrateClusterCatalog(db: PgConnection, schema: string): Promise<void> {
  const s = quoteIdent(schema);
  await db.transaction('creating the cluster catalog', async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.meta (key text PRIMARY KEY, value text NOT NULL)`);
    const found = await client.query<{ value: string }>(
      `SELECT value FROM ${s}.meta WHERE key = 'schema_version'`,
    );
    const version = found.rows.length === 0 ? 0 : Number(found.rows[0].value);
    if (version > CLUSTER_CATALOG_VERSION) {
      throw new QuiverError(
        'UNSUPPORTED_VERSION',
        `cluster catalog schema ${schema}: version ${version} is not supported (this build reads ${CLUSTER_CATALOG_VERSION})`,
      );
    }
    if (version === CLUSTER_CATALOG_VERSION) return;
    const statements = [...(version < 1 ? ddlVersion1(s) : []), ...ddlVersion2(s)];
    for (const statement of statements) await client.query(statement);
    await client.query(
      `INSERT INTO ${s}.meta (key, value) VALUES ('schema_version', $1)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
      [String(CLUSTER_CATALOG_VERSION)],
    );
  });
}
