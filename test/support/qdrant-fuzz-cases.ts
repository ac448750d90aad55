/**
 * A seeded generator of malformed requests to Qdrant's REST routes, for
 * `qdrant-fuzz.test.ts`. Each case starts from a valid request for a route and breaks it:
 * wrong types at any depth, missing and unknown fields, bad point ids and UUIDs, NaN-like
 * strings, huge numbers, malformed filters, deep nesting, truncated or non-JSON text, wrong
 * content types, bad path and query parameters.
 *
 * Invariant the test relies on: a case aimed at the collection `target` either only reads,
 * or writes in a way that can never be valid (an id that is neither an unsigned integer nor
 * a string of 1–256 characters, a payload that is not an object, a malformed filter, an
 * unknown index kind, a snapshot location that does not exist), so no answer may change
 * `target`. Strings that are not UUIDs are valid ids under Quiver's documented extension
 * (README, "Ids"), so they go only to reads and to `scratch`. Arbitrary breakage of writes goes to the collection `scratch`,
 * whose contents are not checked.
 */
import { SeededRandom } from '../../src/index.js';
import {
  BAD_FILTERS,
  BAD_IDS,
  INVALID_IDS,
  type Json,
  ODD_FILTERS,
  validRequests,
  WRONG,
} from './qdrant-fuzz-values.js';

export const DIM = 4;
export const TARGET = '/collections/target';
export const SCRATCH = '/collections/scratch';

export interface FuzzCase {
  method: string;
  /** Path and query string. */
  path: string;
  /** The raw body (JSON text or not), or undefined for none. */
  body?: string;
  contentType: string;
  label: string;
}

function nest(depth: number, open: string, close: string, inner: string): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

export class FuzzGenerator {
  private readonly rng: SeededRandom;

  constructor(seed: number) {
    this.rng = new SeededRandom(seed);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.rng.int(items.length)];
  }

  private vector(length = DIM): number[] {
    return Array.from({ length }, () => Number(this.rng.gaussian().toFixed(3)));
  }

  private filter(): Json {
    return {
      must: [
        { key: 'n', range: { gte: this.rng.int(10) } },
        { key: 'tag', match: { any: ['a', 'b'] } },
      ],
    };
  }

  /** A valid request: a read, or a write meant for `scratch`. */
  private valid(): { method: string; path: string; body?: Json; writes: boolean } {
    const { reads, writes } = validRequests(
      () => this.vector(),
      () => this.filter(),
    );
    const read = this.rng.int(3) !== 0;
    const r = read ? this.pick(reads) : this.pick(writes);
    return { ...r, writes: !read, body: structuredClone(r.body) };
  }

  /** Sets the value at a random path of `body` (or adds an unknown key) to something wrong. */
  private breakValue(body: Json): Json {
    const paths: (string | number)[][] = [];
    const walk = (value: Json, path: (string | number)[]) => {
      paths.push(path);
      if (Array.isArray(value)) {
        for (const [i, v] of value.entries()) walk(v, [...path, i]);
      } else if (value !== null && typeof value === 'object')
        for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    };
    walk(body, []);
    const path = this.pick(paths.slice(1).length > 0 ? paths.slice(1) : paths);
    if (path.length === 0) return this.pick(WRONG);
    let parent = body as Record<string | number, Json>;
    for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, Json>;
    const last = path[path.length - 1];
    switch (this.rng.int(4)) {
      case 0:
        if (!Array.isArray(parent)) delete parent[last];
        else parent[last] = this.pick(WRONG);
        break;
      case 1:
        if (!Array.isArray(parent)) parent[`unknown_${this.rng.int(50)}`] = this.pick(WRONG);
        else parent[last] = this.pick(WRONG);
        break;
      case 2:
        parent[last] = this.pick(BAD_IDS);
        break;
      default:
        parent[last] = this.pick(WRONG);
    }
    return body;
  }

  /** A write aimed at `target` that can never be valid. */
  private doomedWrite(): { method: string; path: string; body?: Json } {
    const v = this.vector();
    switch (this.rng.int(11)) {
      case 0:
        return {
          method: 'PUT',
          path: '/points?wait=true',
          body: {
            points: [
              { id: 7, vector: v },
              { id: this.pick(INVALID_IDS), vector: v },
            ],
          },
        };
      case 1:
        return {
          method: 'PUT',
          path: '/points?wait=true',
          body: { points: [{ id: 7, vector: this.vector(this.pick([0, DIM - 1, DIM + 1, 50])) }] },
        };
      case 2:
        return {
          method: 'PUT',
          path: '/points',
          body: {
            points: [
              { id: 7, vector: v.map(String) },
              { id: 8, vector: [...v.slice(1), 'NaN'] },
            ],
          },
        };
      case 3:
        return { method: 'PUT', path: '/points', body: { batch: { ids: [7, 8], vectors: [v] } } };
      case 4:
        return {
          method: 'POST',
          path: '/points/delete',
          body: this.pick<Json>([
            { points: [1, this.pick(INVALID_IDS)] },
            { filter: this.pick(BAD_FILTERS) },
            {},
            { points: 'all' },
          ]),
        };
      case 5:
        return {
          method: this.pick(['POST', 'PUT']),
          path: '/points/payload',
          body: this.pick<Json>([
            { payload: this.pick<Json>([5, 'x', [1], null, true]), points: [1] },
            { payload: { x: 1 }, filter: this.pick(BAD_FILTERS) },
            { payload: { x: 1 }, points: [1, this.pick(INVALID_IDS)] },
            { payload: { x: 1 } },
          ]),
        };
      case 6:
        return {
          method: 'POST',
          path: '/points/payload/delete',
          body: this.pick<Json>([
            { keys: 'x', points: [1] },
            { keys: [1, null], points: [1] },
            { keys: ['n'], filter: this.pick(BAD_FILTERS) },
            { keys: ['n'] },
          ]),
        };
      case 7:
        return {
          method: 'POST',
          path: '/points/payload/clear',
          body: this.pick<Json>([
            { points: [this.pick(INVALID_IDS)] },
            { filter: this.pick(BAD_FILTERS) },
            {},
            { points: 5 },
          ]),
        };
      case 8:
        return {
          method: 'PUT',
          path: '/index',
          body: this.pick<Json>([
            {
              field_name: 'n',
              field_schema: this.pick<Json>(['vector', 'int', 5, null, { type: 'nope' }, {}]),
            },
            { field_schema: 'keyword' },
            { field_name: this.pick<Json>([5, null, [], '']), field_schema: 'keyword' },
          ]),
        };
      case 9:
        return {
          method: 'PUT',
          path: '/snapshots/recover',
          body: this.pick<Json>([
            {
              location: this.pick<Json>([
                '',
                'not a url',
                'ftp://127.0.0.1/x',
                'file:///nonexistent/quiver/x.snapshot',
                5,
                null,
              ]),
            },
            {},
            { location: 'file:///nonexistent/x.snapshot', priority: 'sideways' },
          ]),
        };
      default:
        return {
          method: 'DELETE',
          path: `/snapshots/${this.pick(['missing.snapshot', '..%2F..%2Fetc%2Fpasswd', '%00', 'x'.repeat(300)])}`,
        };
    }
  }

  private raw(text: string, i: number): { body: string; label: string; contentType?: string } {
    switch (i % 9) {
      case 0:
        return { body: text.slice(0, this.rng.int(Math.max(1, text.length))), label: 'truncated JSON' };
      case 1: {
        const literal = this.pick([
          'NaN',
          'Infinity',
          '-Infinity',
          '1e400',
          '-1e400',
          'undefined',
          '0x10',
          '.5',
          '1.',
          '+1',
        ]);
        return { body: text.replace(/-?\d+(\.\d+)?/, literal), label: `number literal ${literal}` };
      }
      case 2: {
        const huge = this.pick([
          '1e308',
          '18446744073709551616',
          '-9223372036854775809',
          '1e-400',
          '9'.repeat(400),
        ]);
        const field = this.pick([
          'limit',
          'offset',
          'id',
          'hnsw_ef',
          'group_size',
          'min_count',
          'radius',
          'count',
        ]);
        return { body: text.replace(/}$/, `,"${field}":${huge}}`), label: `huge number ${field}` };
      }
      case 3: {
        const depth = 200 + this.rng.int(20_000);
        return {
          body: this.pick([
            nest(depth, '[', ']', '1'),
            nest(depth, '{"a":', '}', '1'),
            `{"filter":${nest(Math.min(depth, 3000), '{"must":[', ']}', '{}')}}`,
            `{"vector":${nest(depth, '[', ']', '1')},"limit":1}`,
            `{"payload":${nest(depth, '{"a":', '}', '1')},"points":[1]}`,
          ]),
          label: `nesting ${depth}`,
        };
      }
      case 4:
        return {
          body: `${text}${this.pick([',', '}', ' garbage', '\u0000', '{}', ']'])}`,
          label: 'trailing junk',
        };
      case 5:
        return {
          body: text,
          contentType: this.pick([
            'text/plain',
            'application/octet-stream',
            'application/x-www-form-urlencoded',
            'multipart/form-data',
          ]),
          label: 'content type',
        };
      case 6:
        return {
          body: Array.from({ length: 1 + this.rng.int(200) }, () =>
            String.fromCharCode(this.rng.int(256)),
          ).join(''),
          label: 'random bytes',
        };
      case 7:
        return {
          body: this.pick([
            '{"__proto__":{"polluted":true},"limit":1}',
            '{"constructor":{"prototype":{"polluted":true}}}',
            '{"filter":{"__proto__":{"must":[]}}}',
          ]),
          label: 'prototype keys',
        };
      default:
        return { body: this.pick(['', 'null', '[]', '"text"', '0', 'true']), label: 'not an object' };
    }
  }

  /** A request whose path or query string is wrong (a body-less or simple one). */
  private badPath(): FuzzCase {
    const id = this.pick([
      'abc',
      '-1',
      '1.5',
      '18446744073709551616',
      '123e4567-e89b-12d3-a456-42661417400',
      '%7B%7D',
      '%00',
      'NaN',
      'x'.repeat(500),
    ]);
    const name = this.pick(['no_such', '%2E%2E', 'a%2Fb', '%F0%9F%92%A9', 'x'.repeat(300), '%00', ' ', '-']);
    const options: FuzzCase[] = [
      {
        method: 'GET',
        path: `${TARGET}/points/${id}`,
        contentType: 'application/json',
        label: `bad point id ${id.slice(0, 20)}`,
      },
      {
        method: 'GET',
        path: `/collections/${name}`,
        contentType: 'application/json',
        label: 'bad collection name',
      },
      {
        method: 'GET',
        path: `/collections/${name}/exists`,
        contentType: 'application/json',
        label: 'bad collection name exists',
      },
      {
        method: 'POST',
        path: `/collections/${name}/points/count`,
        body: '{}',
        contentType: 'application/json',
        label: 'count on a bad name',
      },
      {
        method: 'PUT',
        path: `${TARGET}/points?wait=${this.pick(['maybe', '2', '', 'NaN'])}&ordering=${this.pick(['weak', 'sideways', ''])}`,
        body: JSON.stringify({ points: [{ id: this.pick(INVALID_IDS), vector: this.vector() }] }),
        contentType: 'application/json',
        label: 'bad query string',
      },
      {
        method: 'POST',
        path: `${TARGET}/points/search?timeout=${this.pick(['-1', 'x', '1e999'])}&consistency=${this.pick(['all', 'none', '-3'])}`,
        body: JSON.stringify({ vector: this.vector(), limit: 3 }),
        contentType: 'application/json',
        label: 'odd query parameters on a read',
      },
      {
        method: this.pick(['PATCH', 'DELETE', 'PUT']),
        path: `${TARGET}/points/scroll`,
        body: '{}',
        contentType: 'application/json',
        label: 'wrong method',
      },
      {
        method: 'DELETE',
        path: `${TARGET}/index/${this.pick(['absent', '%00', 'a.b[]', 'x'.repeat(300)])}`,
        contentType: 'application/json',
        label: 'drop an index that does not exist',
      },
      {
        method: 'PUT',
        path: `/collections/${name}`,
        body: JSON.stringify({
          vectors: {
            size: this.pick<Json>([0, -1, 1.5, 1e9, '4', null]),
            distance: this.pick<Json>(['Cosine', 'cosine', 'L2', 5]),
          },
        }),
        contentType: 'application/json',
        label: 'create with a bad config',
      },
    ];
    return this.pick(options);
  }

  /** Case number `i`. */
  next(i: number): FuzzCase {
    const kind = i % 4;
    if (kind === 3) return this.badPath();
    if (kind === 2) {
      const doomed = this.doomedWrite();
      return {
        method: doomed.method,
        path: TARGET + doomed.path,
        body: JSON.stringify(doomed.body),
        contentType: 'application/json',
        label: 'doomed write',
      };
    }
    const valid = this.valid();
    const base = valid.writes ? SCRATCH : TARGET;
    if (valid.writes && valid.body !== undefined && this.rng.int(3) === 0) {
      // Aimed at target after all, but with a bad filter or bad ids: never valid.
      const body = valid.body as Record<string, Json>;
      let doomed = true;
      if ('filter' in body) body.filter = this.pick(BAD_FILTERS);
      else if (Array.isArray(body.points)) body.points = [...body.points, this.pick(INVALID_IDS)];
      else if (body.batch !== null && typeof body.batch === 'object' && !Array.isArray(body.batch)) {
        (body.batch as Record<string, Json>).ids = [600, this.pick(INVALID_IDS)];
      } else if ('field_schema' in body) body.field_schema = 'nonsense';
      else doomed = false;
      if (doomed) {
        return {
          method: valid.method,
          path: TARGET + valid.path,
          body: JSON.stringify(body),
          contentType: 'application/json',
          label: 'write with bad selector',
        };
      }
    }
    if (kind === 0) {
      const broken =
        this.rng.int(3) === 0 && !valid.writes
          ? { ...(valid.body as object), filter: this.pick([...BAD_FILTERS, ...ODD_FILTERS]) }
          : this.breakValue(valid.body ?? {});
      return {
        method: valid.method,
        path: base + valid.path,
        body: JSON.stringify(broken),
        contentType: 'application/json',
        label: 'wrong value',
      };
    }
    const raw = this.raw(JSON.stringify(valid.body ?? {}), i >> 2);
    return {
      method: valid.method,
      path: base + valid.path,
      body: raw.body,
      contentType: raw.contentType ?? 'application/json',
      label: raw.label,
    };
  }
}
