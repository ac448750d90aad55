/**
 * `quiver serve` as a child process, started as a user starts it (`node bin/quiver.js
 * --data DIR serve --port 0`) on loopback, so that a SIGKILL takes down the whole server
 * (catalog, WAL, seals in progress) at once. Every child still running when the harness
 * exits is killed, so an aborted run leaves no server behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** bin/quiver.js, found from dist/bench/stress/. */
const BIN = fileURLToPath(new URL('../../../bin/quiver.js', import.meta.url));
const START_TIMEOUT_MS = 120_000;
/** How much of a child's stderr is kept (the end of it), for reports. */
const STDERR_KEPT = 4000;

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface ServerProcess {
  url: string;
  pid: number;
  /** Whether the process has exited (on its own or killed). */
  readonly exited: boolean;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (graceful shutdown), then waits; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** The end of the server's stderr (its log, at level `error`). */
  stderr(): string;
}

export interface ServerStartOptions {
  /** A JSON settings file for `--config` (limits, keys). */
  config?: string;
}

export function startServer(data: string, options: ServerStartOptions = {}): Promise<ServerProcess> {
  const args = [BIN, '--data', data, 'serve', '--host', '127.0.0.1', '--port', '0', '--log-level', 'error'];
  if (options.config !== undefined) args.push('--config', options.config);
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, QUIVER_DATA: undefined, QUIVER_API_KEY: undefined, QUIVER_READ_ONLY_API_KEYS: '' },
  });
  running.add(child);
  let stderr = '';
  let exited = false;
  const exit = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      exited = true;
      running.delete(child);
      resolve(code);
    });
  });
  child.stderr!.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-STDERR_KEPT);
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`quiver serve did not start within ${START_TIMEOUT_MS} ms: ${stderr}`));
    }, START_TIMEOUT_MS);
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      const match = / at (http:\/\/\S+) /.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      resolve({
        url: match[1],
        pid: child.pid!,
        get exited() {
          return exited;
        },
        kill: async () => {
          if (!exited) child.kill('SIGKILL');
          await exit;
        },
        stop: async () => {
          if (!exited) child.kill('SIGTERM');
          return exit;
        },
        stderr: () => stderr,
      });
    });
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`quiver serve exited with ${code} before listening: ${stderr}`));
    });
  });
}
