/**
 * Qdrant's own published request examples, sent unchanged (save the few adaptations the
 * fixture names) to a real Quiver server: each must answer 200 in Qdrant's envelope
 * `{ result, status: 'ok', time }` with a `result` of the shape Qdrant's OpenAPI document
 * (v1.18.x) gives for that route. Where the source also publishes the answer (the API
 * reference's walkthrough, the filtering guide's "Filtered points would be"), the answer
 * must be that one.
 *
 * Fixtures (test/fixtures/qdrant/, sources named inside): `published-examples.json` — the
 * curl examples of api.qdrant.tech (qdrant/api-reference `snippets/curl`), the walkthrough
 * of the OpenAPI description, the filtering guide's examples with its data sets;
 * `openapi-responses.json` — the 200 response schemas of these routes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SeededRandom } from '../src/index.js';
import { type Schema, validate } from './support/openapi-schema.js';
import { gaussianVector } from './support/qdrant-data.js';
import { type HttpResult, http, startTestServer, type TestServer } from './support/server.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'qdrant');
const load = (file: string) => JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));

interface Example {
  source: string;
  title: string;
  method: string;
  path: string;
  query?: string;
  body?: Record<string, unknown>;
  form?: string;
  out_of_scope?: string;
  setup?: string;
  adapted?: string;
}
interface Step {
  method: string;
  path: string;
  query?: string;
  body: unknown;
  result: unknown;
}
interface FilterCase {
  title: string;
  dataset: string;
  filter: Record<string, unknown>;
  ids: number[];
}

const published = load('published-examples.json') as {
  api_reference: { examples: Example[] };
  walkthrough: { steps: Step[] };
  filtering: { datasets: Record<string, { id: number }[]>; cases: FilterCase[] };
};
const responses = load('openapi-responses.json') as {
  routes: Record<string, Schema>;
  components: Record<string, Schema>;
};

/** The documented 200 schema of the route that `method path` is an instance of. */
function routeSchema(method: string, path: string): Schema {
  for (const [route, schema] of Object.entries(responses.routes)) {
    const [m, template] = route.split(' ');
    const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (m === method && pattern.test(path)) return schema;
  }
  throw new Error(`no documented route for ${method} ${path}`);
}

/** Asserts a 200 in Qdrant's envelope whose `result` has the documented shape; returns the result. */
function assertDocumented(method: string, path: string, response: HttpResult, what: string): unknown {
  const body = response.body as { result?: unknown; status?: unknown; time?: unknown };
  assert.equal(response.status, 200, `${what}: HTTP ${response.status} ${JSON.stringify(body)}`);
  assert.equal(body.status, 'ok', `${what}: status`);
  assert.equal(typeof body.time, 'number', `${what}: time`);
  assert.ok('result' in body, `${what}: no result`);
  const schema = routeSchema(method, path);
  const problems = validate(schema, body, responses.components);
  assert.deepEqual(problems, [], `${what}: response shape\n${JSON.stringify(body).slice(0, 500)}`);
  return body.result;
}

const COLLECTION = '/collections/collection_name';
const SEEDED_IDS: (number | string)[] = [
  0,
  1,
  2,
  3,
  10,
  67,
  100,
  200,
  213,
  231,
  300,
  342,
  718,
  '3a6e2150-f7b7-496e-92cd-687e63e215fd',
  '9ad0884a-7bfe-43c0-b88f-c1d9a588b7e1',
  '7f6652c4-89bd-40e0-ab1d-510f7fcddd2b',
  '2c2c9f86-0171-4bd2-9ab0-b4754682cddd',
  '43cf51e2-8777-4f52-bc74-c2cbde0c8b04',
];

describe("Qdrant's published request examples against quiver serve", () => {
  let s: TestServer;
  const call = (method: string, path: string, body?: unknown) => http(s.url, method, path, body);

  /** Creates `collection_name` afresh as the example's `setup` says; returns a snapshot name when it makes one. */
  async function setUp(setup: string): Promise<string | undefined> {
    await call('DELETE', COLLECTION);
    if (setup === 'none') return undefined;
    const dim = setup.startsWith('points3') || setup === 'empty3' ? 3 : 4;
    assertDocumented(
      'PUT',
      COLLECTION,
      await call('PUT', COLLECTION, { vectors: { size: dim, distance: 'Cosine' } }),
      'setup',
    );
    if (setup !== 'empty3') {
      const rng = new SeededRandom(16);
      const points = SEEDED_IDS.map((id, i) => ({
        id,
        vector: gaussianVector(rng, dim),
        payload: {
          city: i % 2 ? 'London' : 'Berlin',
          color: ['red', 'green', 'blue'][i % 3],
          document_id: i % 4,
        },
      }));
      const upserted = await call('PUT', `${COLLECTION}/points?wait=true`, { points });
      assertDocumented('PUT', `${COLLECTION}/points`, upserted, 'setup upsert');
    }
    if (setup.endsWith('+index')) {
      const body = { field_name: 'field_name', field_schema: 'keyword' };
      assertDocumented(
        'PUT',
        `${COLLECTION}/index`,
        await call('PUT', `${COLLECTION}/index?wait=true`, body),
        'setup index',
      );
    }
    if (setup.endsWith('+snapshot')) {
      const created = await call('POST', `${COLLECTION}/snapshots?wait=true`);
      return (
        assertDocumented('POST', `${COLLECTION}/snapshots`, created, 'setup snapshot') as { name: string }
      ).name;
    }
    return undefined;
  }

  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.stop();
  });

  test('the fixture keeps every published curl example, in or out of scope', () => {
    const examples = published.api_reference.examples;
    assert.equal(examples.length, 59);
    assert.equal(examples.filter((e) => !e.out_of_scope).length, 37);
    for (const e of examples) assert.ok(e.out_of_scope !== undefined || e.setup !== undefined, e.title);
  });

  for (const example of published.api_reference.examples.filter((e) => e.out_of_scope === undefined)) {
    test(`${example.method} ${example.path}: ${example.title}`, async () => {
      const snapshot = await setUp(example.setup as string);
      let path = example.path + (example.query ? `?${example.query}` : '');
      let body: unknown = structuredClone(example.body);
      const name = example.source.split('/').pop();
      if (name === 'delete_snapshot.sh')
        path = path.replace('snapshot_name', encodeURIComponent(snapshot as string));
      if (name === 'recover_from_snapshot.sh') {
        body = { location: `${s.url}${COLLECTION}/snapshots/${encodeURIComponent(snapshot as string)}` };
      }
      if (name === 'query_batch_points.sh')
        delete (body as { searches: Record<string, unknown>[] }).searches[1].using;
      let response: HttpResult;
      if (example.form !== undefined) {
        const file = await fetch(`${s.url}${COLLECTION}/snapshots/${encodeURIComponent(snapshot as string)}`);
        assert.equal(file.status, 200, 'download the snapshot');
        const form = new FormData();
        form.append('snapshot', new Blob([await file.arrayBuffer()]), 'snapshot.snapshot');
        const raw = await fetch(s.url + path, { method: example.method, body: form });
        const text = await raw.text();
        response = { status: raw.status, headers: raw.headers, body: JSON.parse(text || 'null') };
      } else {
        response = await call(example.method, path, body);
      }
      const result = assertDocumented(example.method, example.path, response, example.title);
      if (name === 'count_points.sh' && example.body?.filter) {
        const reds = SEEDED_IDS.filter((_, i) => i % 3 === 0).length;
        assert.deepEqual(result, { count: reds });
      }
      if (name === 'upsert_points.sh') {
        const listed = await call('POST', `${COLLECTION}/points/scroll`, { limit: 10 });
        const ids = (
          assertDocumented('POST', `${COLLECTION}/points/scroll`, listed, 'scroll') as {
            points: { id: unknown }[];
          }
        ).points.map((p) => p.id);
        assert.deepEqual(ids, [1, 2, '76874cce-1fb9-4e16-9b0b-f085ac06ed6f']);
      }
      if (name === 'get_points.sh') assert.equal((result as unknown[]).length, 3);
      if (name === 'scroll_points.sh') {
        for (const p of (result as { points: { payload: Record<string, unknown> }[] }).points) {
          assert.deepEqual(Object.keys(p.payload).sort(), ['city', 'color']);
          assert.equal(p.payload.color, 'red');
        }
      }
    });
  }

  test('the walkthrough of the API reference gives its published answers', async () => {
    await call('DELETE', '/collections/test_collection');
    for (const step of published.walkthrough.steps) {
      const path = step.path + (step.query ? `?${step.query}` : '');
      const result = assertDocumented(
        step.method,
        step.path,
        await call(step.method, path, step.body),
        step.path,
      );
      if (Array.isArray(step.result)) {
        const hits = result as { id: unknown; score: number }[];
        assert.deepEqual(
          hits.map((h) => [h.id, Number(h.score.toFixed(3))]),
          (step.result as { id: number; score: number }[]).map((h) => [h.id, h.score]),
        );
      } else if (typeof step.result === 'object' && step.result !== null) {
        assert.equal((result as { status: unknown }).status, (step.result as { status: unknown }).status);
      } else {
        assert.deepEqual(result, step.result);
      }
    }
  });

  describe("the filtering guide's examples give its documented points", () => {
    before(async () => {
      for (const [dataset, rows] of Object.entries(published.filtering.datasets)) {
        const path = `/collections/doc_${dataset}`;
        assertDocumented(
          'PUT',
          COLLECTION,
          await call('PUT', path, { vectors: { size: 2, distance: 'Dot' } }),
          dataset,
        );
        const points = rows.map(({ id, ...payload }) => ({ id, vector: [1, id], payload }));
        assertDocumented(
          'PUT',
          `${COLLECTION}/points`,
          await call('PUT', `${path}/points?wait=true`, { points }),
          dataset,
        );
      }
    });

    for (const c of published.filtering.cases) {
      test(c.title, async () => {
        const path = `/collections/doc_${c.dataset}/points/scroll`;
        const response = await call('POST', path, { filter: c.filter, limit: 100 });
        const result = assertDocumented('POST', `${COLLECTION}/points/scroll`, response, c.title) as {
          points: { id: number; payload: Record<string, unknown> }[];
        };
        assert.deepEqual(
          result.points.map((p) => p.id),
          c.ids,
        );
        const rows = published.filtering.datasets[c.dataset];
        for (const p of result.points) {
          const { id: _, ...payload } = rows.find((r) => r.id === p.id) as { id: number };
          assert.deepEqual(p.payload, payload);
        }
      });
    }
  });
});
