import { connect } from '../src/client/index.js';
import { ClusterDatabase } from '../src/cluster/cluster-database.js';
import { sharedSuite } from './shared-suite.js';
import { ClusterProcesses } from './support/cluster-nodes.js';
import { clusterServices } from './support/cluster-services.js';
import { tempDir } from './support/reference.js';

const services = clusterServices();

sharedSuite('cluster node (ClusterDatabase)', async () => {
  const dir = tempDir();
  const db = await ClusterDatabase.open({
    catalog: services.pg.url,
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
  const cluster = new ClusterProcesses(services.pg, services.s3, 'three', ['--default-replicas', '2']);
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
