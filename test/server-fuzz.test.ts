/**
 * 500 malformed request bodies (fixed seed) against every route that takes a body (grouped
 * search, recommend, the query API, payload changes and payload indexes included): wrong
 * types, huge numbers, deep nesting, truncated JSON, NaN / Infinity / strings in vectors,
 * oversized arrays and bodies, wrong content types, prototype-pollution keys, random bytes.
 *
 * Asserted: no response is a 5xx; every error has the one error shape; every body sent to a
 * route that writes is refused (4xx); the server keeps answering; and the collection's
 * points, count and search results are exactly what they were before.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SeededRandom } from '../src/index.js';
import { encodeVector } from '../src/wire/format.js';
import { http, resultOf, startTestServer, type TestServer } from './support/server.js';

const DIM = 8;
const CASES = 500;
const LIMITS = { bodyBytes: 256 * 1024, upsertPoints: 50, batchQueries: 20, ids: 100, k: 1000 };

interface Case {
  method: string;
  path: string;
  body: string;
  contentType: string;
  /** Whether the route writes: then the body must be refused. */
  writes: boolean;
  label: string;
}

const rng = new SeededRandom(20_240_601);
const vector = () => Array.from({ length: DIM }, () => rng.gaussian());

/** A valid body per route; the fuzzer breaks it. */
const ROUTES: { method: string; path: string; writes: boolean; body: () => Record<string, unknown> }[] = [
  {
    method: 'POST',
    path: '/collections/target/points/search',
    writes: false,
    body: () => ({ vector: vector(), limit: 5, score_threshold: 0.1 }),
  },
  {
    method: 'POST',
    path: '/collections/target/points/search/groups',
    writes: false,
    body: () => ({ vector: vector(), limit: 3, group_by: 'tag', group_size: 2, with_payload: true }),
  },
  {
    method: 'POST',
    path: '/collections/target/points/recommend',
    writes: false,
    body: () => ({ positive: [1, 'p3'], negative: [{ vector: vector() }], limit: 5, strategy: 'best_score' }),
  },
  {
    method: 'POST',
    path: '/collections/target/points/search/batch',
    writes: false,
    body: () => ({
      searches: [
        { vector: vector(), limit: 3 },
        { vector: vector(), with_payload: ['n'] },
      ],
    }),
  },
  {
    method: 'POST',
    path: '/collections/target/points/query',
    writes: false,
    body: () => ({
      prefetch: [
        { query: vector(), limit: 5 },
        { query: { nearest: vector() }, limit: 5 },
      ],
      query: { fusion: 'rrf' },
      limit: 3,
    }),
  },
  {
    method: 'POST',
    path: '/collections/target/points/query',
    writes: false,
    body: () => ({
      query: { nearest: vector(), mmr: { diversity: 0.5 } },
      filter: { must: { has_id: [1, 2] } },
    }),
  },
  {
    method: 'POST',
    path: '/collections/target/points/range',
    writes: false,
    body: () => ({ vector: vector(), score_threshold: 0.5 }),
  },
  {
    method: 'POST',
    path: '/collections/target/points',
    writes: false,
    body: () => ({ ids: [1, 'p2'], with_vector: true }),
  },
  {
    method: 'POST',
    path: '/collections/target/points/count',
    writes: false,
    body: () => ({ filter: { must: [{ key: 'n', range: { gte: 3 } }] }, exact: true }),
  },
  {
    method: 'POST',
    path: '/collections/target/points/scroll',
    writes: false,
    body: () => ({ limit: 10, offset: 3 }),
  },
  {
    method: 'PUT',
    path: '/collections/target/points',
    writes: true,
    body: () => ({
      points: [
        { id: 1000, vector: vector(), payload: { n: 1 } },
        { id: 'new', vector: vector() },
      ],
    }),
  },
  {
    method: 'POST',
    path: '/collections/target/points/delete',
    writes: true,
    body: () => ({ points: [1, 2, 'p3'] }),
  },
  {
    method: 'POST',
    path: '/collections/target/points/payload',
    writes: true,
    body: () => ({ payload: { fuzzed: true }, points: [1, 2] }),
  },
  {
    method: 'PUT',
    path: '/collections/target/index',
    writes: true,
    body: () => ({ field_name: 'n', field_schema: 'integer' }),
  },
  {
    method: 'PUT',
    path: '/collections/fuzz-new',
    writes: true,
    body: () => ({ vectors: { size: DIM, distance: 'Cosine' } }),
  },
];

const WRONG_VALUES: unknown[] = [
  null,
  true,
  'text',
  '',
  -1,
  1.5,
  1e308,
  -1e308,
  2 ** 64,
  Number.MAX_SAFE_INTEGER + 2,
  [],
  [null],
  {},
  { nested: { deeper: [1, 'two'] } },
  'x'.repeat(5000),
  '\u0000\u202e\ud800',
];

function nested(depth: number, open: string, close: string, inner = '1'): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

function pick<T>(items: readonly T[]): T {
  return items[rng.int(items.length)];
}

/** Breaks a body for a route that writes, in a way that is certain to be refused. */
function breakWrite(path: string, body: Record<string, unknown>): Record<string, unknown> {
  if (path.endsWith('/points')) {
    const points = body.points as Record<string, unknown>[];
    const at = points[rng.int(points.length)];
    switch (rng.int(6)) {
      case 0:
        at.id = pick([-1, 1.5, null, {}, [], '', 'x'.repeat(300), 2 ** 53, true]);
        break;
      case 1:
        at.vector = pick<unknown>([
          'not base64!',
          'AAA',
          [],
          [1, 2],
          'x',
          {},
          null,
          [[1, 2, 3, 4, 5, 6, 7, 8]],
          vector().map(String),
        ]);
        break;
      case 2:
        at.payload = pick([[1], 'text', 5, true]);
        break;
      case 3:
        at.extra = pick(WRONG_VALUES);
        break;
      case 4:
        body.points = pick([{}, 'points', 7, null]);
        break;
      default:
        // Deep payload on the first point; the last point has the wrong dimension.
        points[0].payload = JSON.parse(`{"deep":${nested(500 + rng.int(1500), '{"a":', '}')}}`);
        points[points.length - 1].vector = [1, 2, 3];
    }
    return body;
  }
  if (path.endsWith('/delete') || path.endsWith('/payload')) {
    switch (rng.int(4)) {
      case 0:
        body.points = pick([[-1], [1.5], [{}], 'ids', 5, [[1]]]);
        break;
      case 1:
        return {
          filter: pick([5, 'all', [], { must: 'x' }, { must: [{ key: 'n', range: {} }] }, { any: [] }]),
        };
      case 2:
        return { ...body, points: [1], filter: {} };
      default:
        return {
          ...body,
          points: undefined,
          filter: JSON.parse(`{"must":[${nested(40 + rng.int(200), '{"must":[', ']}', '{}')}]}`),
        };
    }
    return body;
  }
  if (path.endsWith('/index')) {
    body.field_schema = pick([
      'vector',
      5,
      { type: 'text', analyzer: 'klingon' },
      { type: 'keyword', unique: 1 },
    ]);
    return body;
  }
  switch (rng.int(4)) {
    case 0:
      body.vectors = { size: pick([0, -1, 1.5, 1e9, '8', []]), distance: 'Cosine' };
      break;
    case 1:
      body.vectors = { size: DIM, distance: pick(['manhattan', 'L2', 1, 'Chebyshev']) };
      break;
    case 2:
      body.index = pick([{ type: 'ivf' }, { type: 'hnsw', m: 'x' }, { type: 'flat', m: 3 }, 'IVF,Flat']);
      break;
    default:
      body.segment_size = pick([0, -5, 'big', 1e300]);
  }
  return body;
}

/** Sets a random top-level field (or a field of the first nested object) to a wrong value. */
function breakAnyField(body: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(body);
  const key = rng.int(4) === 0 ? `unknown_${rng.int(100)}` : pick(keys);
  body[key] = pick(WRONG_VALUES);
  return body;
}

function randomBytes(length: number): string {
  return Array.from({ length }, () => String.fromCharCode(rng.int(256))).join('');
}

function makeCase(i: number): Case {
  const route = pick(ROUTES);
  const base = {
    method: route.method,
    path: route.path,
    writes: route.writes,
    contentType: 'application/json',
  };
  const valid = route.body();
  const text = JSON.stringify(route.writes ? breakWrite(route.path, valid) : valid);
  switch (i % 12) {
    case 0:
      return { ...base, body: text.slice(0, rng.int(text.length)), label: 'truncated JSON' };
    case 1:
      return {
        ...base,
        body: JSON.stringify(route.writes ? breakWrite(route.path, route.body()) : breakAnyField(valid)),
        label: 'wrong types',
      };
    case 2: {
      const literal = pick(['NaN', 'Infinity', '-Infinity', '1e400', '"1.0"', 'undefined', '0x10', '.5']);
      return { ...base, body: text.replace(/-?\d+\.\d+/, literal), label: `vector literal ${literal}` };
    }
    case 3: {
      const field = pick(['limit', 'offset', 'score_threshold', 'size', 'id']);
      const huge = pick(['1e308', '-1e308', '18446744073709551616', '1e-400', '9'.repeat(400)]);
      return {
        ...base,
        body: text.replace(/}$/, `,"${field}":${huge}}`),
        label: `huge number ${field}`,
      };
    }
    case 4: {
      const depth = 1000 + rng.int(40_000);
      const shape = pick([
        nested(depth, '[', ']'),
        nested(depth, '{"a":', '}'),
        `{"query":${nested(depth, '[', ']')}}`,
        `{"filter":${nested(Math.min(depth, 5000), '{"must":[', ']}', '{}')}}`,
      ]);
      return { ...base, body: shape, label: `nesting ${depth}` };
    }
    case 5: {
      const size = pick([70_000, 200]);
      const big = pick([
        { query: new Array(size).fill(0.5) },
        { searches: new Array(21).fill({ vector: vector() }) },
        { ids: Array.from({ length: 101 }, (_, n) => n) },
        { points: Array.from({ length: 51 }, (_, n) => ({ id: 5000 + n, vector: vector() })) },
      ]);
      return {
        ...base,
        body: JSON.stringify(route.writes ? { ...big, poison: true } : big),
        label: 'oversized array',
      };
    }
    case 6:
      return { ...base, body: `{"query":"${'A'.repeat(300_000)}"}`, label: 'oversized body' };
    case 7:
      return {
        ...base,
        contentType: pick([
          'text/plain',
          'application/octet-stream',
          'application/x-www-form-urlencoded',
          'application/xml',
        ]),
        body: text,
        label: 'content type',
      };
    case 8:
      return { ...base, body: randomBytes(1 + rng.int(200)), label: 'random bytes' };
    case 9:
      return {
        ...base,
        body: pick([
          '{"__proto__":{"polluted":true},"k":1}',
          '{"constructor":{"prototype":{"polluted":true}}}',
          `{"query":${JSON.stringify(vector())},"__proto__":{"k":1}}`,
        ]),
        label: 'prototype keys',
      };
    case 10: {
      // A write gets the wrong length, so that no pick of values can make it valid.
      const length = route.writes ? pick([DIM - 1, DIM + 1]) : pick([DIM - 1, DIM + 1, DIM]);
      const floats = Float32Array.from({ length }, () =>
        pick([Number.NaN, Number.POSITIVE_INFINITY, 1e38 * 10, 0.5]),
      );
      const b64 = pick([encodeVector(floats), 'A===', '====', 'QUJD', `${encodeVector(floats)}!`]);
      const body = route.path.endsWith('/points')
        ? { points: [{ id: 1, vector: b64 }] }
        : { vector: b64, searches: [{ vector: b64 }] };
      return { ...base, body: JSON.stringify(body), label: 'bad base64 vector' };
    }
    default:
      return {
        ...base,
        body: `${text}${pick([',', '}', ' garbage', '\u0000', '{}'])}`,
        label: 'trailing junk',
      };
  }
}

let s: TestServer;

before(async () => {
  s = await startTestServer({ limits: LIMITS });
  const created = await http(s.url, 'PUT', '/collections/target', {
    vectors: { size: DIM, distance: 'Cosine' },
    segment_size: 30,
  });
  assert.equal(resultOf(created), true);
  const points = Array.from({ length: 45 }, (_, n) => ({
    id: n % 3 === 0 ? `p${n}` : n,
    vector: vector(),
    payload: { n, tag: n % 2 === 0 ? 'even' : 'odd' },
  }));
  assert.equal((await http(s.url, 'PUT', '/collections/target/points', { points })).status, 200);
  assert.equal((await http(s.url, 'POST', '/collections/target/flush')).status, 200);
});
after(async () => {
  await s.stop();
});

async function snapshot(): Promise<unknown> {
  const query = { vector: Array.from({ length: DIM }, (_, d) => d + 1), limit: 45, with_payload: true };
  return {
    count: resultOf(await http(s.url, 'POST', '/collections/target/points/count')),
    points: resultOf(
      await http(s.url, 'POST', '/collections/target/points/scroll', { limit: 100, with_vector: true }),
    ),
    hits: resultOf(
      await http(s.url, 'POST', '/collections/target/points/search', { ...query, params: { exact: true } }),
    ),
    collections: resultOf(await http(s.url, 'GET', '/collections')),
  };
}

test(`${CASES} malformed bodies: no 5xx, writes refused, server alive, data unchanged`, async () => {
  const before = await snapshot();
  const statuses = new Map<number, number>();
  for (let i = 0; i < CASES; i++) {
    const c = makeCase(i);
    const result = await http(s.url, c.method, c.path, c.body, { 'content-type': c.contentType });
    statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
    const where = `case ${i} (${c.label}) ${c.method} ${c.path}: ${result.status} ${JSON.stringify(result.body).slice(0, 300)}`;
    assert.ok(result.status < 500, where);
    if (c.writes) assert.ok(result.status >= 400, `a write was accepted: ${where}`);
    if (result.status >= 400) {
      const error = (result.body as { status?: { code?: unknown; error?: unknown } }).status;
      assert.ok(typeof error?.code === 'string' && typeof error.error === 'string', `error shape: ${where}`);
    }
    if (i % 50 === 49) assert.equal((await http(s.url, 'GET', '/healthz')).status, 200);
  }
  assert.deepEqual(await snapshot(), before);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  // The mix exercised the validation layers, not only one of them.
  for (const status of [400, 413, 415])
    assert.ok((statuses.get(status) ?? 0) > 0, `no ${status} among ${[...statuses]}`);
});
