/**
 * The raw material of `qdrant-fuzz-cases.ts`: valid requests per Qdrant route (to be broken),
 * wrong values, bad point ids, NaN-like strings, and filters that no valid request carries
 * (`BAD_FILTERS`) or that a lenient server might accept (`ODD_FILTERS`, sent with reads only).
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Request {
  method: string;
  /** Below the collection's path: `/points/search`, `/index?wait=true`, or '' for the collection itself. */
  path: string;
  body?: Json;
}

/**
 * Ids that no server may accept: not unsigned integers, not strings of 1–256 characters (so
 * invalid under Qdrant's rule and under Quiver's extension of it, which takes any other string
 * of 1–256 characters as an id as it is). Doomed writes use only these.
 */
export const INVALID_IDS: Json[] = [-1, 1.5, '', 'x'.repeat(257), 2 ** 64, 1e300, null, true, {}, [1]];

/**
 * Strings that are not UUIDs (Qdrant refuses them as ids; Quiver's extension takes them as
 * string ids), sent only where accepting them changes nothing: reads, and the scratch collection.
 */
export const NON_UUID_STRINGS: Json[] = [
  '1',
  'not-a-uuid',
  '123e4567-e89b-12d3-a456-42661417400',
  'g23e4567-e89b-12d3-a456-426614174000',
  '123e4567-e89b-12d3-a456-4266141740000',
  '{123e4567-e89b-12d3-a456-426614174000',
];

export const BAD_IDS: Json[] = [...INVALID_IDS, ...NON_UUID_STRINGS];

export const NAN_LIKE = [
  'NaN',
  'nan',
  'Infinity',
  '-Infinity',
  'inf',
  '1e999',
  '-0',
  '0x1F',
  '1_000',
  ' 1',
  '∞',
];

export const WRONG: Json[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  2 ** 64,
  Number.MAX_SAFE_INTEGER + 2,
  '',
  'text',
  'x'.repeat(3000),
  '\u0000\u202e',
  [],
  [null],
  [[[]]],
  {},
  { unknown: { deeper: [1, 'two'] } },
  ...NAN_LIKE,
];

/** Filters that no valid request may carry. */
export const BAD_FILTERS: Json[] = [
  5,
  'all',
  [],
  { must: 'x' },
  { must: [5] },
  { must: [{ key: 'n' }] },
  { must: [{ key: 'n', range: { gte: 'NaN' } }] },
  { must: [{ key: 'n', range: { gt: '2024-13-45T99:00:00Z' } }] },
  { must: [{ key: 'n', match: {} }] },
  { must: [{ key: 'n', match: { value: [1, 2] } }] },
  { must: [{ key: 'n', match: { any: 'a' } }] },
  { must: [{ key: 'n', match: { except: 5 } }] },
  { should: [{ has_id: ['not-a-uuid'] }] },
  { should: [{ has_id: 5 }] },
  { must: [{ is_empty: {} }] },
  { must: [{ is_null: { key: 7 } }] },
  { must: [{ key: 'n', values_count: { gt: -1 } }] },
  { must: [{ key: 'n', values_count: { lt: 'x' } }] },
  { must: [{ nested: { filter: { must: [] } } }] },
  { must: [{ nested: { key: 'a', filter: 'x' } }] },
  { min_should: { conditions: [{ key: 'n', match: { value: 1 } }], min_count: 'two' } },
  { min_should: { conditions: 'x', min_count: 1 } },
  { must: [{ key: 'g', geo_radius: { center: { lon: 500, lat: 0 }, radius: 10 } }] },
  { must: [{ key: 'g', geo_radius: { center: { lon: 0, lat: 0 }, radius: -10 } }] },
  { must: [{ key: 'g', geo_radius: { center: { lon: 0 }, radius: 10 } }] },
  {
    must: [
      { key: 'g', geo_bounding_box: { top_left: { lon: 0, lat: 100 }, bottom_right: { lon: 1, lat: 0 } } },
    ],
  },
  {
    must: [
      {
        key: 'g',
        geo_polygon: {
          exterior: {
            points: [
              { lon: 0, lat: 0 },
              { lon: 1, lat: 1 },
            ],
          },
        },
      },
    ],
  },
];

/** Filters that are odd but that a lenient server might accept: sent only with reads. */
export const ODD_FILTERS: Json[] = [
  { unknown_clause: [] },
  { must: [{ key: 'n', range: {} }] },
  { must: [{ key: '', match: { value: 1 } }] },
  { must: [{ key: 'n', match: { value: 1 }, range: { gte: 1 } }] },
  { must: [{ key: 'n', match: { text: '' } }] },
  { must: [{ key: 'g', geo_radius: { center: { lon: 0, lat: 0 }, radius: 1e308 } }] },
  { must: [{ has_id: [] }] },
  { should: [] },
  { must: { key: 'n', range: { gte: 1e308 } } },
];

/** Valid requests: `reads` change nothing; `writes` are for the `scratch` collection. */
export function validRequests(
  v: () => number[],
  filter: () => Json,
): { reads: Request[]; writes: Request[] } {
  const reads: Request[] = [
    { method: 'POST', path: '/points', body: { ids: [1, 2, 3], with_payload: true, with_vector: true } },
    {
      method: 'POST',
      path: '/points/scroll',
      body: { limit: 5, offset: 3, filter: filter(), with_payload: ['n'] },
    },
    {
      method: 'POST',
      path: '/points/scroll',
      body: { limit: 5, order_by: { key: 'n', direction: 'desc', start_from: 5 } },
    },
    { method: 'POST', path: '/points/count', body: { filter: filter(), exact: true } },
    {
      method: 'POST',
      path: '/points/search',
      body: {
        vector: v(),
        limit: 5,
        offset: 1,
        score_threshold: 0.1,
        params: { hnsw_ef: 32, exact: false },
      },
    },
    {
      method: 'POST',
      path: '/points/search/batch',
      body: {
        searches: [
          { vector: v(), limit: 3 },
          { vector: v(), limit: 2, filter: filter() },
        ],
      },
    },
    {
      method: 'POST',
      path: '/points/search/groups',
      body: { vector: v(), group_by: 'tag', limit: 3, group_size: 2 },
    },
    {
      method: 'POST',
      path: '/points/recommend',
      body: { positive: [1, 2], negative: [3], strategy: 'best_score', limit: 4 },
    },
    {
      method: 'POST',
      path: '/points/recommend/batch',
      body: {
        searches: [
          { positive: [1], limit: 2 },
          { positive: [v()], negative: [2], limit: 3 },
        ],
      },
    },
    {
      method: 'POST',
      path: '/points/recommend/groups',
      body: { positive: [1], group_by: 'tag', limit: 2, group_size: 2 },
    },
    {
      method: 'POST',
      path: '/points/query',
      body: { query: v(), limit: 5, with_payload: { include: ['n'] }, with_vector: false },
    },
    {
      method: 'POST',
      path: '/points/query',
      body: { query: { nearest: v(), mmr: { diversity: 0.5, candidates_limit: 20 } }, limit: 4 },
    },
    {
      method: 'POST',
      path: '/points/query',
      body: {
        prefetch: [
          { query: v(), limit: 10 },
          { query: v(), limit: 10, filter: filter() },
        ],
        query: { fusion: 'dbsf' },
        limit: 5,
      },
    },
    {
      method: 'POST',
      path: '/points/query',
      body: { query: { order_by: { key: 'n', direction: 'asc' } }, limit: 5 },
    },
    {
      method: 'POST',
      path: '/points/query',
      body: { query: { recommend: { positive: [1], negative: [2], strategy: 'sum_scores' } }, limit: 3 },
    },
    {
      method: 'POST',
      path: '/points/query/batch',
      body: {
        searches: [
          { query: v(), limit: 2 },
          { query: 3, limit: 2 },
        ],
      },
    },
    {
      method: 'POST',
      path: '/points/query/groups',
      body: { query: v(), group_by: 'tag', limit: 2, group_size: 2 },
    },
  ];
  const writes: Request[] = [
    {
      method: 'PUT',
      path: '/points?wait=true',
      body: { points: [{ id: 500, vector: v(), payload: { n: 1 } }] },
    },
    {
      method: 'PUT',
      path: '/points?wait=true',
      body: { batch: { ids: [501, 502], vectors: [v(), v()], payloads: [{ n: 1 }, null] } },
    },
    { method: 'POST', path: '/points/delete?wait=true', body: { points: [500] } },
    { method: 'POST', path: '/points/delete?wait=true', body: { filter: filter() } },
    { method: 'POST', path: '/points/payload?wait=true', body: { payload: { x: 1 }, points: [1] } },
    {
      method: 'PUT',
      path: '/points/payload?wait=true',
      body: { payload: { x: 1 }, filter: filter() },
    },
    { method: 'POST', path: '/points/payload/delete?wait=true', body: { keys: ['x'], points: [1] } },
    { method: 'POST', path: '/points/payload/clear?wait=true', body: { points: [2] } },
    { method: 'PUT', path: '/index?wait=true', body: { field_name: 'n', field_schema: 'integer' } },
    { method: 'PATCH', path: '', body: { optimizers_config: { indexing_threshold: 1000 } } },
  ];
  return { reads, writes };
}
