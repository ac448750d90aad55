/**
 * HTTP load for the server benchmarks: autocannon driving one route at a number of
 * concurrent connections, per-request latencies from its `response` events, and the summary
 * (QPS of 2xx answers per second of wall time, p50/p95/p99 in ms, errors); plus the commit and
 * machine lines of a report.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export interface Measured {
  qps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
}

/** The folder holding package.json, above this file. */
export function packageRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error(`no package.json above ${start}`);
}

export function percentile(sorted: number[], q: number): number {
  return sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export function summarize(latenciesMs: number[], seconds: number, errors: number): Measured {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    qps: sorted.length / seconds,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    errors,
  };
}

/**
 * Drives `method path` at `connections` concurrent requests, with the bodies of `bodies`
 * in turn (encoded once, which keeps the load generator's share of the CPU small), or
 * with a new body from `bodies()` per request.
 */
export function load(
  url: string,
  method: string,
  path: string,
  bodies: string[] | (() => string),
  connections: number,
  seconds: number,
): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const headers = { 'content-type': 'application/json' };
    const t0 = performance.now();
    const instance = autocannon(
      {
        url,
        connections,
        duration: seconds,
        timeout: 30,
        requests:
          typeof bodies === 'function'
            ? [{ method, path, headers, setupRequest: (request) => ({ ...request, body: bodies() }) }]
            : bodies.map((body) => ({ method, path, headers, body })),
      },
      (error, result) => {
        if (error) reject(error);
        else {
          const elapsed = (performance.now() - t0) / 1000;
          resolve(summarize(latencies, elapsed, result.errors + result.timeouts + result.non2xx));
        }
      },
    );
    instance.on('response', (_client, status, _bytes, responseTime) => {
      if (status >= 200 && status < 300) latencies.push(responseTime);
    });
  });
}

/** The checked-out commit, marked `+changes` when the work tree differs from it. */
export function commit(): string {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: packageRoot(), encoding: 'utf8' }).trim();
  try {
    const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
    return `\`${git('rev-parse', '--short', 'HEAD')}\`${dirty ? ' (+ uncommitted changes)' : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

export function machine(): string {
  return `${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}
