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

/** Opens the node, starts its server, registers its URL; resolves with both and the URL. */
export async function startClusterNode(
  options: ClusterServeOptions,
  server: ServerOptions,
): Promise<{ db: ClusterDatabase; server: QuiverServer; url: string }> {
  const { bucket, prefix } = parseS3Url(options.objects);
  const objects = new S3ObjectStore({
    bucket,
    prefix,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
  const db = await ClusterDatabase.open({
    catalog: options.cluster,
    ...(options.catalogSchema === undefined ? {} : { schema: options.catalogSchema }),
    data: options.data,
    objects,
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
  let http: QuiverServer;
  let url: string;
  try {
    http = await QuiverServer.create(db, {
      ...server,
      plugins: [replicaRoutes((call) => db.replicaCall(call))],
    });
    url = await http.listen(options.host, options.port);
    await db.setUrl(options.advertise ?? url);
  } catch (error) {
    await db.close();
    throw error;
  }
  return { db, server: http, url };
}
