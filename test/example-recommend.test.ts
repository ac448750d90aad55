/**
 * The recommendation example on a subset (the first 2,000 Fashion-MNIST test images, 200
 * simulated users, seed 22): `Collection.recommend` with positives, negatives and a
 * `must_not has_id` filter never returns a seen item; the content + popularity method beats
 * the popularity baseline by the stated margins (measured when written: recall@10 0.0390 vs
 * 0.0290, nDCG@10 0.0457 vs 0.0303, recall@100 0.2595 vs 0.2085); plain `recommend` beats
 * random by far (recall@100 0.1995 vs 0.0450).
 * Skipped when Debian's `dataset-fashion-mnist` is not installed.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FASHION_MNIST_DIR } from '../bench/data/fashion-mnist.js';
import {
  loadCatalogue,
  type RecommendProtocol,
  type SimulatedUser,
  simulateUsers,
} from '../examples/support/recommend-data.js';
import {
  cutoffIndex,
  HYBRID_CANDIDATES,
  hybridLists,
  popularityLists,
  popularityRanking,
  randomLists,
  recommendLists,
  scoreLists,
  seenItems,
  storeCatalogue,
} from '../examples/support/recommend-eval.js';
import { recallCurvePlot } from '../examples/support/recommend-plot.js';
import { type EmbeddedCollection, Quiver } from '../src/index.js';

const SUBSET: RecommendProtocol = { items: 2000, users: 200, train: 20, heldOut: 10, negatives: 5, seed: 22 };
const MAX_K = 100;
const available = existsSync(join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz'));

describe('recommendation example (Fashion-MNIST subset, simulated users)', {
  skip: available ? false : `needs Debian's dataset-fashion-mnist in ${FASHION_MNIST_DIR}`,
}, () => {
  let dir: string;
  let db: Quiver;
  let items: EmbeddedCollection;
  let users: SimulatedUser[];
  let ranking: number[];

  before(async () => {
    const catalogue = loadCatalogue(SUBSET.items);
    users = simulateUsers(catalogue, SUBSET);
    ranking = popularityRanking(users, catalogue.count);
    dir = await mkdtemp(join(tmpdir(), 'quiver-recommend-test-'));
    db = await Quiver.open(dir);
    items = await storeCatalogue(db, 'items', catalogue);
  });

  after(async () => {
    await db?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('simulates disjoint train, held-out and skipped items, the same for the same seed', () => {
    const again = simulateUsers(loadCatalogue(SUBSET.items), SUBSET);
    assert.deepEqual(again, users);
    for (const user of users) {
      const all = [...user.train, ...user.heldOut, ...user.negatives];
      assert.equal(new Set(all).size, SUBSET.train + SUBSET.heldOut + SUBSET.negatives);
    }
  });

  it('never recommends a seen item, with any strategy', async () => {
    for (const strategy of ['average', 'best_score', 'sum_scores'] as const) {
      const lists = await recommendLists(items, users.slice(0, 10), MAX_K, { strategy, useNegatives: true });
      lists.forEach((list, u) => {
        assert.equal(list.length, MAX_K);
        const seen = new Set(seenItems(users[u]));
        assert.deepEqual(
          list.filter((item) => seen.has(item)),
          [],
          `${strategy}: user ${u}`,
        );
      });
    }
  });

  it('content + popularity beats the popularity baseline: recall@10 ≥ 0.035 and ≥ 1.2 ×, nDCG@10 ≥ 1.2 ×, recall@100 ≥ 1.1 ×', async () => {
    const at10 = cutoffIndex(10);
    const hybrid = scoreLists(users, await hybridLists(items, users, ranking, MAX_K, HYBRID_CANDIDATES));
    const popular = scoreLists(users, popularityLists(users, ranking, MAX_K));
    assert.equal(hybrid.seenReturned, 0);
    assert.ok(hybrid.recall[at10] >= 0.035, `hybrid recall@10 ${hybrid.recall[at10]}`);
    assert.ok(
      hybrid.recall[at10] >= 1.2 * popular.recall[at10],
      `hybrid ${hybrid.recall[at10]} vs popularity ${popular.recall[at10]}`,
    );
    assert.ok(
      hybrid.ndcg[at10] >= 1.2 * popular.ndcg[at10],
      `nDCG@10 ${hybrid.ndcg[at10]} vs ${popular.ndcg[at10]}`,
    );
  });

  it('recall@100 of recommend (average) ≥ 0.15 and ≥ 3 × the random baseline', async () => {
    const at100 = cutoffIndex(100);
    const content = scoreLists(
      users,
      await recommendLists(items, users, MAX_K, { strategy: 'average', useNegatives: true }),
    );
    const random = scoreLists(users, randomLists(users, SUBSET.items, MAX_K, SUBSET.seed + 1));
    assert.ok(content.recall[at100] >= 0.15, `recall@100 ${content.recall[at100]}`);
    assert.ok(
      content.recall[at100] >= 3 * random.recall[at100],
      `${content.recall[at100]} vs ${random.recall[at100]}`,
    );
  });

  it('plots one curve per method with a tooltip per cut-off', () => {
    const method = {
      name: 'm <1>',
      description: '',
      users: 1,
      recall: [0.1, 0.2],
      ndcg: [0.1, 0.2],
      seenReturned: 0,
      seconds: 1,
    };
    const svg = recallCurvePlot([method, { ...method, name: 'n' }], [1, 10], 'title');
    assert.equal(svg.match(/<polyline/g)?.length, 2);
    assert.equal(svg.match(/<title>/g)?.length, 4);
    assert.match(svg, /m &lt;1&gt;: recall@10 0\.200/);
    assert.throws(() => recallCurvePlot([method], [10, 1], 'title'), /increasing/);
  });
});
