/**
 * Nodes and shard-replica leases in the cluster catalog. Every time comparison uses the
 * PostgreSQL server's clock (`now()`), so nodes need no synchronized clocks.
 *
 * Invariants:
 * - A replica `(collection, shard, replica)` has at most one holder whose lease has not
 *   expired: `acquire` takes a lease only when it is free, expired, or already the caller's
 *   (`INSERT … ON CONFLICT DO UPDATE … WHERE`, which PostgreSQL re-checks on the locked row,
 *   so two nodes racing for a free lease cannot both win).
 * - A node holds at most one replica of a shard (a second replica on the same node would not
 *   survive that node's death).
 * - A lease that expired is lost: `renew` extends only leases that have not expired, and
 *   reports which the node still holds; the node must stop serving the others.
 */
import type { PgConnection } from './pg-connection.js';

export interface ReplicaLease {
  collectionId: number;
  shard: number;
  replica: number;
  nodeId: string;
}

export interface LiveReplica extends ReplicaLease {
  /** The holder's REST URL. */
  url: string;
}

export interface ClusterNode {
  id: string;
  url: string;
}

interface LeaseRow {
  collection_id: string;
  shard: number;
  replica: number;
  node_id: string;
}

const toLease = (r: LeaseRow): ReplicaLease => ({
  collectionId: Number(r.collection_id),
  shard: r.shard,
  replica: r.replica,
  nodeId: r.node_id,
});

export class PgLeases {
  constructor(
    private readonly db: PgConnection,
    /** The quoted schema name. */
    private readonly s: string,
  ) {}

  /** Records the node (or refreshes its URL) and its heartbeat. */
  async registerNode(id: string, url: string): Promise<void> {
    await this.db.query(
      'registering the node',
      `INSERT INTO ${this.s}.nodes (id, url) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET url = EXCLUDED.url, heartbeat_at = now()`,
      [id, url],
    );
  }

  /**
   * The node's heartbeat: marks it alive and extends its unexpired leases by `ttlSeconds`.
   * Resolves with the leases it still holds.
   */
  async renew(nodeId: string, ttlSeconds: number): Promise<ReplicaLease[]> {
    return this.db.transaction('renewing leases', async (client) => {
      await client.query(`UPDATE ${this.s}.nodes SET heartbeat_at = now() WHERE id = $1`, [nodeId]);
      const held = await client.query<LeaseRow>(
        `UPDATE ${this.s}.leases SET expires_at = now() + make_interval(secs => $2)
         WHERE node_id = $1 AND expires_at > now()
         RETURNING collection_id, shard, replica, node_id`,
        [nodeId, ttlSeconds],
      );
      return held.rows.map(toLease);
    });
  }

  /** Nodes whose last heartbeat is younger than `ttlSeconds`. */
  async liveNodes(ttlSeconds: number): Promise<ClusterNode[]> {
    const out = await this.db.query<ClusterNode>(
      'listing nodes',
      `SELECT id, url FROM ${this.s}.nodes WHERE heartbeat_at > now() - make_interval(secs => $1) ORDER BY id`,
      [ttlSeconds],
    );
    return out.rows;
  }

  /** Takes (or extends) the lease of a replica for `ttlSeconds`; resolves with whether the node holds it. */
  async acquire(lease: ReplicaLease, ttlSeconds: number): Promise<boolean> {
    const out = await this.db.query(
      'taking a lease',
      `INSERT INTO ${this.s}.leases AS l (collection_id, shard, replica, node_id, expires_at)
       SELECT $1, $2, $3, $4, now() + make_interval(secs => $5)
       WHERE NOT EXISTS (
         SELECT 1 FROM ${this.s}.leases o
         WHERE o.collection_id = $1 AND o.shard = $2 AND o.replica <> $3 AND o.node_id = $4 AND o.expires_at > now())
       ON CONFLICT (collection_id, shard, replica) DO UPDATE
         SET node_id = EXCLUDED.node_id, expires_at = EXCLUDED.expires_at
         WHERE l.node_id = EXCLUDED.node_id OR l.expires_at <= now()
       RETURNING node_id`,
      [lease.collectionId, lease.shard, lease.replica, lease.nodeId, ttlSeconds],
    );
    return out.rows.length === 1;
  }

  /** Gives a lease up (a node leaving cleanly); nothing happens when the node does not hold it. */
  async release(lease: ReplicaLease): Promise<void> {
    await this.db.query(
      'releasing a lease',
      `DELETE FROM ${this.s}.leases WHERE collection_id = $1 AND shard = $2 AND replica = $3 AND node_id = $4`,
      [lease.collectionId, lease.shard, lease.replica, lease.nodeId],
    );
  }

  /** The unexpired leases of a collection's replicas, with their holders' URLs. */
  async live(collectionId: number): Promise<LiveReplica[]> {
    const out = await this.db.query<LeaseRow & { url: string }>(
      'listing replicas',
      `SELECT l.collection_id, l.shard, l.replica, l.node_id, n.url
       FROM ${this.s}.leases l JOIN ${this.s}.nodes n ON n.id = l.node_id
       WHERE l.collection_id = $1 AND l.expires_at > now()
       ORDER BY l.shard, l.replica`,
      [collectionId],
    );
    return out.rows.map((r) => ({ ...toLease(r), url: r.url }));
  }

  /** Replicas of every collection that no node holds (never taken, or expired), oldest collections first. */
  async vacant(): Promise<Omit<ReplicaLease, 'nodeId'>[]> {
    const out = await this.db.query<Omit<LeaseRow, 'node_id'>>(
      'listing vacant replicas',
      `SELECT s.collection_id, s.shard, r.replica
       FROM ${this.s}.shards s
       JOIN ${this.s}.collections c ON c.id = s.collection_id
       CROSS JOIN LATERAL generate_series(0, c.replicas - 1) AS r(replica)
       LEFT JOIN ${this.s}.leases l
         ON l.collection_id = s.collection_id AND l.shard = s.shard AND l.replica = r.replica AND l.expires_at > now()
       WHERE l.node_id IS NULL
       ORDER BY s.collection_id, s.shard, r.replica`,
    );
    return out.rows.map((r) => ({
      collectionId: Number(r.collection_id),
      shard: r.shard,
      replica: r.replica,
    }));
  }
}
