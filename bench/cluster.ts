/**
 * Cluster mode (issue 18): `quiver serve --cluster` processes on a PostgreSQL server and an
 * S3-compatible server (s3rver) that this script starts on loopback, as the tests do.
 *
 * 1. Write throughput: 4 writers upsert batches of 1,000 × 128 for `WRITE_SECONDS` into a
 *    collection of 2 shards; vectors acknowledged per second (a batch is acknowledged once
 *    both shards' appends committed in PostgreSQL). Over REST: `quiverdb/client` (base64
 *    float32) through node A of 2 node processes. Through the API: a `ClusterDatabase` in
 *    this process, whose replicas of both shards apply every write here too.
 * 2. Search scaling: 100,000 × 128 (`gaussianMixture(…, 1000 clusters, seed 42)`) in a
 *    collection of 1 shard × 2 replicas, sealed and indexed (HNSW, default M/ef). Node A is
 *    pinned to core 0 and node B to core 1 (`taskset`). First only A serves (B stopped):
 *    autocannon sends k = 10 searches to A over 16 connections; then A and B both serve,
 *    each driven as A was alone (16 connections each: a node's throughput grows with the
 *    requests it has in flight, which share messages to its search worker, so each node is
 *    offered the same). Searches read `consistency=eventual`, so the numbers are the nodes'
 *    own (a strong read adds one catalog query, measured in 3). The load generator runs in
 *    this process: with one node, once on the other core and once pinned to the node's core
 *    (the same one-core budget as each node has with two); with two nodes it shares both
 *    cores. One search per request, and batches of 50 per request
 *    (`/points/search/batch`), where the generator's and HTTP's share is small. The cores the
 *    generator used are reported with each.
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
import { ClusterDatabase } from '../src/cluster/cluster-database.js';
import { replicaRequest } from '../src/cluster/replica-client.js';
import { gaussianMixture } from '../src/eval/random.js';
import { PgCatalog } from '../src/storage/pg-catalog.js';
import { ClusterProcesses, type NodeProcess } from '../test/support/cluster-nodes.js';
import { startPostgres } from '../test/support/postgres.js';
import { tempDir } from '../test/support/reference.js';
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
const PER_BATCH = 50;

const log = (message: string) => process.stderr.write(`[cluster] ${message}\n`);
/** Pins this process (every thread: the load generator, s3rver) to `cpus` (`taskset -c` syntax). */
const pinSelf = (cpus: string) => execFileSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)]);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/** Vectors acknowledged per second by `WRITERS` concurrent writers of `BATCH`-point batches for `WRITE_SECONDS`. */
async function writeRate(
  upsert: (points: { id: number; vector: Float32Array }[]) => Promise<void>,
  round: number,
): Promise<number> {
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
          vector: all.subarray(((first + i) % N) * DIM, (((first + i) % N) + 1) * DIM),
        }));
        await upsert(points);
        acknowledged += BATCH;
      }
    }),
  );
  return acknowledged / ((performance.now() - t0) / 1000);
}

execFileSync('taskset', ['--version']);
const pg = await startPostgres();
const s3 = await startS3();
const all = gaussianMixture(N + QUERIES, DIM, 1000, 42);
const queries = Array.from({ length: QUERIES }, (_, i) => all.subarray((N + i) * DIM, (N + i + 1) * DIM));
const searchBodies = queries.map((q) => JSON.stringify({ vector: encodeVector(q), limit: 10 }));
/** Batches of `PER_BATCH` searches per request (`/points/search/batch`). */
const batchBodies = Array.from({ length: QUERIES / PER_BATCH }, (_, b) =>
  JSON.stringify({
    searches: queries
      .slice(b * PER_BATCH, (b + 1) * PER_BATCH)
      .map((q) => ({ vector: encodeVector(q), limit: 10 })),
  }),
);
const out: string[] = [];

try {
  // 1. Write throughput.
  const writes = new ClusterProcesses(pg, s3, 'bench_writes');
  const [wa] = [await writes.start(), await writes.start()];
  const writer = await connect(wa.url);
  const wc = await writer.createCollection('w', { dimension: DIM, shards: 2, replicas: 1 });
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    rates.push(await writeRate((points) => wc.upsert(points), round));
    log(`writes over REST, round ${round + 1}: ${rates[round].toFixed(0)} vectors/s`);
  }
  await writer.close();
  await writes.stopAll();

  // 1b. The same writes through a node's TypeScript API (ClusterDatabase in this process,
  // holding both shards' replicas, which apply every write here too): no HTTP, no JSON.
  const nodeDir = tempDir('quiver-bench-node-');
  const node = await ClusterDatabase.open({
    catalog: pg.url,
    schema: 'bench_api',
    data: nodeDir.path,
    url: 'http://127.0.0.1:1',
  });
  const api = await node.createCollection('w', { dimension: DIM, shards: 2 });
  const apiRates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    apiRates.push(await writeRate((points) => api.upsert(points), round));
    log(`writes through the API, round ${round + 1}: ${apiRates[round].toFixed(0)} vectors/s`);
  }
  await node.close();
  nodeDir.cleanup();

  // 1c. PostgreSQL's part alone: a node without a URL takes no lease, so nothing applies the
  // writes; each batch is still validated, encoded and committed to both shards' logs.
  const bareDir = tempDir('quiver-bench-node-');
  const bare = await ClusterDatabase.open({ catalog: pg.url, schema: 'bench_log', data: bareDir.path });
  const logOnly = await bare.createCollection('w', { dimension: DIM, shards: 2 });
  const logRates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    logRates.push(await writeRate((points) => logOnly.upsert(points), round));
    log(`writes to the logs alone, round ${round + 1}: ${logRates[round].toFixed(0)} vectors/s`);
  }
  await bare.close();
  bareDir.cleanup();

  // 2. Search scaling.
  const searches = new ClusterProcesses(pg, s3, 'bench_search');
  const a: NodeProcess = await searches.start(undefined, ['taskset', '-c', '0']);
  let b: NodeProcess = await searches.start(undefined, ['taskset', '-c', '1']);
  const client = await connect(a.url, { timeoutMs: 600_000 });
  const col = await client.createCollection('s', { dimension: DIM, shards: 1, replicas: 2 });
  log(`loading ${N} × ${DIM}`);
  for (let first = 0; first < N; first += BATCH) {
    await col.upsert(
      Array.from({ length: BATCH }, (_, i) => ({
        id: first + i,
        vector: all.subarray((first + i) * DIM, (first + i + 1) * DIM),
      })),
    );
  }
  log('sealing and indexing on both replicas');
  await col.flush();
  const bClient = await connect(b.url, { timeoutMs: 600_000 });
  await bClient.listCollections();
  await bClient.collection('s').flush();
  const ways = {
    single: { path: '/collections/s/points/search?consistency=eventual', bodies: searchBodies, per: 1 },
    batch: {
      path: '/collections/s/points/search/batch?consistency=eventual',
      bodies: batchBodies,
      per: PER_BATCH,
    },
  };
  type Way = keyof typeof ways;
  type Run = Measured & { generatorCores: number };
  const runs = () => ({ single: [] as Run[], batch: [] as Run[] });
  /** One node, the load generator on the other core. */
  const one = runs();
  /** One node, the load generator sharing its core: the same budget of one core for everything. */
  const oneShared = runs();
  /** Two nodes, the load generator sharing their two cores. */
  const two = runs();
  /** Runs `measure` and reports how many cores this process (the load generator) used meanwhile. */
  const generated = async (measure: () => Promise<Measured>, per: number): Promise<Run> => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const m = await measure();
    const cpu = process.cpuUsage(cpu0);
    const generatorCores = (cpu.user + cpu.system) / 1000 / (performance.now() - t0);
    return { ...m, qps: m.qps * per, generatorCores };
  };
  const bDir = b.dir;
  const catalog = await PgCatalog.open(pg.url, { schema: 'bench_search' });
  const collectionId = (await catalog.listCollections()).find((c) => c.name === 's')?.id as number;
  await catalog.close();
  /**
   * Waits until the node at `url` answers from a replica of its own, loaded and caught up:
   * until then it forwards searches to A, and the two-node numbers would be A's alone.
   */
  const servingOwnReplica = async (url: string) => {
    for (let i = 0; i < 600; i++) {
      const held = await replicaRequest(
        url,
        { collectionId, shard: 0, method: 'count', args: [], minSeq: 0 },
        5000,
      ).catch(() => undefined);
      if (held === N) return;
      await sleep(200);
    }
    throw new Error(`node ${url} did not take its replica`);
  };
  for (let round = 0; round < ROUNDS; round++) {
    // One node: B stopped cleanly (its lease released); A holds the replica.
    await searches.stop(b);
    await sleep(500);
    for (const [way, w] of Object.entries(ways) as [Way, (typeof ways)['single']][]) {
      one[way].push(
        await generated(() => load(a.url, 'POST', w.path, w.bodies, CONNECTIONS, SEARCH_SECONDS), w.per),
      );
      pinSelf('0');
      try {
        oneShared[way].push(
          await generated(() => load(a.url, 'POST', w.path, w.bodies, CONNECTIONS, SEARCH_SECONDS), w.per),
        );
      } finally {
        pinSelf('0,1');
      }
      log(
        `one node, ${way}, round ${round + 1}: ${one[way][round].qps.toFixed(0)} QPS, ${oneShared[way][round].qps.toFixed(0)} sharing its core`,
      );
    }
    b = await searches.start(bDir, ['taskset', '-c', '1']);
    await servingOwnReplica(b.url);
    for (const [way, w] of Object.entries(ways) as [Way, (typeof ways)['single']][]) {
      const both = await generated(async () => {
        const [ra, rb] = await Promise.all([
          load(a.url, 'POST', w.path, w.bodies, CONNECTIONS, SEARCH_SECONDS),
          load(b.url, 'POST', w.path, w.bodies, CONNECTIONS, SEARCH_SECONDS),
        ]);
        return { ...ra, qps: ra.qps + rb.qps, errors: ra.errors + rb.errors };
      }, w.per);
      two[way].push(both);
      log(`two nodes, ${way}, round ${round + 1}: ${both.qps.toFixed(0)} QPS`);
    }
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

  const qps = (rs: Run[]) => median(rs.map((m) => m.qps));
  const rounds = (rs: Run[]) => rs.map((m) => m.qps.toFixed(0)).join(', ');
  const cores = (rs: Run[]) => median(rs.map((m) => m.generatorCores)).toFixed(2);
  const scaling = (way: Way) => {
    const what = way === 'single' ? 'one search per request' : `batches of ${PER_BATCH} searches per request`;
    const ratio = (base: Run[]) => {
      const r = qps(two[way]) / qps(base);
      return { r, rounds: two[way].map((m, i) => (m.qps / base[i].qps).toFixed(2)).join(', ') };
    };
    const own = ratio(one[way]);
    const shared = ratio(oneShared[way]);
    return [
      `| search QPS, ${what}: 1 node on core 0, the load generator on core 1 (${CONNECTIONS} connections; generator: ${cores(one[way])} cores) | ${qps(one[way]).toFixed(0)} | ${rounds(one[way])} | |`,
      `| search QPS, ${what}: 1 node and the load generator sharing core 0 (generator: ${cores(oneShared[way])} cores) | ${qps(oneShared[way]).toFixed(0)} | ${rounds(oneShared[way])} | |`,
      `| search QPS, ${what}: 2 nodes on cores 0 and 1, the load generator sharing them (${CONNECTIONS} connections each; generator: ${cores(two[way])} cores) | ${qps(two[way]).toFixed(0)} | ${rounds(two[way])} | |`,
      `| 2 nodes ÷ 1 node, ${what}, everything within the nodes' cores (1 core vs 2) | ${shared.r.toFixed(2)}× | ${shared.rounds} | ≥ 1.7× ${shared.r >= 1.7 ? '✓' : '✗'} |`,
      `| 2 nodes ÷ 1 node, ${what}, the 1-node case given a third core's worth (the generator's own) | ${own.r.toFixed(2)}× | ${own.rounds} | |`,
    ];
  };
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
    `| writes committed to the shards' logs in PostgreSQL, no replica applying them (vectors/s; same batches, through the API) | ${median(logRates).toFixed(0)} | ${logRates.map((r) => r.toFixed(0)).join(', ')} | ≥ 30,000 ${median(logRates) >= 30_000 ? '✓' : '✗'} |`,
    `| writes acknowledged through a node's API (vectors/s; batches of ${BATCH} × ${DIM}, ${WRITERS} writers, 2 shards, their replicas applying, sealing and indexing in the same process) | ${median(apiRates).toFixed(0)} | ${apiRates.map((r) => r.toFixed(0)).join(', ')} | |`,
    `| writes acknowledged over REST (\`quiverdb/client\`, base64 vectors; same batches, 2 shards on 2 node processes) | ${median(rates).toFixed(0)} | ${rates.map((r) => r.toFixed(0)).join(', ')} | |`,
    ...scaling('single'),
    ...scaling('batch'),
    `| search latency, \`consistency: 'strong'\` (p50 / p99 ms, one at a time) | ${ms(pct(strong, 0.5))} / ${ms(pct(strong, 0.99))} | | |`,
    `| search latency, \`consistency: 'eventual'\` (p50 / p99 ms) | ${ms(pct(eventual, 0.5))} / ${ms(pct(eventual, 0.99))} | | |`,
    `| what strong costs (p50) | ${ms(pct(strong, 0.5) - pct(eventual, 0.5))} ms | | |`,
    '',
    `Errors: ${[...one.single, ...one.batch, ...oneShared.single, ...oneShared.batch, ...two.single, ...two.batch].reduce((sum, m) => sum + m.errors, 0)} failed requests. Searches: 100,000 × 128 (Gaussian mixture, seed 42), one sealed segment with the default HNSW index on each replica, k = 10, \`consistency=eventual\`; the collection has 1 shard and 2 replicas.`,
    '',
    '',
    'Why the rows differ. PostgreSQL takes a batch of 1,000 × 128 as one row per shard, in a transaction that shares its fsync with the writes queued meanwhile (group commit); the first write row is that path alone. ' +
      'Every replica then reads each row back and applies it to its own engine (its local WAL, the growing segment, and at 100,000 rows a seal and an HNSW build of about 300 µs per vector on one core); ' +
      'on this 2-core machine that work shares the cores with PostgreSQL and the writers, which is the second row, and the first round of each run is the fastest because the later ones include the seal. ' +
      'Over REST the JSON and base64 of each batch are parsed by a node and produced by the client on the same cores. ' +
      'Search scaling: the load generator (this process) needs CPU too, about as much per request as a node spends on one search, since both sides parse and produce HTTP and JSON. ' +
      'Each node is offered the same load (16 connections), so that both run as saturated as the one did; with the 16 split over two nodes, each node has half the requests in flight and answers fewer per second, since concurrent searches share messages to its search worker. ' +
      'Two nodes on the two cores share them with the generator, so the like-for-like one-node case gives it the same budget: the node and the generator together on core 0 (`taskset` on this process), which is the target row. ' +
      'The other row compares against a node that has core 0 to itself while the generator uses core 1, a third core in effect: with one search per request the generator takes a large share, which bounds that ratio, while with batches of 50 per request its share is small and both ratios measure the nodes alone.',
    '',
    '**Past one machine, on paper.** Per acknowledged write of *B* vectors of *d* floats touching *s* shards: the receiving node validates and encodes *B·d* floats; ' +
      'PostgreSQL runs *s* short transactions (a row lock on the shard, one `bytea` row of about 4·*B·d* bytes, a `NOTIFY`), writes the row to its WAL and table once, and serves it once to each of the *R* replicas of its shard; ' +
      'each replica applies it and, at seal time, indexes it (about 300 µs of one core per vector for HNSW M = 16, efConstruction = 200). ' +
      "Per strong search: one indexed catalog query for the shards' log positions (the measured cost above), then one search on one replica of each of the *S* shards, merged by the receiving node; an eventual search skips the query. " +
      'Per node, in the background: a heartbeat that renews its leases every `leaseSeconds / 3`, one `LISTEN` connection, and a poll per held replica per second. ' +
      'Where PostgreSQL becomes the bottleneck: (1) its WAL bandwidth bounds ingest, about 4·*d* bytes per vector (512 B at d = 128) plus row overhead — a few hundred thousand vectors/s on one SSD-backed server, far above what the replicas can index, so in practice indexing bounds ingest at about *cores* / (*R* · 300 µs) vectors/s for the cluster (100 nodes of 8 cores with *R* = 2: about 1.3 million/s); ' +
      '(2) strong searches cost one catalog query each, so a cluster serving more than a few tens of thousands of strong searches per second needs them batched (one position query for all searches that begin while the previous one is in flight) or read replicas of the catalog, or eventual reads; ' +
      '(3) every commit notifies every listening node: with 100 nodes and thousands of commits per second that is hundreds of thousands of deliveries per second, so channels per shard (a node listening only to the shards it holds) replace the one channel. ' +
      'What changes at 100 nodes: heartbeats (about 30 small transactions per second) and lease queries stay small; leases are only taken when vacant, so nodes that join need a rebalancer that releases leases from the busiest nodes; ' +
      'checkpoints are whole-replica snapshots, so object storage traffic grows with shard size and must become incremental (segment files uploaded once, as the manifest format version will mark); ' +
      'object storage itself does not limit (no conditional writes, unique names, reads cached on each node).',
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
