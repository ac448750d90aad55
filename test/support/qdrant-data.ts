/**
 * Seeded data for the Qdrant-compatibility tests: points with integer and UUID ids, gaussian
 * vectors and payloads that exercise every part of Qdrant's filter language (keywords,
 * integers, distinct floats, arrays, full text, date-times, geo points, null / missing / empty
 * values, arrays of objects for `nested`), plus a Qdrant client bound to a test server.
 *
 * Invariants the tests rely on: the same seed gives the same points; prices are distinct (so
 * an order by price has no ties); title words are distinct and none contains another (so
 * Qdrant's substring `match.text` and token matching agree); UUIDs are canonical (lowercase,
 * hyphenated).
 */
import { QdrantClient } from '@qdrant/js-client-rest';
import { SeededRandom } from '../../src/index.js';

export const COLORS = ['red', 'green', 'blue', 'yellow'] as const;
export const TAGS = ['a', 'b', 'c', 'd', 'e'] as const;
export const WORDS = ['apple', 'river', 'stone', 'cloud', 'forest', 'ember', 'harbor', 'meadow'] as const;

/** A Qdrant point id: an unsigned integer or a canonical UUID string. */
export type QId = number | string;

export interface Review {
  stars: number;
  verified: boolean;
}

export interface ItemPayload {
  color: string;
  price: number;
  count: number;
  tags: string[];
  title: string;
  created: string;
  location: { lon: number; lat: number };
  /** `null` (id % 5 = 0), missing (1), `[]` (2), else a string. */
  note?: string | null | never[];
  reviews: Review[];
  group: number;
  meta: { level: number };
}

export interface Item {
  id: QId;
  vector: number[];
  payload: ItemPayload;
}

/** A UUID (version-4 layout) drawn from `rng`, canonical form. */
export function seededUuid(rng: SeededRandom): string {
  const hex = Array.from({ length: 32 }, () => rng.int(16).toString(16));
  hex[12] = '4';
  hex[16] = ((rng.int(4) + 8) as number).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

export function gaussianVector(rng: SeededRandom, dim: number): number[] {
  return Array.from({ length: dim }, () => Number(rng.gaussian().toFixed(4)));
}

/**
 * `n` items of dimension `dim`: one in ten has a UUID id, the others the integer ids
 * 0, 1, 2, … in order (gaps where the UUIDs are). Every item's `id % 5` rule for `note` uses
 * its position.
 */
export function makeItems(n: number, dim: number, seed: number): Item[] {
  const rng = new SeededRandom(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const items: Item[] = [];
  for (let i = 0; i < n; i++) {
    const id: QId = i % 10 === 7 ? seededUuid(rng) : i;
    const tags = TAGS.filter(() => rng.next() < 0.35);
    const title = [0, 1, 2].map(() => WORDS[rng.int(WORDS.length)]).join(' ');
    const day = 1 + rng.int(28);
    const hour = rng.int(24);
    const created = `2024-02-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:30:00Z`;
    const payload: ItemPayload = {
      color: COLORS[rng.int(COLORS.length)],
      price: Number((order[i] * 0.25 + 1).toFixed(2)),
      count: rng.int(10),
      tags,
      title,
      created,
      location: {
        lon: Number((rng.next() * 40 - 10).toFixed(4)),
        lat: Number((rng.next() * 25 + 35).toFixed(4)),
      },
      reviews: Array.from({ length: rng.int(4) }, () => ({
        stars: 1 + rng.int(5),
        verified: rng.next() < 0.5,
      })),
      group: rng.int(7),
      meta: { level: rng.int(5) },
    };
    const rule = i % 5;
    if (rule === 0) payload.note = null;
    else if (rule === 2) payload.note = [];
    else if (rule !== 1) payload.note = WORDS[rng.int(WORDS.length)];
    items.push({ id, vector: gaussianVector(rng, dim), payload });
  }
  return items;
}

/** Qdrant's order of ids: integers ascending, then UUIDs (canonical strings compare like their 128-bit values). */
export function compareQIds(a: QId, b: QId): number {
  if (typeof a === 'number') return typeof b === 'number' ? a - b : -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A client for the server at `url` (no version check: that is tested on its own). */
export function qdrantClient(url: string): QdrantClient {
  return new QdrantClient({ url, checkCompatibility: false });
}

/**
 * A predicate for `assert.rejects`: the client's error for an HTTP answer with `status` (or,
 * for `'4xx'`, any client error), whose body is Qdrant's error shape `{ status: { error: string } }`.
 */
export function apiError(status: number | '4xx'): (error: unknown) => boolean {
  return (error: unknown) => {
    const e = error as { status?: number; data?: { status?: { error?: unknown } } };
    const ok =
      status === '4xx' ? e.status !== undefined && e.status >= 400 && e.status < 500 : e.status === status;
    if (!ok) {
      throw new Error(`expected HTTP ${status}, got ${e.status}: ${JSON.stringify(e.data ?? String(error))}`);
    }
    if (typeof e.data?.status?.error !== 'string') {
      throw new Error(`no { status: { error } } in ${JSON.stringify(e.data)}`);
    }
    return true;
  };
}
