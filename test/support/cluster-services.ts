/**
 * The services a cluster test file needs, started once for the file: a PostgreSQL server
 * (`postgres.ts`) and an S3-compatible server (`s3.ts`), stopped when the file's tests end.
 * Call at the top level of a test file; read `pg` and `s3` inside tests.
 */
import { after, before } from 'node:test';
import { type PostgresServer, startPostgres } from './postgres.js';
import { type S3Server, startS3 } from './s3.js';

export interface ClusterServices {
  readonly pg: PostgresServer;
  readonly s3: S3Server;
}

export function clusterServices(): ClusterServices {
  let pg: PostgresServer | undefined;
  let s3: S3Server | undefined;
  before(async () => {
    pg = await startPostgres();
    s3 = await startS3();
  });
  after(async () => {
    pg?.stop();
    await s3?.stop();
  });
  return {
    get pg() {
      if (!pg) throw new Error('the PostgreSQL server starts before the tests');
      return pg;
    },
    get s3() {
      if (!s3) throw new Error('the S3 server starts before the tests');
      return s3;
    },
  };
}
