/**
 * Cluster mode (issue 18): `quiver serve --cluster` processes on a PostgreSQL server and an
 * S3-compatible server (s3rver) that this script starts on loopback, as the tests do.
 *
 * 1. Write throughput: a collection of 2 shards on 2 nodes; 4 clients (`quiverdb/client`,
 *    through node A) upsert batches of 1,000 × 128 (base64 float32) for `WRITE_SECONDS`;
 *    vectors acknowledged per second (each batch is acknowledged once both shards' appends
 *    committed in PostgreSQL).
 * 2. Search scaling: 100,000 × 128 (`gaussianMixture(…, 1000 clusters, seed 42)`) in a
 *    collection of 1 shard × 2 replicas, sealed and indexed (HNSW, default M/ef). Node A is
 *    pinned to core 0 and node B to core 1 (`taskset`). First only A serves (B stopped):
 *    autocannon sends k = 10 searches to A; then A and B both serve and the same load is
 *    split between them. Searches read `consistency=eventual`, so the numbers are the nodes'
 *    own (a strong read adds one catalog query, measured in 3). The load generator runs in
 *    this process and shares the two cores.
 * 3. Strong vs eventual: one connection, one search at a time, against node A of 2, while
 *    nothing writes: p50 and p99 of each.
 *
 * Prints Markdown on stdout, progress on stderr. Needs `postgresql` (Debian) and `taskset`
 * (util-linux). Reproduce: `npm run build && node dist/bench/cluster.js` (or
 * `npm run bench:cluster`).
 */
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '../src/client/index.js';
import { encodeVector } from '../src/client/wire.js';
import { gaussianMixture } from '../src/eval/random.js';
import { ClusterProcesses, type NodeProcess } from '../test/support/cluster-nodes.js';
import { startPostgres } from '../test/support/postgres.js';
import { startS3 } from '../test/support/s3.js';
import { commit, load, type Measured, machine } from './server/http-load.js';

const DIM = 128;
const N = 100_000;
const QUERIES = 1000;
const BATCH = 1000;
const WRITERS = 4;
const WRITE_SECONDS = 10;
const SEARCH_SECONDS = 8;
const CONNECTIONS = 16;
const LATENCY_SEARCHES = 2000;
const ROUNDS = 3;

const log = (message: string) => process.stderr.write(`[cluster] ${message}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

execFileSync('taskset', ['--version']);
const pg = await startPostgres();
const s3 = await startS3();
const all = gaussianMixture(N + QUERIES, DIM, 1000, 42);
const queries = Array.from({ length: QUERIES }, (_, i) => all.subarray((N + i) * DIM, (N + i + 1) * DIM));
const searchBodies = queries.map((q) => JSON.stringify({ vector: encodeVector(q), limit: 10 }));
const out: string[] = [];

try {
  // 1. Write throughput.
  const writes = new ClusterProcesses(pg, s3, 'bench_writes');
  const [wa] = [await writes.start(), await writes.start()];
  const writer = await connect(wa.url);
  const wc = await writer.createCollection('w', { dimension: DIM, shards: 2, replicas: 1 });
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let acknowledged = 0;
    let next = round * 10_000_000;
    const end = performance.now() + WRITE_SECONDS * 1000;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        while (performance.now() < end) {
          const first = next;
          next += BATCH;
          const points = Array.from({ length: BATCH }, (_, i) => ({
            id: first + i,
            vector: all.subarray(((first + i) % N) * DIM, ((first + i) % N + 1) * DIM),
          }));
          await wc.upsert(points);
          acknowledged += BATCH;
        }
      }),
    );
    rates.push(acknowledged / ((performance.now() - t0) / 1000));
    log(`writes, round ${round + 1}: ${rates[round].toFixed(0)} vectors/s`);
  }
  await writer.close();
  await writes.stopAll();

  // 2. Search scaling.
  const searches = new ClusterProcesses(pg, s3, 'bench_search');
  const a: NodeProcess = await searches.start(undefined, ['taskset', '-c', '0']);
  let b: NodeProcess = await searches.start(undefined, ['taskset', '-c', '1']);
  const client = await connect(a.url);
  const col = await client.createCollection('s', { dimension: DIM, shards: 1, replicas: 2 });
  log(`loading ${N} × ${DIM}`);
  for (let first = 0; first < N; first += BATCH) {
    await col.upsert(
      Array.from({ length: BATCH }, (_, i) => ({ id: first + i, vector: all.subarray((first + i) * DIM, (first + i + 1) * DIM) })),
    );
  }
  log('sealing and indexing on both replicas');
  await col.flush();
  const bClient = await connect(b.url);
  await bClient.listCollections();
  await bClient.collection('s').flush();
  const path = '/collections/s/points/search?consistency=eventual';
  const one: Measured[] = [];
  const two: Measured[] = [];
  const bDir = b.dir;
  for (let round = 0; round < ROUNDS; round++) {
    // One node: B stopped cleanly (its lease released); A holds the replica.
    await searches.stop(b);
    await sleep(500);
    one.push(await load(a.url, 'POST', path, searchBodies, CONNECTIONS, SEARCH_SECONDS));
    log(`one node, round ${round + 1}: ${one[round].qps.toFixed(0)} QPS`);
    b = await searches.start(bDir, ['taskset', '-c', '1']);
    const warm = await connect(b.url);
    await warm.listCollections();
    for (let i = 0; i < 50; i++) {
      try {
        await warm.collection('s').search(queries[0], { k: 10, consistency: 'eventual' });
        if ((await warm.collection('s').count({ consistency: 'eventual' })) === N) break;
      } catch {
        // its replica is still loading
      }
      await sleep(200);
    }
    await warm.close();
    const [ra, rb] = await Promise.all([
      load(a.url, 'POST', path, searchBodies, CONNECTIONS / 2, SEARCH_SECONDS),
      load(b.url, 'POST', path, searchBodies, CONNECTIONS / 2, SEARCH_SECONDS),
    ]);
    two.push({ ...ra, qps: ra.qps + rb.qps, errors: ra.errors + rb.errors });
    log(`two nodes, round ${round + 1}: ${two[round].qps.toFixed(0)} QPS`);
  }

  // 3. Strong vs eventual latency, one search at a time.
  const latency: Record<'strong' | 'eventual', number[]> = { strong: [], eventual: [] };
  for (let i = 0; i < LATENCY_SEARCHES; i++) {
    for (const consistency of ['strong', 'eventual'] as const) {
      const t0 = performance.now();
      await col.search(queries[i % QUERIES], { k: 10, consistency });
      latency[consistency].push(performance.now() - t0);
    }
  }
  await client.close();
  await bClient.close();
  await searches.stopAll();

  const oneQps = median(one.map((m) => m.qps));
  const twoQps = median(two.map((m) => m.qps));
  const ms = (x: number) => x.toFixed(2);
  const strong = [...latency.strong].sort((x, y) => x - y);
  const eventual = [...latency.eventual].sort((x, y) => x - y);
  out.push(
    '## Cluster mode: write throughput, search scaling over nodes, strong vs eventual reads (issue 18)',
    '',
    '`quiver serve --cluster` processes on a PostgreSQL 15 server and s3rver, both on loopback and started by the script; ' +
      `the load generator (autocannon, \`quiverdb/client\`) runs in the script's process on the same 2 cores. ${ROUNDS} rounds of each; medians, with the rounds in brackets.`,
    '',
    '| measure | result | rounds | target |',
    '|---|---:|---|---|',
    `| writes acknowledged (vectors/s; batches of ${BATCH} × ${DIM}, ${WRITERS} clients, 2 shards on 2 nodes) | ${median(rates).toFixed(0)} | ${rates.map((r) => r.toFixed(0)).join(', ')} | ≥ 30,000 ${median(rates) >= 30_000 ? '✓' : '✗'} |`,
    `| search QPS, 1 node on 1 core (100k × 128, HNSW, k = 10, ${CONNECTIONS} connections) | ${oneQps.toFixed(0)} | ${one.map((m) => m.qps.toFixed(0)).join(', ')} | |`,
    `| search QPS, 2 nodes on 2 cores (replicas: 2, ${CONNECTIONS / 2} connections each) | ${twoQps.toFixed(0)} | ${two.map((m) => m.qps.toFixed(0)).join(', ')} | |`,
    `| 2 nodes ÷ 1 node | ${(twoQps / oneQps).toFixed(2)}× | ${two.map((m, i) => (m.qps / one[i].qps).toFixed(2)).join(', ')} | ≥ 1.7× ${twoQps / oneQps >= 1.7 ? '✓' : '✗'} |`,
    `| search latency, \`consistency: 'strong'\` (p50 / p99 ms, one at a time) | ${ms(pct(strong, 0.5))} / ${ms(pct(strong, 0.99))} | | |`,
    `| search latency, \`consistency: 'eventual'\` (p50 / p99 ms) | ${ms(pct(eventual, 0.5))} / ${ms(pct(eventual, 0.99))} | | |`,
    `| what strong costs (p50) | ${ms(pct(strong, 0.5) - pct(eventual, 0.5))} ms | | |`,
    '',
    `Errors: ${[...one, ...two].reduce((sum, m) => sum + m.errors, 0)} failed searches.`,
    '',
    `Machine: ${machine()}. Commit: ${commit()}.`,
    '',
    'Reproduce: `npm run build && node dist/bench/cluster.js` (or `npm run bench:cluster`)',
  );
} finally {
  pg.stop();
  await s3.stop();
}
process.stdout.write(`${out.join('\n')}\n`);
process.exit(0);
