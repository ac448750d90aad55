/**
 * The shared `Database` contract, continued (see `shared-suite.ts`): collections with named
 * vector fields, and recommendations. Registered inside the contract's `describe`, so each
 * case runs against the embedded engine and against the HTTP client alike. Results are
 * checked against float64 brute force over the stored (float32, normalized under cosine)
 * vectors; collections use the flat index so that every search is exact.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type Collection,
  type Database,
  DimensionMismatchError,
  InvalidArgumentError,
  type Metric,
  type PointId,
  SeededRandom,
} from '../src/index.js';
import { assertTopK, bruteForce, referenceScore } from './support/reference.js';

export function float32(v: ArrayLike<number>): number[] {
  return Array.from(Float32Array.from(v));
}

export function normalized(v: ArrayLike<number>): number[] {
  const f = Float32Array.from(v);
  const norm = Math.sqrt(f.reduce((s, x) => s + x * x, 0));
  return Array.from(f.map((x) => x / norm));
}

/** A vector as the engine stores it: float32, and L2-normalized under cosine. */
export function storedAs(metric: Metric, v: ArrayLike<number>): number[] {
  return metric === 'cosine' ? normalized(v) : float32(v);
}

export function gaussian(rng: SeededRandom, dimension: number): number[] {
  return Array.from({ length: dimension }, () => rng.gaussian());
}

const popcount = (x: number) => x.toString(2).replaceAll('0', '').length;

function hamming(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let bits = 0;
  for (let i = 0; i < a.length; i++) bits += popcount(a[i] ^ b[i]);
  return bits;
}

interface NamedItem {
  id: PointId;
  image?: number[];
  text?: number[];
  bits?: number[];
}

/** The named-vector and recommend cases; `db` is the contract's database of the moment. */
export function vectorCases(db: () => Database): void {
  test('named vectors: create, upsert with fields missing, search each field with using, get vectors', async () => {
    const c = await db().createCollection('named', {
      vectors: {
        image: { dimension: 4, metric: 'cosine' },
        text: { dimension: 3 },
        bits: { dimension: 16, metric: 'hamming' },
      },
      segmentSize: 20,
      index: { type: 'flat' },
    });
    assert.deepEqual([c.dimension, c.metric], [4, 'cosine']);
    const info = await c.info();
    assert.deepEqual(
      Object.entries(info.vectors ?? {}).map(([field, v]) => [field, v.dimension, v.metric]),
      [
        ['image', 4, 'cosine'],
        ['text', 3, 'l2'],
        ['bits', 16, 'hamming'],
      ],
    );
    const rng = new SeededRandom(11);
    // Every third point lacks an image, every fourth a text, every fifth its bits.
    const items: NamedItem[] = Array.from({ length: 50 }, (_, i) => ({
      id: i % 2 === 0 ? i : `n${i}`,
      image: i % 3 === 2 ? undefined : gaussian(rng, 4),
      text: i % 4 === 3 ? undefined : gaussian(rng, 3),
      bits: i % 5 === 4 ? undefined : [rng.int(256), rng.int(256)],
    }));
    const points = items.map(({ id, image, text, bits }) => {
      const vectors: Record<string, number[] | Float32Array | Uint8Array> = {};
      if (image !== undefined) vectors.image = Float32Array.from(image);
      if (text !== undefined) vectors.text = text;
      if (bits !== undefined) vectors.bits = Uint8Array.from(bits);
      return { id, vectors, payload: { i: String(id) } };
    });
    for (let i = 0; i < points.length; i += 20) await c.upsert(points.slice(i, i + 20));
    assert.equal(await c.count(), 50);
    assert.ok((await c.info()).sealedSegments >= 1, 'the points span sealed segments and the growing one');

    for (const [field, metric] of [
      ['image', 'cosine'],
      ['text', 'l2'],
    ] as const) {
      const dimension = field === 'image' ? 4 : 3;
      const having = items.filter((it) => it[field] !== undefined);
      const reference = having.map((it): [PointId, number[]] => [it.id, storedAs(metric, it[field]!)]);
      for (let q = 0; q < 3; q++) {
        const query = gaussian(rng, dimension);
        const expected = bruteForce(metric, reference, query);
        assertTopK(await c.search(query, { k: 6, using: field }), expected, 6);
        assertTopK(await c.search({ vector: query, using: field }, { k: 6 }), expected, 6);
      }
      const all = await c.search(gaussian(rng, dimension), { k: 100, using: field });
      assert.equal(all.length, having.length, `only points with a ${field} vector are found through it`);
    }
    const bitsQuery = [0b10110011, 0b00001111];
    const expectedBits = items
      .filter((it) => it.bits !== undefined)
      .map((it) => hamming(bitsQuery, it.bits!))
      .sort((a, b) => a - b);
    const bitHits = await c.search(Uint8Array.from(bitsQuery), { k: 8, using: 'bits', withVector: true });
    assert.deepEqual(
      bitHits.map((h) => h.score),
      expectedBits.slice(0, 8),
    );
    for (const hit of bitHits) {
      const item = items.find((it) => it.id === hit.id)!;
      assert.deepEqual(hit.vectors?.bits, Uint8Array.from(item.bits!));
    }

    const [full, noImage] = await c.get([items[0].id, items[2].id], { withVector: true });
    assert.equal(full.vector, undefined);
    assert.deepEqual(Object.keys(full.vectors ?? {}).sort(), ['bits', 'image', 'text']);
    assert.ok(full.vectors!.image instanceof Float32Array);
    const image = normalized(items[0].image!);
    for (const [i, x] of full.vectors!.image.entries())
      assert.ok(Math.abs(x - image[i]) < 1e-6, `image[${i}]`);
    assert.deepEqual(Array.from(full.vectors!.text), float32(items[0].text!));
    assert.deepEqual(full.vectors!.bits, Uint8Array.from(items[0].bits!));
    assert.deepEqual(Object.keys(noImage.vectors ?? {}).sort(), ['bits', 'text']);
    const [bare] = await c.get([items[0].id]);
    assert.equal(bare.vectors, undefined, 'vectors only when asked');
    const scrolled = await c.scroll({ limit: 5, withVector: true, withPayload: false });
    assert.ok(scrolled.points.every((p) => p.vectors !== undefined && p.payload === undefined));

    // An unknown field, and a wrong dimension in one field of one point: refused, nothing stored.
    await assert.rejects(c.search([1, 0, 0, 0], { using: 'audio' }), InvalidArgumentError);
    await assert.rejects(c.search({ vector: [1, 0, 0, 0], using: 'audio' }), InvalidArgumentError);
    await assert.rejects(c.search({ vector: [1, 0, 0], using: 'image' }), DimensionMismatchError);
    await assert.rejects(
      c.upsert([
        { id: 'fresh', vectors: { image: [1, 0, 0, 0], text: [1, 2, 3] } },
        { id: 'bad', vectors: { image: [1, 0, 0, 0], text: [1, 2] } },
      ]),
      DimensionMismatchError,
    );
    assert.equal(await c.count(), 50);
    assert.deepEqual(await c.get(['fresh', 'bad']), []);
    await db().dropCollection('named');
  });

  test('recommend, average strategy: one search for 2·avg(positive) − avg(negative), examples left out', async () => {
    const { c, unit, colour } = await recommendCollection(db(), 'rec-average');
    const plus = (a: number[], b: number[], s = 1) => a.map((x, i) => x + s * b[i]);
    const others = (...ids: PointId[]) => [...unit].filter(([id]) => !ids.includes(id));
    const avgPositive = plus(unit.get(2)!, unit.get('p1')!).map((x) => x / 2);
    const target = plus(plus(avgPositive, avgPositive), unit.get(4)!, -1);
    const expected = bruteForce('cosine', others(2, 'p1', 4), target);
    const hits = await c.recommend({ positive: [2, 'p1'], negative: [4] }, { k: 10 });
    assertTopK(hits, expected, 10);
    const explicit = await c.recommend(
      { positive: [2, 'p1'], negative: [4] },
      { k: 10, strategy: 'average' },
    );
    assert.deepEqual(explicit, hits);

    // One positive id: its nearest neighbours, itself left out; a vector example is not left out of anything.
    assertTopK(
      await c.recommend({ positive: [6] }, { k: 8 }),
      bruteForce('cosine', others(6), unit.get(6)!),
      8,
    );
    const v = [0.3, -1, 0.2, 0.5, 1, -0.4, 0.1, 0.9];
    assertTopK(await c.recommend({ positive: [v] }, { k: 8 }), bruteForce('cosine', others(), v), 8);

    // A filter applies; payloads and vectors come when asked.
    const red = { must: [{ key: 'colour', match: { value: 'red' } }] };
    const filtered = await c.recommend(
      { positive: [2, 'p1'], negative: [4] },
      { k: 5, filter: red, withPayload: true, withVector: true },
    );
    const isRed = (id: PointId) => colour.get(id) === 'red';
    assertTopK(filtered, bruteForce('cosine', others(2, 'p1', 4), target, isRed), 5);
    assert.ok(filtered.every((h) => h.payload?.colour === 'red' && h.vector?.length === DIM));

    // The negative example's nearest neighbour ranks lower with the negative than without.
    const neighbour = bruteForce('cosine', others(2, 'p1', 4), unit.get(4)!)[0].id;
    const rank = (hits: { id: PointId }[]) => hits.findIndex((h) => h.id === neighbour);
    const all = unit.size - 3;
    const without = await c.recommend({ positive: [2, 'p1'] }, { k: all });
    const withNegative = await c.recommend({ positive: [2, 'p1'], negative: [4] }, { k: all });
    assert.ok(
      rank(withNegative) > rank(without),
      `rank ${rank(withNegative)} with the negative, ${rank(without)} without`,
    );
    await db().dropCollection('rec-average');
  });

  test('recommend, best_score strategy: σ(best similarity to a positive), below all of those when a negative is nearer', async () => {
    const { c, unit } = await recommendCollection(db(), 'rec-best');
    const examples: PointId[] = [2, 'p1', 4];
    const candidates = [...unit].filter(([id]) => !examples.includes(id));
    const score = (v: number[], id: PointId) => referenceScore('cosine', v, unit.get(id)!);
    const positiveSide: { id: PointId; score: number }[] = [];
    for (const [id, v] of candidates) {
      const best = Math.max(score(v, 2), score(v, 'p1'));
      if (best > score(v, 4)) positiveSide.push({ id, score: sigmoid(best) });
    }
    positiveSide.sort((a, b) => b.score - a.score);
    assert.ok(
      positiveSide.length >= 10 && positiveSide.length < candidates.length,
      'both sides are populated',
    );
    const query = { positive: [2, 'p1'], negative: [4] };
    assertTopK(await c.recommend(query, { k: 10, strategy: 'best_score' }), positiveSide, 10);
    const everything = await c.recommend(query, { k: candidates.length, strategy: 'best_score' });
    assert.equal(everything.length, candidates.length);
    const nearer = new Set(positiveSide.map((p) => p.id));
    const firstNegativeSide = everything.findIndex((h) => !nearer.has(h.id));
    assert.equal(firstNegativeSide, positiveSide.length, 'points nearer the negative example come last');
    // Without negatives, best_score ranks by the best similarity to any positive.
    const noNegative = [...unit]
      .filter(([id]) => id !== 2 && id !== 'p1')
      .map(([id, v]) => ({ id, score: sigmoid(Math.max(score(v, 2), score(v, 'p1'))) }))
      .sort((a, b) => b.score - a.score);
    assertTopK(await c.recommend({ positive: [2, 'p1'] }, { k: 10, strategy: 'best_score' }), noNegative, 10);
    await db().dropCollection('rec-best');
  });
}

const DIM = 8;

/** The logistic function best_score maps similarities through (Qdrant's rule). */
function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * 150 points under cosine (ids alternate integers and strings: 0, 'p1', 2, 'p3', …), in
 * segments of 75; `unit` holds the stored vectors, `colour` the payload (every third is red).
 */
async function recommendCollection(
  db: Database,
  name: string,
): Promise<{ c: Collection; unit: Map<PointId, number[]>; colour: Map<PointId, string> }> {
  const rng = new SeededRandom(23);
  const c = await db.createCollection(name, {
    dimension: DIM,
    metric: 'cosine',
    segmentSize: 75,
    index: { type: 'flat' },
  });
  const unit = new Map<PointId, number[]>();
  const colour = new Map<PointId, string>();
  const points = Array.from({ length: 150 }, (_, i) => {
    const id = i % 2 === 0 ? i : `p${i}`;
    const vector = gaussian(rng, DIM);
    unit.set(id, normalized(vector));
    colour.set(id, i % 3 === 0 ? 'red' : 'blue');
    return { id, vector, payload: { colour: colour.get(id) } };
  });
  await c.upsert(points);
  return { c, unit, colour };
}
