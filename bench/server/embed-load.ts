/**
 * Searches while the server embeds (issue 14, item 17): search latency over HTTP on the
 * 100,000 × 128 `bench` collection, idle and while one upsert of {@link EMBED_PHOTOS} photos
 * into a `mobilenet-v2` field of another collection is being embedded, with the model on
 * worker threads (what `quiver serve` does) and on the event loop (what it did before).
 *
 * Per mode, a fresh copy of the database and a fresh server (`embed-server.ts`); the
 * `photos` collection (one `mobilenet-v2` field, flat index) is created and one photo is
 * upserted untimed, so that the model is loaded before anything is measured. Then, per search
 * concurrency (and, with workers, per request size of {@link REQUEST_SIZES}): searches alone
 * for {@link IDLE_SECONDS} s, then searches again from the moment the first upsert request
 * is sent until the last is acknowledged. Every search's latency is kept; the report
 * gives p50, p99, the longest, and how many took over 100 ms. The server also reports its
 * own event-loop delay over each window (how long the loop was held, which the load
 * generator's latencies include along with its own share of the cores).
 *
 * The photos are the nine @stdlib JPEGs resized (480–592 px wide, so every one is a
 * different file), some mirrored, JPEG quality 85: about 6 MB, sent as base64 in one request.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import sharp from 'sharp';
import { STDLIB_PHOTOS } from '../../test/support/classical-photos.js';

export const EMBED_PHOTOS = 100;
export const EMBED_CONNECTIONS = [1, 8];
export const IDLE_SECONDS = 5;
/**
 * How the photos are sent, with the model on workers: in one request (the case), and
 * in requests of 10, whose bodies (0.5 MB) the server parses without holding its loop long.
 */
export const REQUEST_SIZES = [EMBED_PHOTOS, 10];
/** A search slower than this counts as held up. */
export const HELD_MS = 100;
export type EmbedMode = 'workers' | 'in-process';

export interface Latencies {
  count: number;
  p50: number;
  p99: number;
  max: number;
  /** Searches slower than {@link HELD_MS}. */
  held: number;
}

/** The server's event-loop delay over a window, in ms. */
export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

export interface EmbedRun {
  mode: EmbedMode;
  /** The machine's 1-minute load average when the run ended (other work competes for the cores). */
  load: number;
  connections: number;
  /** Photos per upsert request (the photos go in consecutive requests of this many). */
  perRequest: number;
  idle: Latencies;
  during: Latencies;
  loopIdle: LoopDelay;
  loopDuring: LoopDelay;
  upsertSeconds: number;
}

const log = (message: string) => process.stderr.write(`[server-load] ${message}\n`);

/** The photos of the upsert, base64, in a fixed order. */
export async function photoInputs(): Promise<string[]> {
  return Promise.all(
    Array.from({ length: EMBED_PHOTOS }, async (_, i) => {
      const image = sharp(STDLIB_PHOTOS[i % STDLIB_PHOTOS.length]).resize({ width: 480 + 16 * (i % 8) });
      const bytes = await (Math.floor(i / STDLIB_PHOTOS.length) % 2 === 1 ? image.flop() : image)
        .jpeg({ quality: 85 })
        .toBuffer();
      return bytes.toString('base64');
    }),
  );
}

function summarize(latencies: number[]): Latencies {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return {
    count: sorted.length,
    p50: at(0.5),
    p99: at(0.99),
    max: sorted.at(-1) ?? Number.NaN,
    held: sorted.filter((x) => x > HELD_MS).length,
  };
}

/** Searches at `connections` until `until` settles (or for `seconds`); the latencies of the 2xx answers. */
function searches(
  url: string,
  bodies: readonly string[],
  connections: number,
  stop: { seconds: number } | { until: Promise<unknown> },
): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    let failed = 0;
    const headers = { 'content-type': 'application/json' };
    const instance = autocannon(
      {
        url,
        connections,
        duration: 'seconds' in stop ? stop.seconds : 600,
        timeout: 60,
        requests: bodies.map((body) => ({
          method: 'POST',
          path: '/collections/bench/points/search',
          headers,
          body,
        })),
      },
      (error) => {
        if (error) reject(error);
        else if (failed > 0) reject(new Error(`${failed} searches failed`));
        else resolve(latencies);
      },
    );
    instance.on('response', (_client, status, _bytes, responseTime) => {
      if (status >= 200 && status < 300) latencies.push(responseTime);
      else failed++;
    });
    if ('until' in stop) void stop.until.finally(() => instance.stop());
  });
}

async function request(url: string, method: string, path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** Asks the server for its event-loop delay since the last `'reset'`. */
function loopDelay(child: ChildProcess): Promise<LoopDelay> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as LoopDelay));
    child.send('report');
  });
}

function startServer(dir: string, mode: EmbedMode): Promise<{ child: ChildProcess; url: string }> {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'embed-server.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, dir, mode], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let stdout = '';
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      const match = /at (http:\/\/\S+) /.exec(stdout);
      if (match) resolve({ child, url: match[1] });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`embed-server exited (${code}) before listening`)));
  });
}

/** Every concurrency of {@link EMBED_CONNECTIONS} in `mode`, on the database folder `dir` (which it changes). */
export async function embedLoad(
  dir: string,
  mode: EmbedMode,
  searchBodies: readonly string[],
  photos: readonly string[],
): Promise<EmbedRun[]> {
  const { child, url } = await startServer(dir, mode);
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const runs: EmbedRun[] = [];
  try {
    await request(url, 'PUT', '/collections/photos', {
      vectors: { image: { provider: 'mobilenet-v2', index: { type: 'flat' } } },
    });
    log(`${mode}: loading mobilenet-v2 (one untimed upsert)`);
    await request(url, 'PUT', '/collections/photos/points', {
      points: [{ id: 0, inputs: { image: photos[0] } }],
    });
    await searches(url, searchBodies, 8, { seconds: 1 }); // warm-up
    let round = 0;
    for (const connections of EMBED_CONNECTIONS) {
      for (const perRequest of mode === 'workers' ? REQUEST_SIZES : [photos.length]) {
        round++;
        const label = `${mode}: ${connections} connections, ${photos.length} photos in requests of ${perRequest}`;
        log(`${label}: idle`);
        child.send('reset');
        const idle = summarize(await searches(url, searchBodies, connections, { seconds: IDLE_SECONDS }));
        const loopIdle = await loopDelay(child);
        child.send('reset');
        log(`${label}: during the upserts`);
        let done!: () => void;
        const finished = new Promise<void>((resolve) => {
          done = resolve;
        });
        const during = searches(url, searchBodies, connections, { until: finished });
        const t0 = performance.now();
        try {
          for (let first = 0; first < photos.length; first += perRequest) {
            const points = photos
              .slice(first, first + perRequest)
              .map((image, i) => ({ id: 1000 * round + first + i, inputs: { image } }));
            await request(url, 'PUT', '/collections/photos/points', { points });
          }
        } finally {
          done();
        }
        const upsertSeconds = (performance.now() - t0) / 1000;
        const loopDuring = await loopDelay(child);
        runs.push({
          mode,
          load: loadavg()[0],
          connections,
          perRequest,
          idle,
          during: summarize(await during),
          loopIdle,
          loopDuring,
          upsertSeconds,
        });
      }
    }
    const answer = (await request(url, 'POST', '/collections/photos/points/count', {})) as {
      result?: { count: number };
      count?: number;
    };
    const count = answer.result?.count ?? answer.count;
    const expected = 1 + round * photos.length;
    if (count !== expected) throw new Error(`photos holds ${count} points, expected ${expected}`);
  } finally {
    child.kill('SIGTERM');
  }
  const code = await exited;
  if (code !== 0) throw new Error(`embed-server exited with ${code} after SIGTERM`);
  return runs;
}

/** The Markdown rows and verdicts of the runs. */
export function embedReport(runs: readonly EmbedRun[]): string[] {
  const ms = (x: number) => x.toFixed(x < 10 ? 2 : x < 100 ? 1 : 0);
  const share = (l: Latencies) => `${l.held} of ${l.count} (${((100 * l.held) / l.count).toFixed(2)} %)`;
  const rows = runs.map((r) => {
    const cells = [
      r.mode === 'workers' ? 'worker thread (default)' : 'event loop (`inProcess: true`)',
      r.perRequest === EMBED_PHOTOS
        ? `1 × ${EMBED_PHOTOS}`
        : `${EMBED_PHOTOS / r.perRequest} × ${r.perRequest}`,
      r.connections,
      `${ms(r.idle.p50)} / ${ms(r.idle.p99)} / ${ms(r.idle.max)}`,
      share(r.idle),
      `${ms(r.during.p50)} / ${ms(r.during.p99)} / ${ms(r.during.max)}`,
      share(r.during),
      `${(r.during.p99 / r.idle.p99).toFixed(1)}×`,
      `${ms(r.loopIdle.p99)} / ${ms(r.loopIdle.max)}`,
      `${ms(r.loopDuring.p99)} / ${ms(r.loopDuring.max)}`,
      r.upsertSeconds.toFixed(1),
      r.load.toFixed(1),
    ];
    return `| ${cells.join(' | ')} |`;
  });
  const verdicts = runs
    .filter((r) => r.mode === 'workers')
    .map((r) => {
      const ratio = r.during.p99 / r.idle.p99;
      return (
        `- ${r.connections} connection${r.connections === 1 ? '' : 's'}, requests of ${r.perRequest}: ` +
        `p99 ${ratio.toFixed(1)}× idle (${ratio <= 3 ? 'met' : 'not met'}); ` +
        `${r.during.held} searches over ${HELD_MS} ms, longest ${ms(r.during.max)} ms ` +
        `(${r.during.held === 0 ? 'met' : 'not met'}; alone, ${r.idle.held} over ${HELD_MS} ms, longest ${ms(r.idle.max)} ms); ` +
        `the server held its loop at most ${ms(r.loopDuring.max)} ms (alone: ${ms(r.loopIdle.max)} ms).`
      );
    });
  return [
    `| mobilenet-v2 runs on | upsert requests × photos | search connections | idle: p50 / p99 / max (ms) | idle: over ${HELD_MS} ms | during the upsert: p50 / p99 / max (ms) | during: over ${HELD_MS} ms | p99 during / idle | server loop delay idle: p99 / max (ms) | server loop delay during: p99 / max (ms) | upsert (s) | machine load (1 min) |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    'With the model on the event loop, few searches complete during the upsert (the loop is held for seconds at a ' +
      'time), so their p99 understates the wait: the longest search and the loop delay show it. The machine load is ' +
      'the 1-minute load average of the 2 cores, which other jobs share: searches alone also wait over 100 ms at times.',
    '',
    `Targets (p99 during ≤ 3× idle; no search over ${HELD_MS} ms), with the model on a worker thread:`,
    '',
    ...verdicts,
  ];
}
