/**
 * Malformed requests made from a plausible one: a value of the wrong type, a missing field,
 * a huge number, `NaN` and friends, deep nesting, invalid UTF-8 bytes inside a string, a
 * wrong content type, a body over the size limit, an array longer than the limits allow, an
 * unknown field, truncated JSON, random bytes, prototype keys, odd path parameters, a missing
 * body. Each request names its mutation, so statuses can be counted per mutation.
 */
import type { SeededRandom } from '../../src/index.js';
import type { Route } from './openapi-routes.js';

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** The mutation applied. */
  label: string;
  /** Whether the body holds bytes that are not UTF-8. */
  invalidUtf8: boolean;
}

/** Where a value sits: `holder[key]`. */
interface Slot {
  holder: Record<string, unknown> | unknown[];
  key: string | number;
}

const RAW = '__stress_raw__';
/** Longer than any per-request item limit the fuzzed server has (points, ids, queries). */
const OVERSIZED_ARRAY = 1001;
const BODY_MUTATIONS = [
  'wrong type',
  'missing field',
  'huge number',
  'NaN string',
  'deep nesting',
  'invalid UTF-8',
  'content type',
  'oversized body',
  'oversized array',
  'unknown field',
  'truncated JSON',
  'random bytes',
  'prototype keys',
  'path parameter',
  'no body',
] as const;
const BODYLESS_MUTATIONS = ['path parameter', 'unexpected body', 'invalid UTF-8', 'deep nesting'] as const;
const GET_MUTATIONS = ['path parameter', 'query string'] as const;

const VALUES_BY_TYPE: Record<string, unknown[]> = {
  null: [null],
  boolean: [true, false],
  string: ['text', '', '\u0000\u202e'],
  number: [-1, 1.5, 0],
  array: [[], [null]],
  object: [{}, { nested: [1, 'two'] }],
};
const HUGE = [
  '1e308',
  '-1e308',
  '18446744073709551616',
  '1e-400',
  '9'.repeat(400),
  '1e999',
  '-0',
  '4294967296',
];
const NOT_A_NUMBER = [
  '"NaN"',
  'NaN',
  'Infinity',
  '-Infinity',
  '"Infinity"',
  '"1e3"',
  'undefined',
  '0x10',
  '.5',
];
const CONTENT_TYPES = [
  'text/plain',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/jsonx',
  'application/xml',
];
/** Byte sequences that are not UTF-8: a stray continuation byte, truncated and overlong sequences, a surrogate, 0xFF. */
const INVALID_UTF8 = [
  [0xff],
  [0x80],
  [0xc3, 0x28],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xc0, 0xaf],
  [0xf8, 0x88, 0x80, 0x80],
];
const ODD_NAMES = [
  '',
  'a'.repeat(300),
  '..%2F..%2Fetc',
  '%00',
  '%C3%28',
  '%F0%9F%98%80',
  'na%20me',
  '.',
  '..',
  '%2e%2e',
  'x'.repeat(65),
  'absent',
  '%FF',
];

export interface MutationContext {
  rng: SeededRandom;
  /** The server's body limit, in bytes. */
  bodyBytes: number;
  /** A path parameter's usual value for this route. */
  param: (route: Route, name: string) => string;
}

export function mutate(route: Route, body: unknown, ctx: MutationContext): FuzzRequest {
  const { rng } = ctx;
  const kinds: readonly string[] =
    route.method === 'GET' ? GET_MUTATIONS : route.body ? BODY_MUTATIONS : BODYLESS_MUTATIONS;
  const label = kinds[rng.int(kinds.length)];
  const request: FuzzRequest = {
    method: route.method,
    path: fillPath(route, ctx, label === 'path parameter'),
    headers: route.method === 'GET' ? {} : { 'content-type': 'application/json' },
    label,
    invalidUtf8: false,
  };
  const root = (body ?? {}) as Record<string, unknown>;
  switch (label) {
    case 'path parameter':
      if (route.body) request.body = JSON.stringify(root);
      break;
    case 'query string':
      request.path += `?${pick(rng, ['x=%FF', 'k=1e999', 'a[b][c]=1', '__proto__[x]=1', `q=${'%'.repeat(50)}`])}`;
      break;
    case 'unexpected body':
      request.body = pick(rng, ['{"extra":true}', '[]', 'null', 'garbage', '{"a":'.repeat(50)]);
      break;
    case 'no body':
      if (rng.int(2) === 0) request.body = '';
      else delete request.headers['content-type'];
      break;
    case 'wrong type': {
      const slot = pickSlot(root, rng);
      setSlot(slot, wrongTypeFor(slot ? getSlot(slot) : root, rng));
      request.body = JSON.stringify(root);
      break;
    }
    case 'missing field': {
      const holders = [root, ...slots(root).map(getSlot).filter(isObject)];
      const holder = holders[rng.int(holders.length)];
      const keys = Object.keys(holder);
      if (keys.length > 0) delete holder[keys[rng.int(keys.length)]];
      request.body = JSON.stringify(root);
      break;
    }
    case 'huge number':
      request.body = withRaw(root, pickSlot(root, rng, isNumber), pick(rng, HUGE));
      break;
    case 'NaN string':
      request.body = withRaw(root, pickSlot(root, rng, isNumber), pick(rng, NOT_A_NUMBER));
      break;
    case 'deep nesting': {
      const depth = 1000 + rng.int(40_000);
      const [open, close] = pick(rng, [
        ['[', ']'],
        ['{"a":', '}'],
        ['{"must":[', ']}'],
      ]);
      request.body = withRaw(root, pickSlot(root, rng), `${open.repeat(depth)}1${close.repeat(depth)}`);
      break;
    }
    case 'invalid UTF-8': {
      const text = withRaw(
        root,
        pickSlot(root, rng, (v) => typeof v === 'string'),
        `"ab${RAW}cd"`,
      );
      const [before, after] = text.split(RAW);
      request.body = Buffer.concat([
        Buffer.from(before),
        Buffer.from(pick(rng, INVALID_UTF8)),
        Buffer.from(after),
      ]);
      request.invalidUtf8 = true;
      break;
    }
    case 'content type':
      request.headers['content-type'] = pick(rng, CONTENT_TYPES);
      request.body = JSON.stringify(root);
      break;
    case 'oversized body':
      request.body = withRaw(
        root,
        pickSlot(root, rng, (v) => typeof v === 'string'),
        `"${'A'.repeat(ctx.bodyBytes + 1024)}"`,
      );
      break;
    case 'oversized array': {
      const arrays = slots(root).filter(
        (slot) => Array.isArray(getSlot(slot)) && (getSlot(slot) as unknown[]).length > 0,
      );
      const slot = arrays.length > 0 ? arrays[rng.int(arrays.length)] : undefined;
      if (slot) {
        const items = getSlot(slot) as unknown[];
        setSlot(
          slot,
          Array.from({ length: OVERSIZED_ARRAY }, () => items[0]),
        );
      }
      request.body = JSON.stringify(root);
      break;
    }
    case 'unknown field':
      if (isObject(root)) root[`unknown_${rng.int(100)}`] = pick(rng, [1, 'x', null, [], {}]);
      request.body = JSON.stringify(root);
      break;
    case 'truncated JSON': {
      const text = JSON.stringify(root);
      request.body = text.slice(0, rng.int(text.length));
      break;
    }
    case 'random bytes':
      request.body = Uint8Array.from({ length: 1 + rng.int(300) }, () => rng.int(256));
      request.invalidUtf8 = true;
      break;
    default:
      request.body = JSON.stringify(root).replace(
        /^\{/,
        pick(rng, ['{"__proto__":{"polluted":true},', '{"constructor":{"prototype":{"polluted":true}},']),
      );
  }
  return request;
}

function fillPath(route: Route, ctx: MutationContext, odd: boolean): string {
  const oddOne = odd ? ctx.rng.int(route.params.length) : -1;
  let i = 0;
  return route.template.replace(/\{(\w+)\}/g, (_, name: string) =>
    i++ === oddOne ? pick(ctx.rng, ODD_NAMES) : encodeURIComponent(ctx.param(route, name)),
  );
}

function pick<T>(rng: SeededRandom, items: readonly T[]): T {
  return items[rng.int(items.length)];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNumber(v: unknown): boolean {
  return typeof v === 'number';
}

/** Every value inside `root`, with where it sits (at most a few thousand). */
function slots(root: unknown): Slot[] {
  const out: Slot[] = [];
  const visit = (value: unknown) => {
    if (out.length > 5000) return;
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        out.push({ holder: value, key: i });
        visit(v);
      });
    } else if (isObject(value)) {
      for (const [k, v] of Object.entries(value)) {
        out.push({ holder: value, key: k });
        visit(v);
      }
    }
  };
  visit(root);
  return out;
}

/** A random slot whose value passes `accept`, else any slot; undefined for an empty body. */
function pickSlot(
  root: unknown,
  rng: SeededRandom,
  accept: (v: unknown) => boolean = () => true,
): Slot | undefined {
  const all = slots(root);
  const fitting = all.filter((s) => accept(getSlot(s)));
  const from = fitting.length > 0 ? fitting : all;
  return from.length > 0 ? from[rng.int(from.length)] : undefined;
}

function getSlot(slot: Slot): unknown {
  return (slot.holder as Record<string | number, unknown>)[slot.key];
}

function setSlot(slot: Slot | undefined, value: unknown): void {
  if (slot) (slot.holder as Record<string | number, unknown>)[slot.key] = value;
}

/** `root` as JSON text with the value at `slot` (or the whole body) replaced by `raw` text. */
function withRaw(root: unknown, slot: Slot | undefined, raw: string): string {
  if (!slot) return raw;
  setSlot(slot, RAW);
  return JSON.stringify(root).replace(`"${RAW}"`, raw);
}

/** A value of another JSON type than `value`'s, as a client mixing up types would send. */
function wrongTypeFor(value: unknown, rng: SeededRandom): unknown {
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  const others = Object.entries(VALUES_BY_TYPE)
    .filter(([t]) => t !== type)
    .flatMap(([, values]) => values);
  return pick(rng, others);
}
