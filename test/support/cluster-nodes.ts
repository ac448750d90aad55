/**
 * `quiver serve --cluster` processes for tests: each on a free loopback port with a cache
 * folder of its own, on the test's PostgreSQL (`postgres.ts`) and S3-compatible server
 * (`s3.ts`). `start` resolves once the node says where it serves; `kill` sends SIGKILL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { PostgresServer } from './postgres.js';
import { tempDir } from './reference.js';
import type { S3Server } from './s3.js';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.js');

export interface NodeProcess {
  child: ChildProcess;
  url: string;
  dir: { path: string; cleanup(): void };
}

export class ClusterProcesses {
  readonly running: NodeProcess[] = [];

  constructor(
    private readonly pg: PostgresServer,
    private readonly s3: S3Server,
    /** The catalog schema (and object prefix) of this cluster. */
    private readonly schema: string,
    /** Further `serve` options (`--default-shards 3`…). */
    private readonly extra: string[] = [],
  ) {}

  /** Starts a node (on `dir`, to restart one on its cache). */
  async start(dir = tempDir('quiver-node-')): Promise<NodeProcess> {
    const args = [
      CLI,
      '--data',
      dir.path,
      'serve',
      '--port',
      '0',
      '--cluster',
      this.pg.url,
      '--catalog-schema',
      this.schema,
      '--objects',
      `s3://${this.s3.bucket}/${this.schema}`,
      '--endpoint',
      this.s3.endpoint,
      '--lease-seconds',
      '2',
      ...this.extra,
    ];
    const child = spawn(process.execPath, args, {
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr?.on('data', (d) => {
      err += d;
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (d) => {
        out += d;
        const m = /serving at (\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`node exited with ${code}: ${err}`)));
    });
    const node = { child, url, dir };
    this.running.push(node);
    return node;
  }

  kill(node: NodeProcess): void {
    node.child.kill('SIGKILL');
    this.running.splice(this.running.indexOf(node), 1);
  }

  /** Stops every node (SIGTERM, then SIGKILL after 5 s) and removes their folders. */
  async stopAll(): Promise<void> {
    await Promise.all(
      this.running.map(
        (n) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => n.child.kill('SIGKILL'), 5000);
            n.child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            n.child.kill('SIGTERM');
          }),
      ),
    );
    for (const n of this.running) n.dir.cleanup();
    this.running.length = 0;
  }
}
