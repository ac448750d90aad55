/**
 * `quiver worker --cluster <postgres-url> --objects s3://bucket/prefix [--endpoint <url>]`:
 * a cluster worker (`cluster/cluster-worker.ts`). It serves nothing and holds no replica; it
 * queues and runs the checkpoint jobs of every shard and deletes unreferenced objects, so
 * that serving nodes need not. `--data` is its cache folder (one shard copy at a time).
 * Credentials and region of object storage come from the `AWS_*` environment variables.
 */
import type { Command } from 'commander';
import { ClusterWorker } from '../../cluster/cluster-worker.js';
import { resolveEmbedder } from '../../embed/index.js';
import { objectStoreOf } from '../cluster-node.js';
import { integerBetween } from '../options.js';
import { untilSignal } from '../signals.js';

interface WorkerOptions {
  cluster: string;
  catalogSchema: string;
  objects: string;
  endpoint?: string;
  checkpointRows?: number;
  garbageGraceSeconds?: number;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      'run a cluster worker: checkpoints of every shard and garbage collection, no reads served (--data: its cache)',
    )
    .requiredOption('--cluster <postgres-url>', "the cluster's catalog, a PostgreSQL database")
    .option('--catalog-schema <name>', 'the PostgreSQL schema of the catalog', 'quiver')
    .requiredOption('--objects <s3-url>', 'object storage for checkpoints, s3://bucket/prefix')
    .option('--endpoint <url>', 'an S3-compatible service (path-style addressing)')
    .option(
      '--checkpoint-rows <n>',
      'log rows of a shard past its checkpoint that queue a new one (default 10000)',
      integerBetween(1, 1e9),
    )
    .option(
      '--garbage-grace-seconds <n>',
      'seconds an unreferenced object stays before it is deleted (default 600)',
      integerBetween(0, 1e7),
    )
    .action(async (options: WorkerOptions, command: Command) => {
      const { data } = command.optsWithGlobals<{ data: string }>();
      const worker = await ClusterWorker.open({
        catalog: options.cluster,
        schema: options.catalogSchema,
        data,
        objects: objectStoreOf(options.objects, options.endpoint),
        ...(options.checkpointRows === undefined ? {} : { checkpointRows: options.checkpointRows }),
        ...(options.garbageGraceSeconds === undefined
          ? {}
          : { garbageGraceSeconds: options.garbageGraceSeconds }),
        local: { embedders: resolveEmbedder },
      });
      process.stdout.write(`quiver: cluster worker ${worker.nodeId} working (cache ${data})\n`);
      await untilSignal();
      await worker.close();
      process.stderr.write('quiver: closed\n');
      process.exit(0);
    });
}
