/**
 * 2,000 malformed requests (seeded, `support/qdrant-fuzz-cases.ts`) to Qdrant's REST routes
 * of a real Quiver server: wrong types at any depth, missing and unknown fields, bad point ids
 * and UUIDs, NaN-like strings, huge numbers, malformed filters, deep nesting, non-JSON text,
 * wrong content types, bad path and query parameters.
 *
 * Asserted: no answer is a 5xx; every error answer is Qdrant's `{ status: { error }, time }`;
 * the server keeps answering; and the collection the cases aim at is exactly as it was — its
 * count, every point (id, payload, vector) by a full scroll, and its payload indexes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { SeededRandom } from '../src/index.js';
import { gaussianVector } from './support/qdrant-data.js';
import { DIM, type FuzzCase, FuzzGenerator, SCRATCH, TARGET } from './support/qdrant-fuzz-cases.js';
import { http, startTestServer, type TestServer } from './support/server.js';

const CASES = 2000;
/** Requests in flight at once (the cases are independent: reads, doomed writes, or writes to `scratch`). */
const CONCURRENCY = 4;
const LIMITS = { bodyBytes: 256 * 1024 };

let s: TestServer;

async function send(c: FuzzCase): Promise<{ status: number; text: string }> {
  const response = await fetch(s.url + c.path, {
    method: c.method,
    headers: c.body === undefined ? {} : { 'content-type': c.contentType },
    body: c.body,
  });
  return { status: response.status, text: await response.text() };
}

/** True for Qdrant's error body, `{ status: { error: string }, time: number }`. */
function isQdrantError(text: string): boolean {
  try {
    const body = JSON.parse(text) as { status?: { error?: unknown }; time?: unknown };
    return typeof body?.status?.error === 'string' && typeof body.time === 'number';
  } catch {
    return false;
  }
}

/** Everything the cases must leave alone: count, every point, the payload indexes. */
async function state(): Promise<unknown> {
  const count = await http(s.url, 'POST', `${TARGET}/points/count`, { exact: true });
  const scroll = await http(s.url, 'POST', `${TARGET}/points/scroll`, {
    limit: 1000,
    with_payload: true,
    with_vector: true,
  });
  const info = await http(s.url, 'GET', TARGET);
  for (const r of [count, scroll, info]) assert.equal(r.status, 200, JSON.stringify(r.body));
  const result = (r: { body: unknown }) => (r.body as { result: Record<string, unknown> }).result;
  return {
    count: result(count).count,
    points: result(scroll).points,
    next: result(scroll).next_page_offset ?? null,
    payloadSchema: result(info).payload_schema,
    vectors: (result(info).config as { params: unknown }).params,
  };
}

before(async () => {
  s = await startTestServer({ limits: LIMITS });
  const rng = new SeededRandom(4242);
  for (const path of [TARGET, SCRATCH]) {
    const created = await http(s.url, 'PUT', path, { vectors: { size: DIM, distance: 'Cosine' } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const points = Array.from({ length: 40 }, (_, i) => ({
      id: i % 8 === 7 ? `00000000-0000-4000-8000-0000000000${String(i).padStart(2, '0')}` : i,
      vector: gaussianVector(rng, DIM),
      payload: { n: i % 10, tag: ['a', 'b', 'c'][i % 3], g: { lon: i, lat: i / 2 }, nested: [{ a: i }] },
    }));
    const upserted = await http(s.url, 'PUT', `${path}/points?wait=true`, { points });
    assert.equal(upserted.status, 200, JSON.stringify(upserted.body));
  }
  for (const [field_name, field_schema] of [
    ['n', 'integer'],
    ['tag', 'keyword'],
  ]) {
    const indexed = await http(s.url, 'PUT', `${TARGET}/index?wait=true`, { field_name, field_schema });
    assert.equal(indexed.status, 200, JSON.stringify(indexed.body));
  }
});

after(async () => {
  await s.stop();
});

test(`${CASES} malformed requests: no 5xx, Qdrant error bodies, the data unchanged`, async () => {
  const before = await state();
  const generator = new FuzzGenerator(20_261_206);
  const serverErrors: string[] = [];
  const badBodies: string[] = [];
  const statuses = new Map<number, number>();
  const cases = Array.from({ length: CASES }, (_, i) => generator.next(i));
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const i = next++;
      const c = cases[i];
      const { status, text } = await send(c);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      const what = `#${i} ${c.label}: ${c.method} ${c.path.slice(0, 120)} ${String(c.body).slice(0, 160)}`;
      if (status >= 500) serverErrors.push(`${status} ${what} → ${text.slice(0, 200)}`);
      if (status >= 400 && !isQdrantError(text)) badBodies.push(`${status} ${what} → ${text.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const after = await state();
  const summary = (list: string[]) => list.slice(0, 10).map((line) => line.slice(0, 400));
  // All three findings at once (the first ten of each), then the data's own diff.
  const fivexx = `${serverErrors.length} answers were 5xx`;
  const shapes = `${badBodies.length} error answers lack { status: { error }, time }`;
  assert.deepEqual(
    {
      unchanged: isDeepStrictEqual(after, before),
      [fivexx]: summary(serverErrors),
      [shapes]: summary(badBodies),
    },
    { unchanged: true, [fivexx]: [], [shapes]: [] },
  );
  assert.deepEqual(after, before, 'the target collection is unchanged');
  const refused = [...statuses].filter(([status]) => status >= 400).reduce((n, [, k]) => n + k, 0);
  assert.ok(refused > CASES / 2, `most cases are refused: ${JSON.stringify([...statuses])}`);
  const root = await http(s.url, 'GET', '/');
  assert.equal(root.status, 200, 'the server still answers');
});
