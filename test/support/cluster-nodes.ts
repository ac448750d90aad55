/**
 * `quiver serve --cluster` processes for tests: each on a free loopback port with a cache
 * folder of its own, on the test's PostgreSQL (`postgres.ts`) and S3-compatible server
 * (`s3.ts`). `start` resolves once the node says where it serves, `startWorker` once a
 * `quiver worker` says it works; `kill` sends SIGKILL.
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

  /**
   * Starts a node (on `dir`, to restart one on its cache), its command prefixed by `wrap`
   * (`['taskset', '-c', '0']` pins it to a core).
   */
  async start(dir = tempDir('quiver-node-'), wrap: string[] = []): Promise<NodeProcess> {
    return this.spawn(dir, wrap, [
      'serve',
      '--port',
      '0',
      ...this.services(),
      '--lease-seconds',
      '2',
      ...this.extra,
    ]);
  }

  /** Starts a `quiver worker` of this cluster with `options` (`--checkpoint-rows 3`…); its `url` is empty. */
  startWorker(options: string[], dir = tempDir('quiver-worker-')): Promise<NodeProcess> {
    return this.spawn(dir, [], ['worker', ...this.services(), ...options]);
  }

  /** The options naming this cluster's catalog and object storage. */
  private services(): string[] {
    return [
      '--cluster',
      this.pg.url,
      '--catalog-schema',
      this.schema,
      '--objects',
      `s3://${this.s3.bucket}/${this.schema}`,
      '--endpoint',
      this.s3.endpoint,
    ];
  }

  /** Runs the CLI on `dir`; resolves once it says it serves (or works, for a worker). */
  private async spawn(
    dir: { path: string; cleanup(): void },
    wrap: string[],
    command: string[],
  ): Promise<NodeProcess> {
    const args = [CLI, '--data', dir.path, ...command];
    const [program, ...prefix] = [...wrap, process.execPath];
    const child = spawn(program, [...prefix, ...args], {
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
        const m = /serving at (\S+)|(working) \(/.exec(out);
        if (m) resolve(m[1] ?? '');
      });
      child.once('exit', (code) => reject(new Error(`${command[0]} exited with ${code}: ${err}`)));
    });
    const node = { child, url, dir };
    this.running.push(node);
    return node;
  }

  kill(node: NodeProcess): void {
    node.child.kill('SIGKILL');
    this.running.splice(this.running.indexOf(node), 1);
  }

  /** Stops a node as an operator would (SIGTERM: it gives its leases up), SIGKILL after 5 s; keeps its folder. */
  async stop(node: NodeProcess): Promise<void> {
    this.running.splice(this.running.indexOf(node), 1);
    if (node.child.exitCode !== null || node.child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => node.child.kill('SIGKILL'), 5000);
      node.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      node.child.kill('SIGTERM');
    });
  }

  /** Stops every node and removes their folders. */
  async stopAll(): Promise<void> {
    const nodes = [...this.running];
    await Promise.all(nodes.map((n) => this.stop(n)));
    for (const n of nodes) n.dir.cleanup();
  }
}
