/**
 * The console's explained results and missing thumbnails in a real browser (Debian's
 * chromium through puppeteer-core) against a real `QuiverServer` without keys:
 * - a hybrid search (BM25 + vector, RRF) with "Explain" on: the first hit's panel shows each
 *   query term's tf, df and contribution as the REST answer has them, their sum (the BM25
 *   score), each branch's rank with the RRF formula written out, and the fusion sum, which
 *   is the hit's score; the filter condition names the keyword index that answered it, and
 *   the path says the planner scanned the filter's rows exactly, and why;
 * - a vector search on an SQ8 index: the panel shows the codes' approximate distance beside
 *   the exact one;
 * - a collection that keeps thumbnails, with points written as vectors (no image): results
 *   show the placeholder, and the browser logs no error (the console asks with
 *   `?optional=true`, answered 204, instead of a 404).
 * Any browser console error or page exception fails the test.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
import { SeededRandom } from '../src/index.js';
import {
  type ConsoleSession,
  type PageDocument,
  type PageElement,
  setFieldValue,
  startConsoleSession,
  textOf,
} from './support/console-browser.js';
import { http, resultOf, startTestServer, type TestServer } from './support/server.js';

declare const document: PageDocument;

const NOTES = ['a red fox in the snow', 'a blue whale far out at sea', 'a green frog by the pond'];
const POINTS = 300;
const DIM = 16;

interface Bm25Term {
  term: string;
  tf: number;
  df: number;
  contribution: number;
}
interface Explained {
  id: number;
  score: number;
  explain: {
    kind: string;
    path?: { method: string; reason: string };
    text?: { terms: Bm25Term[]; score: number };
    fusion?: { branches: { branch: string; rank?: number; contribution: number }[]; score: number };
    vector?: { approximateDistance?: number; exactDistance: number };
  };
}

/** The console's `formatNumber` for the numbers these steps show (six significant digits). */
const shown = (x: number) => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6))));

describe('web console in chromium: explained results and missing thumbnails', () => {
  let s: TestServer;
  let cp: ConsoleSession;
  let page: Page;
  let vectors: number[][];
  const call = (method: string, path: string, body?: unknown) => http(s.url, method, path, body);
  const goto = (hash: string) => cp.goto(hash);

  before(async () => {
    s = await startTestServer();
    const rng = new SeededRandom(21);
    vectors = Array.from({ length: POINTS }, (_, i) =>
      Array.from({ length: DIM }, (_, d) => (d % 3 === i % 3 ? 4 : 0) + rng.gaussian()),
    );
    const points = vectors.map((vector, i) => ({
      id: i,
      vector,
      // Point 1's note is the shortest whale note: the best BM25 score for "blue whale" (the
      // others tie, in the order their sealed segment stores them).
      payload: { cluster: `c${i % 3}`, note: i === 1 ? NOTES[1] : `${NOTES[i % 3]} number ${i}` },
    }));
    for (const [name, index] of [
      ['notes', undefined],
      ['codes', 'SQ8'],
    ] as const) {
      resultOf(
        await call('PUT', `/collections/${name}`, {
          vectors: { size: DIM, distance: 'Euclid' },
          payload_indexes: { note: 'text', cluster: 'keyword' },
          ...(index === undefined ? {} : { index }),
        }),
      );
      resultOf(await call('PUT', `/collections/${name}/points?wait=true`, { points }));
      // Sealed (and indexed): the path is the index's, not the growing segment's scan.
      resultOf(await call('POST', `/collections/${name}/flush`));
    }
    cp = await startConsoleSession();
    page = cp.page;
    await page.goto(`${s.url}/console/`);
    await page.waitForSelector('[data-testid=role]');
  });
  after(async () => {
    await cp?.close();
    await s?.stop();
  });

  test('hybrid search with Explain: BM25 terms, the RRF arithmetic and its sum, the filter and the path', async () => {
    const filter = { must: [{ key: 'cluster', match: { value: 'c1' } }] };
    const body = {
      vector: vectors[1],
      text: 'blue whale',
      text_field: 'note',
      fusion: 'rrf',
      filter,
      limit: 5,
      explain: true,
    };
    const expected = resultOf<Explained[]>(await call('POST', '/collections/notes/points/search', body));
    assert.equal(expected[0].id, 1, 'point 1: nearest to its own vector, and the best whale note');

    await goto('#/collections/notes/search');
    await (await page.waitForSelector('[data-testid=mode-text]'))!.click();
    await page.type('[data-testid=query-text]', 'blue whale');
    await setFieldValue(page, '[data-testid=query-vector]', JSON.stringify(vectors[1]));
    await setFieldValue(page, '[data-testid=query-k]', '5');
    await setFieldValue(page, '[data-testid=filter-input]', JSON.stringify(filter));
    await page.click('[data-testid=explain-toggle]');
    await page.click('[data-testid=search-run]');
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid=result] [data-testid=explain]').length === 5,
    );
    const ids = await page.$$eval('[data-testid=result]', (items) =>
      items.map((i) => Number(i.getAttribute('data-id'))),
    );
    assert.deepEqual(
      ids,
      expected.map((h) => h.id),
    );

    const first = '[data-testid=result]:first-child';
    await page.click(`${first} [data-testid=explain] > summary`);
    await page.waitForSelector(`${first} [data-testid=explain-bm25]`, { visible: true });

    // BM25: a row per query term, as the REST answer has them, and their sum.
    const terms = await page.$$eval(`${first} [data-testid=bm25-term]`, (rows) =>
      rows.map((r) =>
        [...r.querySelectorAll('th, td')].map((c) => (c as unknown as PageElement).textContent ?? ''),
      ),
    );
    const text = expected[0].explain.text!;
    assert.deepEqual(
      terms.map(([term, , tf, df, , , contribution]) => ({ term, tf, df, contribution })),
      text.terms.map((t) => ({
        term: t.term,
        tf: String(t.tf),
        df: String(t.df),
        contribution: shown(t.contribution),
      })),
    );
    assert.deepEqual(
      text.terms.map((t) => t.term),
      ['blue', 'whale'],
    );
    assert.ok(text.terms.every((t) => t.tf === 1 && t.contribution > 0));
    assert.equal(await textOf(page, `${first} [data-testid=bm25-sum]`), `${shown(text.score)} ✓`);

    // Fusion: both branches found it; each adds 1 / (60 + rank), and the sum is the hit's score.
    const fusion = expected[0].explain.fusion!;
    const ranks = fusion.branches.map((b) => b.rank);
    assert.deepEqual(
      fusion.branches.map((b) => b.branch),
      ['vector', 'text'],
    );
    assert.ok(ranks.every((r) => r !== undefined));
    assert.equal(fusion.score, expected[0].score);
    const branches = await page.$$eval(`${first} [data-testid=fusion-branch]`, (rows) =>
      rows.map((r) => [
        r.getAttribute('data-branch'),
        r.querySelector('[data-testid=fusion-rank]')?.textContent,
        r.querySelector('[data-testid=fusion-contribution]')?.textContent,
      ]),
    );
    assert.deepEqual(
      branches,
      fusion.branches.map((b) => [
        b.branch,
        String(b.rank),
        `1 / (60 + ${b.rank}) = ${shown(1 / (60 + b.rank!))}`,
      ]),
    );
    const [v, t] = ranks.map((r) => 1 / (60 + r!));
    assert.equal(v + t, expected[0].score, 'the contributions add up to the score');
    assert.equal(
      await textOf(page, `${first} [data-testid=fusion-sum]`),
      `${shown(v)} + ${shown(t)} = ${shown(expected[0].score)} ✓`,
    );
    assert.match(
      await textOf(page, `${first} [data-testid=fusion-formula]`),
      /rrf: score = Σ weight \/ \(60 \+ rank\)/,
    );

    // The filter's one condition, answered by the keyword index.
    assert.deepEqual(
      await page.$$eval(`${first} [data-testid=filter-answered-by]`, (cells) =>
        cells.map((c) => c.textContent),
      ),
      ['keyword index'],
    );
    // The filter leaves 100 of the sealed segment's 300 rows: the planner scans them exactly.
    const path = expected[0].explain.path!;
    assert.equal(path.method, 'exact-scan');
    assert.equal(await textOf(page, `${first} [data-testid=explain-method]`), 'exact scan');
    assert.match(await textOf(page, `${first} [data-testid=explain-filtered]`), /^100 rows pass the filter/);
    assert.equal(await textOf(page, `${first} [data-testid=explain-reason]`), path.reason);

    // The raw JSON is there too, behind its own toggle (closed).
    assert.equal(
      await page.$eval(`${first} details.explain-raw`, (e) => (e as unknown as PageElement).open),
      false,
    );
    await cp.shoot('13-search-explain', first);

    // A phone screen: the open panel's tables scroll inside their frames, not the page.
    await page.setViewport({ width: 390, height: 844 });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than the screen`);
    await page.setViewport({ width: 1280, height: 800 });
  });

  test("a quantized index (SQ8): the panel shows the codes' approximate distance beside the exact one", async () => {
    const expected = resultOf<Explained[]>(
      await call('POST', '/collections/codes/points/search', {
        vector: vectors[7],
        limit: 3,
        explain: true,
      }),
    );
    const vector = expected[0].explain.vector!;
    assert.ok(vector.approximateDistance !== undefined);
    assert.notEqual(vector.approximateDistance, vector.exactDistance);

    await goto('#/collections/codes/search');
    await (await page.waitForSelector('[data-testid=mode-vector]'))!.click();
    await setFieldValue(page, '[data-testid=query-vector]', JSON.stringify(vectors[7]));
    await setFieldValue(page, '[data-testid=query-k]', '3');
    const toggle = await page.$eval(
      '[data-testid=explain-toggle]',
      (e) => (e as unknown as { checked: boolean }).checked,
    );
    if (!toggle) await page.click('[data-testid=explain-toggle]');
    await page.click('[data-testid=search-run]');
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid=result] [data-testid=explain]').length === 3,
    );
    const first = '[data-testid=result]:first-child';
    await page.click(`${first} [data-testid=explain] > summary`);
    await page.waitForSelector(`${first} [data-testid=explain-approximate]`, { visible: true });
    assert.equal(
      await textOf(page, `${first} [data-testid=explain-exact]`),
      shown(expected[0].explain.vector!.exactDistance),
    );
    assert.match(await textOf(page, `${first} [data-testid=explain-method]`), /^quantized scan|^graph walk/);
  });

  test('a point without an image shows the placeholder thumbnail and no browser error', async () => {
    resultOf(
      await call('PUT', '/collections/pictures', {
        vectors: { image: { provider: 'mobilenet-v2', store_input: 'thumbnail' } },
      }),
    );
    const rng = new SeededRandom(5);
    const unit = () => Array.from({ length: 1280 }, () => rng.gaussian());
    const points = [1, 2, 3].map((id) => ({ id, vector: { image: unit() }, payload: { n: id } }));
    resultOf(await call('PUT', '/collections/pictures/points?wait=true', { points }));
    // The route: 404 by default, 204 with `?optional=true` (what the console asks).
    assert.equal((await call('GET', '/collections/pictures/points/1/thumbnail/image')).status, 404);
    const optional = await fetch(`${s.url}/collections/pictures/points/1/thumbnail/image?optional=true`);
    assert.equal(optional.status, 204);
    assert.equal((await optional.arrayBuffer()).byteLength, 0);

    await goto('#/collections/pictures/search');
    await (await page.waitForSelector('[data-testid=mode-vector]'))!.click();
    await setFieldValue(page, '[data-testid=query-vector]', JSON.stringify(points[1].vector.image));
    await page.click('[data-testid=search-run]');
    await page.waitForFunction(
      () =>
        document.querySelectorAll('[data-testid=result] .thumb.placeholder[title="no thumbnail"]').length ===
        3,
    );
    assert.equal(await page.$('[data-testid=result] img[data-testid=thumbnail]'), null);
    await goto('#/collections/pictures/points');
    await page.waitForFunction(
      () =>
        document.querySelectorAll('[data-testid=points-table] .thumb.placeholder[title="no thumbnail"]')
          .length === 3,
    );
  });

  test('no console errors or page exceptions in the whole session', () => {
    assert.deepEqual(cp.errors, []);
  });
});
