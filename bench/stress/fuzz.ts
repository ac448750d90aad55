/**
 * The malformed-request fuzz: reads the routes from the server's own `/openapi.json`, then
 * sends each route in turn a plausible request broken by one mutation (see mutations.ts).
 *
 * Asserted: no response is a 5xx and no connection fails; every 4xx has the one error
 * shape; no body with invalid UTF-8 is accepted (it must be refused as `INVALID_JSON`, not
 * stored as U+FFFD); the health check answers throughout; and afterwards known-good
 * requests still succeed (an upsert reads back exactly, a search finds it, a collection
 * can be created and dropped) and the server shuts down cleanly.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { SeededRandom } from '../../src/index.js';
import { tempDir } from '../../test/support/reference.js';
import { http } from '../../test/support/server.js';
import { type FuzzRequest, mutate } from './mutations.js';
import { type FuzzTarget, knownBody, type Route, routesOf } from './openapi-routes.js';
import { type PartReport, StatusHistogram } from './report.js';
import { startServer } from './server-process.js';

export interface FuzzOptions {
  requests: number;
  seed: number;
}

const DIM = 8;
const LIMITS = { bodyBytes: 256 * 1024, upsertPoints: 50, batchQueries: 20, ids: 100, k: 1000 };
/** A health check (and the scratch collection re-created) every this many requests. */
const HEALTH_EVERY = 100;

interface Sent {
  status: number;
  body: unknown;
}

async function send(url: string, request: FuzzRequest): Promise<Sent> {
  const response = await fetch(url + request.path, {
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: text };
  }
}

function hasErrorShape(body: unknown): boolean {
  const error = (body as { status?: { code?: unknown; error?: unknown } } | null)?.status;
  return typeof error === 'object' && typeof error.code === 'string' && typeof error.error === 'string';
}

/** The usual value of a path parameter: routes that drop something get a scratch collection. */
function paramFor(route: Route, name: string): string {
  if (name === 'key' || name === 'field_name') return 'n';
  if (route.method === 'DELETE' && route.params.length === 1) return 'scratch';
  if (route.method === 'PUT' && route.template === '/collections/{name}') return 'fuzz-new';
  return 'target';
}

export async function fuzz(options: FuzzOptions): Promise<PartReport> {
  const dir = tempDir('quiver-stress-fuzz-');
  const config = join(dir.path, 'config.json');
  writeFileSync(config, JSON.stringify({ limits: LIMITS }));
  const rng = new SeededRandom(options.seed);
  const vector = () => Array.from(Float32Array.from({ length: DIM }, () => rng.gaussian()));
  const target: FuzzTarget = { dimension: DIM, vector, ids: [] };
  const statuses = new StatusHistogram();
  const violations: string[] = [];
  const perRoute = new Map<string, number>();
  let invalidUtf8Accepted = 0;
  let misshapen = 0;
  let healthChecks = 0;
  let knownGood = 0;
  let routes: Route[] = [];
  const server = await startServer(join(dir.path, 'data'), { config });
  try {
    await setUp(server.url, target, vector);
    routes = routesOf(
      (await http(server.url, 'GET', '/openapi.json')).body as Parameters<typeof routesOf>[0],
    );
    const ctx = { rng, bodyBytes: LIMITS.bodyBytes, param: paramFor };
    for (let i = 0; i < options.requests; i++) {
      if (i % HEALTH_EVERY === 0) {
        healthChecks++;
        const health = await http(server.url, 'GET', '/healthz');
        if (health.status !== 200) violations.push(`request ${i}: /healthz answered ${health.status}`);
        await http(server.url, 'PUT', '/collections/scratch', { vectors: { size: DIM, distance: 'Euclid' } });
      }
      const route = routes[i % routes.length];
      const request = mutate(route, knownBody(route, target, rng), ctx);
      const where = `request ${i} (${request.label}) ${request.method} ${request.path.slice(0, 80)}`;
      let result: Sent;
      try {
        result = await send(server.url, request);
      } catch (error) {
        statuses.add(request.label, 'reset');
        violations.push(`${where}: ${(error as Error).message}`);
        if (server.exited) break;
        continue;
      }
      const routeKey = `${route.method} ${route.template}`;
      perRoute.set(routeKey, (perRoute.get(routeKey) ?? 0) + 1);
      statuses.add(request.label, result.status);
      const shown = `${where}: ${result.status} ${JSON.stringify(result.body).slice(0, 200)}`;
      if (result.status >= 500) violations.push(shown);
      else if (result.status >= 400 && !hasErrorShape(result.body)) {
        misshapen++;
        violations.push(`error shape: ${shown}`);
      }
      if (request.invalidUtf8 && result.status < 300 && request.body !== undefined) {
        invalidUtf8Accepted++;
        if (route.body) violations.push(`invalid UTF-8 accepted: ${shown}`);
      }
    }
    if (!server.exited) knownGood = await checkKnownGood(server.url, vector, violations);
  } finally {
    const code = await server.stop();
    if (code !== 0) violations.push(`graceful shutdown exited with ${code}: ${server.stderr().slice(-500)}`);
    dir.cleanup();
  }
  const counts = [...perRoute.values()];
  return {
    part: 'Malformed-request fuzz from /openapi.json',
    summary:
      `${options.requests.toLocaleString('en')} requests (seed ${options.seed}) over every route of the ` +
      "server's `/openapi.json`, each broken by one mutation; limits " +
      `bodyBytes ${LIMITS.bodyBytes / 1024} KiB, upsertPoints ${LIMITS.upsertPoints}.`,
    figures: [
      ['routes in /openapi.json', routes.length],
      ['routes fuzzed', perRoute.size],
      ['requests', options.requests],
      [
        'requests per route (min–max)',
        counts.length > 0 ? `${Math.min(...counts)}–${Math.max(...counts)}` : '0',
      ],
      ['5xx responses', statuses.serverErrors],
      ['failed connections', statuses.count('reset')],
      ['4xx without the one error shape', misshapen],
      ['bodies with invalid UTF-8 accepted', invalidUtf8Accepted],
      ['health checks during the run', healthChecks],
      ['known-good requests after (all must succeed)', knownGood],
    ],
    statuses,
    violations,
  };
}

/** The collection the routes act on: 45 points, one sealed segment, a payload index on `n`. */
async function setUp(url: string, target: FuzzTarget, vector: () => number[]): Promise<void> {
  const steps: [string, string, unknown][] = [
    ['PUT', '/collections/target', { vectors: { size: DIM, distance: 'Cosine' }, segment_size: 30 }],
    ['PUT', '/collections/target/points', { points: [] as unknown[] }],
    ['POST', '/collections/target/flush', undefined],
    ['PUT', '/collections/target/index', { field_name: 'n', field_schema: 'integer' }],
  ];
  const points = (steps[1][2] as { points: unknown[] }).points;
  for (let n = 0; n < 45; n++) {
    const id = n % 3 === 0 ? `p${n}` : n;
    target.ids.push(id);
    points.push({ id, vector: vector(), payload: { n, tag: n % 2 === 0 ? 'even' : 'odd' } });
  }
  for (const [method, path, body] of steps) {
    const result = await http(url, method, path, body);
    if (result.status >= 300) throw new Error(`fuzz set-up ${method} ${path}: ${result.status}`);
  }
}

/** Known-good requests that must all succeed after the fuzz; returns how many were sent. */
async function checkKnownGood(url: string, vector: () => number[], violations: string[]): Promise<number> {
  const v = vector();
  const checks: [string, string, unknown, (body: unknown) => boolean][] = [
    ['GET', '/healthz', undefined, () => true],
    ['GET', '/collections', undefined, () => true],
    [
      'PUT',
      '/collections/target/points',
      { points: [{ id: 'known-good', vector: v, payload: { ok: 'é' } }] },
      () => true,
    ],
    [
      'POST',
      '/collections/target/points',
      { ids: ['known-good'] },
      // The collection is cosine: the stored vector is normalized, so the payload is compared.
      (b) =>
        isDeepStrictEqual((b as { result: unknown[] }).result, [{ id: 'known-good', payload: { ok: 'é' } }]),
    ],
    [
      'POST',
      '/collections/target/points/search',
      { vector: v, limit: 1, params: { exact: true } },
      (b) => (b as { result?: { id: unknown }[] }).result?.[0]?.id === 'known-good',
    ],
    ['POST', '/collections/target/points/count', {}, () => true],
    ['PUT', '/collections/known-good', { vectors: { size: DIM, distance: 'Dot' } }, () => true],
    ['DELETE', '/collections/known-good', undefined, () => true],
  ];
  for (const [method, path, body, accept] of checks) {
    const result = await http(url, method, path, body);
    if (result.status >= 300 || !accept(result.body)) {
      violations.push(
        `known-good ${method} ${path} after the fuzz: ${result.status} ${JSON.stringify(result.body).slice(0, 200)}`,
      );
    }
  }
  return checks.length;
}
