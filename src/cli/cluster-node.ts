/**
 * `quiver serve --cluster <postgres-url> --objects s3://bucket/prefix [--endpoint <url>]`:
 * a cluster node. The catalog is the PostgreSQL database at the URL, checkpoints of the
 * shards go to the S3-compatible bucket (credentials and region from the `AWS_*` variables;
 * path-style addressing with `--endpoint`), and `--data` is the node's cache folder. The node
 * serves the same REST API as a single server, plus the node-to-node route
 * (`server/routes/replica.ts`); other nodes reach it at `--advertise` (default: the address
 * it listens on).
 */
import { ClusterDatabase } from '../cluster/cluster-database.js';
import { resolveEmbedder } from '../embed/index.js';
import { replicaRoutes } from '../server/routes/replica.js';
import { QuiverServer, type ServerOptions } from '../server/server.js';
import { parseS3Url, S3ObjectStore } from '../storage/s3-object-store.js';

export interface ClusterServeOptions {
  cluster: string;
  catalogSchema?: string;
  objects: string;
  endpoint?: string;
  advertise?: string;
  leaseSeconds?: number;
  defaultShards?: number;
  defaultReplicas?: number;
  checkpointRows?: number;
  garbageGraceSeconds?: number;
  data: string;
  host: string;
  port: number;
}

/** The object storage `--objects s3://bucket/prefix` names (path-style at `endpoint` when given). */
export function objectStoreOf(objects: string, endpoint?: string): S3ObjectStore {
  const { bucket, prefix } = parseS3Url(objects);
  return new S3ObjectStore({ bucket, prefix, ...(endpoint ? { endpoint } : {}) });
}

/** Opens the node, starts its server, registers its URL; resolves with both and the URL. */
export async function startClusterNode(
  options: ClusterServeOptions,
  server: ServerOptions,
): Promise<{ db: ClusterDatabase; server: QuiverServer; url: string }> {
  const db = await ClusterDatabase.open({
    catalog: options.cluster,
    ...(options.catalogSchema === undefined ? {} : { schema: options.catalogSchema }),
    data: options.data,
    objects: objectStoreOf(options.objects, options.endpoint),
    ...(options.leaseSeconds === undefined ? {} : { leaseSeconds: options.leaseSeconds }),
    ...(options.defaultShards === undefined ? {} : { defaultShards: options.defaultShards }),
    ...(options.defaultReplicas === undefined ? {} : { defaultReplicas: options.defaultReplicas }),
    ...(options.checkpointRows === undefined ? {} : { checkpointRows: options.checkpointRows }),
    ...(options.garbageGraceSeconds === undefined
      ? {}
      : { garbageGraceSeconds: options.garbageGraceSeconds }),
    ...(server.keys?.admin?.[0] === undefined ? {} : { apiKey: server.keys.admin[0] }),
    local: { embedders: resolveEmbedder },
  });
  return { db, ...(await serveClusterNode(db, server, options.host, options.port, options.advertise)) };
}

/**
 * Serves `db` over HTTP(S) with the node-to-node route (`server/routes/replica.ts`), then
 * registers the URL other nodes reach it at (`advertise`, default where it listens), so that
 * it starts taking leases. Closes `db` if any step fails.
 */
export async function serveClusterNode(
  db: ClusterDatabase,
  server: ServerOptions,
  host: string,
  port: number,
  advertise?: string,
): Promise<{ server: QuiverServer; url: string }> {
  try {
    const http = await QuiverServer.create(db, {
      ...server,
      plugins: [replicaRoutes((call) => db.replicaCall(call))],
    });
    const url = await http.listen(host, port);
    await db.setUrl(advertise ?? url);
    return { server: http, url };
  } catch (error) {
    await db.close();
    throw error;
  }
}
