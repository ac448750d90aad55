/**
 * The shared `Database` contract (`shared-suite.ts`) against cluster mode, on a real PostgreSQL
 * and an S3-compatible server: a `ClusterDatabase` node in this process, and `quiverdb/client`
 * connected to one node of a cluster of three `quiver serve --cluster` processes, where each
 * collection's shard has two replicas on two of the three nodes (so the calls on a collection
 * the first node does not hold cross to another node).
 *
 * Collections here have one shard, as the suite's assertions on segment layout (sealed
 * segments, per-segment IVF training) and on BM25 scores (statistics per shard) assume; how
 * several shards merge into the same results as one database is tested in cluster.test.ts.
 */
import { after, before } from 'node:test';
import { connect } from '../src/client/index.js';
import { ClusterDatabase } from '../src/cluster/cluster-database.js';
import { sharedSuite } from './shared-suite.js';
import { ClusterProcesses } from './support/cluster-nodes.js';
import { type PostgresServer, startPostgres } from './support/postgres.js';
import { tempDir } from './support/reference.js';
import { type S3Server, startS3 } from './support/s3.js';

let pg: PostgresServer;
let s3: S3Server;
before(async () => {
  pg = await startPostgres();
  s3 = await startS3();
});
after(async () => {
  pg.stop();
  await s3.stop();
});

sharedSuite('cluster node (ClusterDatabase)', async () => {
  const dir = tempDir();
  const db = await ClusterDatabase.open({
    catalog: pg.url,
    schema: 'inproc',
    data: dir.path,
    url: 'http://127.0.0.1:1',
  });
  return {
    db,
    dispose: async () => {
      await db.close();
      dir.cleanup();
    },
  };
});

sharedSuite('three cluster nodes (quiverdb/client; 2 replicas per shard)', async () => {
  const cluster = new ClusterProcesses(pg, s3, 'three', ['--default-replicas', '2']);
  const [first] = [await cluster.start(), await cluster.start(), await cluster.start()];
  const db = await connect(first.url);
  return {
    db,
    dispose: async () => {
      await db.close();
      await cluster.stopAll();
    },
  };
});
