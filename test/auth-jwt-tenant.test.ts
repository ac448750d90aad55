/**
 * The tenant filter claim (a token's `payload`): every read route answers from the tenant's
 * points only — search (and its batch, groups, range), query (plain, fused prefetches,
 * groups, by id), recommend (and batch, groups), count, scroll, retrieve, get one — whatever
 * the request's own filter says (`should`, `must_not`, double negation, `has_id`, `nested`,
 * `is_empty`); an id outside the tenant reads as one that does not exist; nothing may be
 * written. The filtered search is the exact best among the tenant's points (compared with
 * brute force over them). Also `TenantCollection.thumbnail` against a stub engine.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Collection, PointId, ScrollOptions } from '../src/db/types.js';
import type { Filter } from '../src/payload/filter.js';
import { TenantCollection } from '../src/server/auth-tenant.js';
import { token } from './support/jwt.js';
import { assertError, http, resultOf, startTestServer, type TestServer } from './support/server.js';

const ADMIN = 'admin-key-tenant-0123456789';
const N = 200;
const DIM = 4;

/** A fixed-seed generator (LCG), so the data and queries are the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const rand = random(21);
const vectors = Array.from({ length: N }, () => Array.from({ length: DIM }, () => rand() * 2 - 1));
/** Even ids are tenant a, odd ids tenant b; every point lists both tenants among its owners. */
const tenantOf = (id: number) => (id % 2 === 0 ? 'a' : 'b');
const points = vectors.map((vector, id) => ({
  id,
  vector,
  payload: { tenant: tenantOf(id), n: id, owners: [{ tenant: 'a' }, { tenant: 'b' }], group: id % 5 },
}));
const query = [0.3, -0.2, 0.5, 0.1];

const isB = { key: 'tenant', match: { value: 'b' } };
const widening: [string, unknown][] = [
  ['should: tenant b', { should: [isB] }],
  ['must_not: tenant a', { must_not: [{ key: 'tenant', match: { value: 'a' } }] }],
  ['double negation of b', { must_not: [{ must_not: [isB] }] }],
  ['has_id of b’s points', { must: [{ has_id: [1, 3, 5, 7, 9] }] }],
  [
    'should: has_id of b or tenant a',
    { should: [{ has_id: [1, 3, 5] }, { key: 'tenant', match: { value: 'a' } }] },
  ],
  ['nested: an owner is b', { must: [{ nested: { key: 'owners', filter: { must: [isB] } } }] }],
  ['should: is_empty tenant', { should: [{ is_empty: { key: 'tenant' } }, isB] }],
  ['min_should over b', { min_should: { conditions: [isB, { has_id: [1] }], min_count: 1 } }],
];

describe('tenant filter claim (payload)', () => {
  let s: TestServer;
  let tenantA: (method: string, path: string, body?: unknown) => ReturnType<typeof http>;
  const admin = (method: string, path: string, body?: unknown) =>
    http(s.url, method, path, body, { authorization: `Bearer ${ADMIN}` });

  before(async () => {
    s = await startTestServer({ keys: { admin: [ADMIN], readOnly: [] } });
    resultOf(await admin('PUT', '/collections/shared', { vectors: { size: DIM, distance: 'Euclid' } }));
    resultOf(await admin('PUT', '/collections/shared/points', { points }));
    const t = await token(
      { access: [{ collection: 'shared', access: 'r', payload: { tenant: 'a' } }] },
      ADMIN,
    );
    tenantA = (method, path, body) => http(s.url, method, path, body, { authorization: `Bearer ${t}` });
  });
  after(async () => {
    await s.stop();
  });

  const ids = (hits: { id: PointId }[]) => hits.map((h) => h.id as number);
  const assertTenantA = (found: number[], what: string) => {
    for (const id of found) assert.equal(tenantOf(id), 'a', `${what}: point ${id} is tenant b's`);
  };

  test('a search is the exact best among the tenant’s points (brute force, k = 10)', async () => {
    const exact = points
      .filter((p) => p.payload.tenant === 'a')
      .map((p) => ({ id: p.id, d: Math.hypot(...p.vector.map((x, i) => x - query[i])) }))
      .sort((x, y) => x.d - y.d)
      .slice(0, 10)
      .map((h) => h.id);
    const hits = resultOf<{ id: number }[]>(
      await tenantA('POST', '/collections/shared/points/search', { vector: query, limit: 10 }),
    );
    assert.deepEqual(ids(hits), exact, 'recall 1.0 against brute force over tenant a');
    const count = resultOf<{ count: number }>(await tenantA('POST', '/collections/shared/points/count', {}));
    assert.equal(count.count, N / 2);
  });

  test('the request’s own filter cannot widen the tenant filter, on any read route', async () => {
    for (const [what, filter] of widening) {
      const answers: [string, number[]][] = [];
      const search = (path: string, body: Record<string, unknown>) =>
        tenantA('POST', `/collections/shared/points/${path}`, body);
      answers.push(['search', ids(resultOf(await search('search', { vector: query, limit: 50, filter })))]);
      answers.push([
        'search/batch',
        resultOf<{ id: number }[][]>(
          await search('search/batch', {
            searches: [
              { vector: query, filter, limit: 50 },
              { vector: [1, 1, 1, 1], filter, limit: 50 },
            ],
          }),
        ).flatMap(ids),
      ]);
      const groups = resultOf<{ groups: { hits: { id: number }[] }[] }>(
        await search('search/groups', { vector: query, filter, group_by: 'group', limit: 5, group_size: 5 }),
      );
      answers.push(['search/groups', groups.groups.flatMap((g) => ids(g.hits))]);
      answers.push([
        'range',
        ids(resultOf(await search('range', { vector: query, score_threshold: 10, filter, limit: 200 }))),
      ]);
      const queried = resultOf<{ points: { id: number }[] }>(
        await search('query', { query, filter, limit: 50 }),
      );
      answers.push(['query', ids(queried.points)]);
      const fused = resultOf<{ points: { id: number }[] }>(
        await search('query', {
          prefetch: [
            { query, limit: 30 },
            { query: [1, 1, 1, 1], limit: 30 },
          ],
          query: { fusion: 'rrf' },
          filter,
          limit: 50,
        }),
      );
      answers.push(['query with fused prefetches', ids(fused.points)]);
      const qGroups = resultOf<{ groups: { hits: { id: number }[] }[] }>(
        await search('query/groups', { query, filter, group_by: 'group', limit: 5, group_size: 5 }),
      );
      answers.push(['query/groups', qGroups.groups.flatMap((g) => ids(g.hits))]);
      answers.push([
        'recommend',
        ids(resultOf(await search('recommend', { positive: [{ vector: query }], filter, limit: 50 }))),
      ]);
      answers.push([
        'recommend/batch',
        resultOf<{ id: number }[][]>(
          await search('recommend/batch', { searches: [{ positive: [{ vector: query }], filter }] }),
        ).flatMap(ids),
      ]);
      const rGroups = resultOf<{ groups: { hits: { id: number }[] }[] }>(
        await search('recommend/groups', {
          positive: [{ vector: query }],
          filter,
          group_by: 'group',
          limit: 5,
        }),
      );
      answers.push(['recommend/groups', rGroups.groups.flatMap((g) => ids(g.hits))]);
      const scrolled = resultOf<{ points: { id: number }[] }>(await search('scroll', { filter, limit: 200 }));
      answers.push(['scroll', ids(scrolled.points)]);
      for (const [route, found] of answers) assertTenantA(found, `${what}, ${route}`);

      const counted = resultOf<{ count: number }>(await search('count', { filter }));
      const expected = resultOf<{ count: number }>(
        await admin('POST', '/collections/shared/points/count', {
          filter: { must: [{ key: 'tenant', match: { value: 'a' } }, filter] },
        }),
      );
      assert.equal(counted.count, expected.count, `${what}: count`);
      assert.equal(counted.count, scrolled.points.length, `${what}: scroll`);
    }
  });

  test('an id outside the tenant reads as one that does not exist', async () => {
    const got = resultOf<{ id: number }[]>(
      await tenantA('POST', '/collections/shared/points', { ids: [1, 2, 3, 4] }),
    );
    assert.deepEqual(ids(got), [2, 4]);
    assertError(await tenantA('GET', '/collections/shared/points/3'), 404, 'POINT_NOT_FOUND');
    resultOf(await tenantA('GET', '/collections/shared/points/4'));
    for (const body of [{ positive: [3] }, { positive: [2], negative: [5] }]) {
      const answer = await tenantA('POST', '/collections/shared/points/recommend', body);
      assertError(answer, 400, 'INVALID_ARGUMENT');
      assert.match(JSON.stringify(answer.body), /no point has id [35]/);
    }
    assertError(
      await tenantA('POST', '/collections/shared/points/query', { query: 3 }),
      400,
      'INVALID_ARGUMENT',
    );
    assertError(
      await tenantA('POST', '/collections/shared/points/query', { query: { recommend: { positive: [3] } } }),
      400,
      'INVALID_ARGUMENT',
    );
    assertError(
      await tenantA('POST', '/collections/shared/points/recommend/groups', {
        positive: [3],
        group_by: 'group',
      }),
      400,
      'INVALID_ARGUMENT',
    );
    const byId = resultOf<{ points: { id: number }[] }>(
      await tenantA('POST', '/collections/shared/points/query', { query: 2, limit: 20 }),
    );
    assertTenantA(ids(byId.points), 'query by an id of the tenant');
    const page = resultOf<{ points: { id: number }[] }>(
      await tenantA('POST', '/collections/shared/points/scroll', { offset: 3, limit: 3 }),
    );
    assert.deepEqual(ids(page.points), [4, 6, 8], 'scroll from an id outside the tenant starts after it');
  });

  test('a token with a payload claim writes nothing', async () => {
    const writes: [string, string, unknown][] = [
      [
        'PUT',
        '/collections/shared/points',
        { points: [{ id: 1000, vector: [0, 0, 0, 0], payload: { tenant: 'a' } }] },
      ],
      [
        'POST',
        '/collections/shared/points/delete',
        { filter: { must: [{ key: 'tenant', match: { value: 'a' } }] } },
      ],
      ['POST', '/collections/shared/points/payload', { payload: { tenant: 'a' }, points: [1] }],
      ['POST', '/collections/shared/points/payload/clear', { points: [2] }],
      ['PUT', '/collections/shared/index', { field_name: 'tenant', field_schema: 'keyword' }],
      ['POST', '/collections/shared/flush', undefined],
      ['POST', '/collections/shared/snapshots', undefined],
    ];
    const rw = await token(
      { access: [{ collection: 'shared', access: 'rw', payload: { tenant: 'a' } }] },
      ADMIN,
    );
    for (const [method, path, body] of writes) {
      assertError(await tenantA(method, path, body), 403, 'FORBIDDEN');
      assertError(await http(s.url, method, path, body, { authorization: `Bearer ${rw}` }), 403, 'FORBIDDEN');
    }
    assert.equal(
      resultOf<{ count: number }>(await admin('POST', '/collections/shared/points/count', {})).count,
      N,
    );
  });

  test('a whole filter as the payload claim (Quiver): must, should and must_not hold as given', async () => {
    const claim = {
      must: [{ key: 'n', range: { lt: 50 } }],
      must_not: [{ key: 'tenant', match: { value: 'b' } }],
    };
    const t = await token({ access: [{ collection: 'shared', access: 'r', payload: claim }] }, ADMIN);
    const call = (path: string, body: unknown) =>
      http(s.url, 'POST', path, body, { authorization: `Bearer ${t}` });
    const counted = resultOf<{ count: number }>(
      await call('/collections/shared/points/count', { filter: { should: [isB] } }),
    );
    assert.equal(counted.count, 0);
    const all = resultOf<{ points: { id: number }[] }>(
      await call('/collections/shared/points/scroll', { limit: 100 }),
    );
    assert.deepEqual(
      ids(all.points),
      Array.from({ length: 25 }, (_, i) => i * 2),
    );
  });
});

describe('routes take a collection only through pathCollection', () => {
  /** `.collection(` calls that do not read points: the list's info, the snapshot route's 404 check. */
  const ALLOWED = new Set([
    'collections.ts: listed(await db.collection(name).info())',
    'snapshots.ts: db.collection(name); // 404',
  ]);

  test('no route file calls db.collection( directly (a read there would escape the tenant filter)', () => {
    const dir = new URL('../../src/server/routes/', import.meta.url);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'context.ts')) {
      const source = readFileSync(new URL(file, dir), 'utf8').replace(/\s*\n\s*\./g, '.');
      for (const line of source.split('\n').filter((l) => /\.collection\(/.test(l))) {
        const where = `${file}: ${line.trim()}`;
        assert.ok(
          [...ALLOWED].some(
            (allowed) => where.startsWith(allowed.split(': ')[0]) && where.includes(allowed.split(': ')[1]),
          ),
          `${where}: use pathCollection(db, request)`,
        );
      }
    }
  });
});

describe('TenantCollection', () => {
  /** An engine stub: points 1 and 2 exist, both with a thumbnail; only 2 is the tenant's. */
  const stub = {
    name: 'stub',
    async thumbnail(id: PointId) {
      return id === 1 || id === 2 ? Buffer.from(`webp-${id}`) : undefined;
    },
    async scroll(options: ScrollOptions) {
      const f = JSON.stringify(options.filter);
      assert.match(f, /"tenant"/, 'the lookup is held to the tenant filter');
      const asked = (options.filter as unknown as { must: [unknown, { must: [{ has_id: PointId[] }] }] })
        .must[1].must[0].has_id;
      return { points: asked.filter((id) => id === 2).map((id) => ({ id })) };
    },
  } as unknown as Collection;
  const tenant = { must: [{ key: 'tenant', match: { value: 'a' } }] } as unknown as Filter;

  test('thumbnail: the tenant’s point has one; another’s reads as absent', async () => {
    const scoped = new TenantCollection(stub, tenant);
    assert.deepEqual(await scoped.thumbnail(2, 'image'), Buffer.from('webp-2'));
    assert.equal(await scoped.thumbnail(1, 'image'), undefined);
    assert.equal(await scoped.thumbnail(3, 'image'), undefined);
  });
});
