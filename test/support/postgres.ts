/**
 * A real PostgreSQL server for a test file: Debian's `initdb` into a temporary folder, started
 * with `pg_ctl` on a free loopback port, removed when the test stops it (and, should the test
 * process die first, killed on exit). As root it runs as the `postgres` user, since the server
 * refuses to run as root. `.ci/run` installs the `postgresql` package where it is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PostgresServer {
  /** `postgres://quiver@127.0.0.1:<port>/postgres` */
  readonly url: string;
  readonly port: number;
  /** Stops the server as a crash would (`immediate`): what was committed survives. */
  halt(): void;
  /** Starts it again on the same port and data folder. */
  start(): void;
  /** Stops it for good and removes its folder. */
  stop(): void;
}

/** The newest installed server's binaries (`/usr/lib/postgresql/<major>/bin`). */
export function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) throw new Error('PostgreSQL is not installed: apt-get install -y postgresql');
  return join(root, majors[0], 'bin');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** uid and gid of the `postgres` user, when this process runs as root. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root, and there is no postgres user to run the server as');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBin();
  const user = runAs();
  const folder = mkdtempSync(join(tmpdir(), 'quiver-pg-'));
  if (user) chownSync(folder, user.uid, user.gid);
  const data = join(folder, 'data');
  const port = await freePort();
  const run = (tool: string, args: string[]) =>
    execFileSync(join(bin, tool), args, { ...user, cwd: folder, stdio: ['ignore', 'pipe', 'pipe'] });
  run('initdb', ['-D', data, '-U', 'quiver', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  const options = [
    `-p ${port}`,
    `-k ${folder}`,
    "-c listen_addresses='127.0.0.1'",
    '-c max_connections=200',
    '-c shared_buffers=32MB',
  ].join(' ');
  let running = false;
  const start = () => {
    run('pg_ctl', ['-D', data, '-o', options, '-l', join(folder, 'server.log'), '-w', '-t', '60', 'start']);
    running = true;
  };
  const halt = () => {
    if (!running) return;
    spawnSync(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], {
      ...user,
      stdio: 'ignore',
    });
    running = false;
  };
  const onExit = () => halt();
  process.on('exit', onExit);
  start();
  return {
    url: `postgres://quiver@127.0.0.1:${port}/postgres`,
    port,
    halt,
    start,
    stop() {
      halt();
      process.off('exit', onExit);
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
