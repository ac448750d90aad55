/**
 * `quiver serve [--host 127.0.0.1] [--port 6333] [--config <file>] [--log-level warn]
 *  [--jwt-secret-file <file>] [--tls-cert <pem> --tls-key <pem>]
 *  [--cluster <postgres-url> --objects s3://bucket/prefix [--endpoint <url>] [--advertise <url>]]`
 *
 * With `--cluster` the process is a node of a cluster (`cli/cluster-node.ts`): `--data` is
 * then its cache folder, and the same REST API answers for the whole cluster.
 *
 * Serves the database at `--data` over HTTP until SIGTERM or SIGINT, then shuts down
 * gracefully: stop accepting, finish the requests in flight, close the database (every
 * acknowledged write is already durable; closing waits for the commits in progress), exit 0.
 * A second signal during shutdown exits at once with code 1.
 *
 * Without an API key (`QUIVER_API_KEY`, `QUIVER_READ_ONLY_API_KEYS`, or `apiKeys` in the
 * config file) the server refuses to listen on anything but a loopback address (exit 2):
 * an open database on the network is never what someone meant. A JWT secret counts as a key.
 * `--tls-cert` and `--tls-key` (or `tls` in the config file; the options win) serve HTTPS.
 * `--encryption-key-file` (a global option, or `encryptionKeyFile` in the config file) opens
 * a database encrypted at rest, or creates one; with `--previous-encryption-key-file` a key
 * rotation starts or resumes in the background while the server serves.
 */

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { isLoopback } from '../../server/auth.js';
import { loadSettings, MIN_JWT_SECRET } from '../../server/config.js';
import { QuiverServer } from '../../server/server.js';
import { startClusterNode } from '../cluster-node.js';
import { openDatabase } from '../database.js';
import { integerBetween, LIMITS, usageError } from '../options.js';
import { untilSignal } from '../signals.js';

interface ServeOptions {
  host: string;
  port: number;
  config?: string;
  logLevel: string;
  jwtSecretFile?: string;
  tlsCert?: string;
  tlsKey?: string;
  cluster?: string;
  catalogSchema: string;
  objects?: string;
  endpoint?: string;
  advertise?: string;
  leaseSeconds?: number;
  defaultShards?: number;
  defaultReplicas?: number;
  checkpointRows?: number;
  garbageGraceSeconds?: number;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'serve the database over HTTP or HTTPS (REST API, web console at /console, OpenAPI at /openapi.json, docs at /docs)',
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0: any free port)', integerBetween(0, LIMITS.port), 6333)
    .option('--config <file>', 'JSON file with apiKeys, jwtSecret, tls, encryptionKeyFile and limits')
    .option(
      '--jwt-secret-file <file>',
      `file holding the HS256 secret of JWT bearer tokens (at least ${MIN_JWT_SECRET} characters; ` +
        'default: QUIVER_JWT_SECRET, jwtSecret in --config, else the admin API keys)',
    )
    .option('--tls-cert <pem>', 'serve HTTPS with this certificate (chain) in PEM; needs --tls-key')
    .option('--tls-key <pem>', 'the private key of --tls-cert in PEM')
    .option(
      '--log-level <level>',
      'server log level on stderr (fatal, error, warn, info, debug, silent)',
      'warn',
    )
    .option(
      '--cluster <postgres-url>',
      'run as a node of the cluster whose catalog is this PostgreSQL database',
    )
    .option('--catalog-schema <name>', 'cluster mode: the PostgreSQL schema of the catalog', 'quiver')
    .option('--objects <s3-url>', 'cluster mode: object storage for checkpoints, s3://bucket/prefix')
    .option('--endpoint <url>', 'cluster mode: an S3-compatible service (path-style addressing)')
    .option(
      '--advertise <url>',
      'cluster mode: the URL other nodes reach this one at (default: where it listens)',
    )
    .option(
      '--default-shards <n>',
      'cluster mode: shards of a collection created without shard_number',
      integerBetween(1, 1024),
    )
    .option(
      '--default-replicas <n>',
      'cluster mode: copies of each shard of a collection created without replication_factor',
      integerBetween(1, 16),
    )
    .option(
      '--checkpoint-rows <n>',
      'cluster mode: log rows of a shard past its checkpoint that queue a new one (default 10000)',
      integerBetween(1, 1e9),
    )
    .option(
      '--garbage-grace-seconds <n>',
      'cluster mode: seconds an unreferenced checkpoint stays before it is deleted (default 600)',
      integerBetween(0, 1e7),
    )
    .option(
      '--lease-seconds <n>',
      "cluster mode: lease length; a dead node's shards move after it",
      integerBetween(1, 3600),
    )
    .action(async (options: ServeOptions, command: Command) => {
      const settings = await loadSettings(options.config, process.env);
      if (options.jwtSecretFile !== undefined) {
        const secret = (await readFile(options.jwtSecretFile, 'utf8')).trim();
        if (secret.length < MIN_JWT_SECRET) {
          usageError(command, `--jwt-secret-file: expected at least ${MIN_JWT_SECRET} characters`);
        }
        settings.keys = { ...settings.keys, jwtSecret: secret };
      }
      if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
        usageError(command, '--tls-cert and --tls-key go together');
      }
      const tlsFiles =
        options.tlsCert !== undefined && options.tlsKey !== undefined
          ? { cert: options.tlsCert, key: options.tlsKey }
          : settings.tlsFiles;
      const tls =
        tlsFiles === undefined
          ? undefined
          : { cert: await readFile(tlsFiles.cert), key: await readFile(tlsFiles.key) };
      const keyed =
        settings.keys.admin.length + settings.keys.readOnly.length > 0 ||
        settings.keys.jwtSecret !== undefined;
      if (!keyed && !isLoopback(options.host)) {
        usageError(
          command,
          `refusing to listen on ${options.host} without an API key: set QUIVER_API_KEY ` +
            '(or apiKeys in --config), or listen on a loopback address such as 127.0.0.1',
        );
      }
      const { data } = command.optsWithGlobals<{ data: string }>();
      if ((options.cluster === undefined) !== (options.objects === undefined)) {
        usageError(command, '--cluster and --objects go together');
      }
      if (options.cluster !== undefined && options.objects !== undefined) {
        const node = await startClusterNode(
          { ...options, cluster: options.cluster, objects: options.objects, data },
          { ...settings, logLevel: options.logLevel, ...(tls === undefined ? {} : { tls }) },
        );
        process.stdout.write(
          `quiver: cluster node ${node.db.nodeId} serving at ${node.url} (cache ${data})\n`,
        );
        await untilSignal();
        await node.server.close();
        await node.db.close();
        process.stderr.write('quiver: closed\n');
        process.exit(0);
      }
      const db = await openDatabase(command, 'create', 'background', {
        encryptionKeyFile: settings.encryptionKeyFile,
        previousEncryptionKeyFile: settings.previousEncryptionKeyFiles,
      });
      let server: QuiverServer;
      let url: string;
      try {
        server = await QuiverServer.create(db, {
          ...settings,
          logLevel: options.logLevel,
          ...(tls === undefined ? {} : { tls }),
        });
        url = await server.listen(options.host, options.port);
      } catch (error) {
        await db.close();
        throw error;
      }
      process.stdout.write(`quiver: serving ${data} at ${url} (API description: ${url}/openapi.json)\n`);
      await untilSignal();
      await server.close();
      await db.close();
      process.stderr.write('quiver: closed\n');
      process.exit(0);
    });
}
