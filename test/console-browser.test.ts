/**
 * The web console in a real browser (Debian's chromium through puppeteer-core) against a
 * real `QuiverServer` on a loopback port with an admin and a read-only key: signing in,
 * creating a collection with the `mobilenet-v2` provider through the form (a bad factory
 * string first: the server's error shows beside that field), the nine @stdlib photos
 * uploaded through the REST API, a search by picking and by dropping a photo (it comes
 * first), a filter with a mistake (the error marks the wrong key), a point's detail, the map
 * (the chosen number of points drawn, neighbours on click), activity from /metrics, the
 * phone width, and a read-only key (drop disabled, and the server's 403). Any browser
 * console error or page exception fails the test; screenshots of each page go to the
 * folder printed at the start. One browser for the file; the steps run in order on one page.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
import { SeededRandom } from '../src/index.js';
import { prefersHtml } from '../src/server/console-route.js';
import { QuiverServer } from '../src/server/server.js';
import { STDLIB_PHOTOS } from './support/classical-photos.js';
import {
  type ConsoleSession,
  openConsolePage,
  type PageDocument,
  type PageElement,
  setFieldValue,
  startConsoleSession,
  textOf,
} from './support/console-browser.js';
import { http, resultOf, startTestServer, type TestServer } from './support/server.js';

declare const document: PageDocument;
declare const location: { hash: string };
declare const sessionStorage: { getItem(key: string): string | null };
declare const localStorage: { length: number };
declare const DataTransfer: new () => { items: { add(file: unknown): void } };
declare const DragEvent: new (type: string, init: object) => unknown;

const ADMIN = 'console-admin-key';
const READER = 'console-read-key';
const PHOTO_KINDS = [
  'plant',
  'aerial',
  'plant',
  'landscape',
  'building',
  'landscape',
  'animal',
  'landscape',
  'boats',
];
/** Points of the random-vector collection, and how many of them the map draws. */
const VECTOR_POINTS = 300;
const MAP_POINTS = 200;
/** The text of the random-vector points (BM25 over a text index), by cluster. */
const NOTES = ['a red fox in the snow', 'a blue whale far out at sea', 'a green frog by the pond'];

describe('web console in chromium', () => {
  let s: TestServer;
  let cp: ConsoleSession;
  let page: Page;
  const call = (method: string, path: string, body?: unknown, key = ADMIN) =>
    http(s.url, method, path, body, { 'api-key': key });

  const shoot = (name: string) => cp.shoot(name);
  const goto = (hash: string) => cp.goto(hash);
  const text = (selector: string) => textOf(page, selector);
  const typeInto = async (selector: string, value: string) => {
    await page.$eval(selector, (e) => {
      (e as unknown as PageElement).value = '';
    });
    await page.type(selector, value);
  };

  before(async () => {
    s = await startTestServer({ keys: { admin: [ADMIN], readOnly: [READER] } });
    cp = await startConsoleSession();
    page = cp.page;
  });
  after(async () => {
    await cp?.close();
    await s?.stop();
  });

  test('GET / redirects a browser to /console/ and answers API clients with JSON; the bundle has its cache headers', async () => {
    assert.equal(prefersHtml('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'), true);
    assert.equal(prefersHtml('application/json'), false);
    assert.equal(prefersHtml('*/*'), false);
    assert.equal(prefersHtml(undefined), false);
    assert.equal(prefersHtml('application/json, text/html;q=0.5'), false);

    const browserGet = await fetch(`${s.url}/`, {
      headers: { accept: 'text/html,*/*;q=0.8' },
      redirect: 'manual',
    });
    assert.equal(browserGet.status, 302);
    assert.equal(browserGet.headers.get('location'), '/console/');
    const client = await http(s.url, 'GET', '/');
    assert.equal(client.status, 200);
    assert.equal((client.body as { title: string }).title, 'quiver - vector search engine');

    const index = await fetch(`${s.url}/console/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const html = await index.text();
    const script = /src="(assets\/app-[^"]+\.js)"/.exec(html)?.[1];
    const style = /href="(assets\/app-[^"]+\.css)"/.exec(html)?.[1];
    assert.ok(script !== undefined && style !== undefined, html);
    assert.doesNotMatch(html, /https?:\/\//, 'the page loads nothing from elsewhere');
    const js = await fetch(`${s.url}/console/${script}`);
    assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const css = await fetch(`${s.url}/console/${style}`);
    assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
    assert.equal((await fetch(`${s.url}/console/assets/nothing.js`)).status, 404);

    assert.deepEqual((await call('GET', '/console/session', undefined, READER)).body, {
      role: 'read-only',
      keys: true,
    });
    assert.deepEqual((await call('GET', '/console/session')).body, { role: 'admin', keys: true });
    assert.deepEqual((await http(s.url, 'GET', '/console/session')).body, { keys: true }, 'no key: no role');
    assert.equal((await call('GET', '/console/session', undefined, 'wrong')).status, 401);
  });

  test('sign in: a wrong key is refused on the page; the admin key opens the collections list', async () => {
    await page.goto(`${s.url}/`);
    await page.waitForSelector('#api-key');
    await shoot('01-sign-in');
    cp.expectHttpError(401);
    await page.type('#api-key', 'not-a-key');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=signin-error]');
    assert.match(await text('[data-testid=signin-error]'), /not valid/);
    await typeInto('#api-key', ADMIN);
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=role]');
    assert.equal(await text('[data-testid=role]'), 'admin');
    assert.equal(
      await page.evaluate(() => sessionStorage.getItem('quiver.console.key')),
      ADMIN,
      'the key is kept in sessionStorage',
    );
    assert.equal(await page.evaluate(() => localStorage.length), 0, 'nothing in localStorage');
  });

  test('create a collection with the mobilenet-v2 provider through the form; a bad factory string is shown at its field', async () => {
    await page.click('[data-testid=create-open]');
    await page.waitForSelector('[data-testid=create-form]');
    await page.type('#collection-name', 'photos');
    await page.type('#field-name-0', 'image');
    await page.select('#field-provider-0', 'mobilenet-v2');
    assert.equal(
      await page.$eval('#field-thumbs-0', (e) => (e as unknown as { checked: boolean }).checked),
      true,
    );
    await page.click('input[name=index][value=factory]');
    await typeInto('#index-factory', 'HNSWx');
    await page.click('[data-testid=add-payload-index]');
    await page.type('#pindex-key-0', 'kind');
    cp.expectHttpError(400);
    await page.click('[data-testid=create-submit]');
    await page.waitForSelector('#index-factory[aria-invalid=true]');
    assert.match(await text('#index-factory-error'), /invalid index factory string "HNSWx"/);
    await shoot('02-create-error');
    await typeInto('#index-factory', 'Flat');
    await page.click('[data-testid=create-submit]');
    await page.waitForSelector('[data-testid=collection-photos]');
    const described = resultOf<{
      quiver: {
        vectors: Record<string, { provider?: string }>;
        payload_indexes: Record<string, { type: string }>;
      };
    }>(await call('GET', '/collections/photos'));
    assert.equal(described.quiver.vectors.image.provider, 'mobilenet-v2');
    assert.equal(described.quiver.payload_indexes.kind.type, 'keyword');
  });

  test('the nine photos uploaded through the API appear in the list; a random-vector collection beside them', async () => {
    const points = STDLIB_PHOTOS.map((path, i) => ({
      id: i + 1,
      inputs: { image: readFileSync(path).toString('base64') },
      payload: { name: path.split('datasets-img-')[1].split('/')[0], kind: PHOTO_KINDS[i] },
    }));
    resultOf(await call('PUT', '/collections/photos/points?wait=true', { points }));
    resultOf(
      await call('PUT', '/collections/vectors', {
        vectors: { size: 16, distance: 'Euclid' },
        payload_indexes: { note: 'text' },
        // Sealed every 100 points: three segments whose HNSW builds the list shows.
        segment_size: 100,
      }),
    );
    const rng = new SeededRandom(19);
    const vectors = Array.from({ length: VECTOR_POINTS }, (_, i) => ({
      id: i,
      // Three clusters, so the map has structure to show.
      vector: Array.from({ length: 16 }, (_, d) => (d % 3 === i % 3 ? 4 : 0) + rng.gaussian()),
      payload: { cluster: `c${i % 3}`, n: i, note: `${NOTES[i % 3]} number ${i}` },
    }));
    resultOf(await call('PUT', '/collections/vectors/points?wait=true', { points: vectors }));
    await page.waitForFunction(
      () => document.querySelector('[data-testid=collection-photos] td.num')?.textContent === '9',
    );
    await page.waitForFunction(() => {
      const row = document.querySelector('[data-testid=collection-vectors]')?.textContent ?? '';
      return row.includes('3 sealed + 0 growing') && row.includes('indexed');
    });
    await shoot('03-collections');
  });

  test('search by image: a picked photo, then a dropped one, comes first', async () => {
    await goto('#/collections/photos/search');
    const input = await page.waitForSelector('[data-testid=image-input]');
    await input!.uploadFile(STDLIB_PHOTOS[6]);
    await page.waitForFunction(
      () => document.querySelector('[data-testid=result]')?.getAttribute('data-id') === '7',
    );
    assert.match(await text('[data-testid=result] [data-testid=result-id]'), /^7$/);
    // Its thumbnail: a WebP of at most 256 px the server keeps, shown beside it.
    await page.waitForFunction(() => {
      const img = document.querySelector('[data-testid=result] img[data-testid=thumbnail]') as unknown as {
        complete: boolean;
        naturalWidth: number;
      } | null;
      return img?.complete === true && img.naturalWidth > 0;
    });
    const size = await page.$eval('[data-testid=result] img[data-testid=thumbnail]', (e) => {
      const img = e as unknown as { naturalWidth: number; naturalHeight: number };
      return Math.max(img.naturalWidth, img.naturalHeight);
    });
    assert.ok(size > 0 && size <= 256, `thumbnail of ${size} px`);
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid=result] img[data-testid=thumbnail]').length === 9,
    );
    await shoot('04-search-image');

    // A drop: a DragEvent carrying the file, as a browser sends when a photo is dropped.
    const base64 = readFileSync(STDLIB_PHOTOS[8]).toString('base64');
    await page.evaluate(async (data) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const file = new File([bytes], 'nagasaki-boats.jpg', { type: 'image/jpeg' });
      const transfer = new DataTransfer();
      transfer.items.add(file);
      const zone = document.querySelector('[data-testid=drop-zone]')!;
      zone.dispatchEvent(
        new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }),
      );
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, base64);
    await page.waitForFunction(
      () => document.querySelector('[data-testid=result]')?.getAttribute('data-id') === '9',
    );
    assert.equal(await text('[data-testid=picked-name]'), 'nagasaki-boats.jpg');
  });

  test('search by vector and by point id on the random-vector collection', async () => {
    await goto('#/collections/vectors/search');
    await page.waitForSelector('[data-testid=mode-vector]');
    const target = resultOf<{ vector: number[] }>(await call('GET', '/collections/vectors/points/5')).vector;
    await setFieldValue(page, '[data-testid=query-vector]', JSON.stringify(target));
    await typeInto('[data-testid=query-k]', '5');
    await page.click('[data-testid=search-run]');
    await page.waitForFunction(
      () => document.querySelector('[data-testid=result]')?.getAttribute('data-id') === '5',
    );
    assert.equal((await page.$$('[data-testid=result]')).length, 5);
    await page.click('[data-testid=mode-point]');
    await page.type('[data-testid=query-point]', '5');
    await page.click('[data-testid=search-run]');
    await page.waitForFunction(
      () =>
        document.querySelectorAll('[data-testid=result]').length === 5 &&
        document.querySelector('[data-testid=result]')?.getAttribute('data-id') !== '5',
    );
    await shoot('05-search-vector');

    // BM25 over the text index, then hybrid with a vector (RRF).
    await page.click('[data-testid=mode-text]');
    await page.type('[data-testid=query-text]', 'whale');
    await page.click('[data-testid=search-run]');
    await page.waitForFunction(() => {
      const first = document.querySelector('[data-testid=result]');
      return first !== null && Number(first.getAttribute('data-id')) % 3 === 1;
    });
    const notes = await page.$$eval('[data-testid=result]', (items) =>
      items.map((i) => (i as unknown as PageElement).textContent ?? ''),
    );
    assert.ok(notes.length > 0 && notes.every((t) => t.includes('whale')), notes.join('\n'));
    await setFieldValue(page, '[data-testid=query-vector]', JSON.stringify(target));
    await page.click('[data-testid=search-run]');
    // Hybrid (RRF): point 5, first by vector, joins the whales.
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid=result]')].some((r) => r.getAttribute('data-id') === '5'),
    );
    assert.equal((await page.$$('[data-testid=result]')).length, 5);
  });

  test('search through a text provider field (glove-100): the text nearest in meaning comes first', async () => {
    resultOf(await call('PUT', '/collections/notes', { vectors: { text: { provider: 'glove-100' } } }));
    const texts = [
      'the cat sleeps on the sofa',
      'stock markets fell sharply today',
      'heavy rain and strong wind',
    ];
    resultOf(
      await call('PUT', '/collections/notes/points?wait=true', {
        points: texts.map((t, i) => ({ id: i + 1, inputs: { text: t }, payload: { text: t } })),
      }),
    );
    await goto('#/collections/notes/search');
    await (await page.waitForSelector('[data-testid=mode-provider-text]'))!.click();
    await page.type('[data-testid=query-text]', 'a storm is coming');
    await page.click('[data-testid=search-run]');
    await page.waitForFunction(
      () => document.querySelector('[data-testid=result]')?.getAttribute('data-id') === '3',
    );
  });

  test('points: a filter with a mistake shows the server error with the wrong key marked; a correct one filters', async () => {
    await goto('#/collections/photos/points');
    await page.waitForSelector('[data-testid=points-table]');
    assert.equal(await text('[data-testid=points-total]'), '9 points');
    const mistaken = '{\n  "must": [\n    { "key": "kind", "match": { "valeu": "landscape" } }\n  ]\n}';
    await setFieldValue(page, '[data-testid=filter-input]', mistaken);
    cp.expectHttpError(400);
    cp.expectHttpError(400); // the page and the count are asked for together
    await page.click('[data-testid=filter-apply]');
    await page.waitForSelector('[data-testid=filter-error-mark]');
    assert.equal(await text('[data-testid=filter-error-mark]'), '"valeu": "landscape"');
    assert.match(await text('[data-testid=filter-error]'), /unknown property "valeu".*line 3, column 33/s);
    const selection = await page.$eval('[data-testid=filter-input]', (e) => {
      const area = e as unknown as PageElement;
      return area.value.slice(area.selectionStart, area.selectionEnd);
    });
    assert.equal(selection, '"valeu": "landscape"', 'the editor selects the wrong part');
    await shoot('06-points-filter-error');

    await page.$eval('[data-testid=filter-input]', (e) => {
      const area = e as unknown as PageElement;
      area.value = area.value.replace('valeu', 'value');
      area.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.click('[data-testid=filter-apply]');
    await page.waitForFunction(
      () => document.querySelector('[data-testid=points-total]')?.textContent === '3 match',
    );
    assert.equal(await page.$('[data-testid=filter-error]'), null);
    await page.click('[data-testid=point-open]');
    await page.waitForSelector('[data-testid=vector-plot] canvas');
    await page.waitForSelector('[data-testid=point-detail] img[data-testid=thumbnail]');
    await shoot('07-point-detail');
    // Edit the payload of the point shown (the first landscape: id 4).
    await page.$eval('#payload-edit', (e) => {
      const area = e as unknown as PageElement;
      area.value = JSON.stringify({ ...JSON.parse(area.value), reviewed: true });
      area.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.click('[data-testid=payload-save]');
    await page.waitForSelector('[data-testid=payload-saved]');
    const edited = resultOf<{ payload: Record<string, unknown> }>(
      await call('GET', '/collections/photos/points/4'),
    );
    assert.deepEqual(edited.payload, { name: 'black-canyon', kind: 'landscape', reviewed: true });
  });

  test(`map: ${MAP_POINTS} of ${VECTOR_POINTS} points by UMAP, coloured by a payload key; a click shows the neighbours`, async () => {
    await goto('#/collections/vectors/map');
    await page.waitForSelector('[data-testid=map-size]');
    await typeInto('[data-testid=map-size]', String(MAP_POINTS));
    await page.click('[data-testid=map-draw]');
    await page.waitForFunction(
      () => document.querySelector('[data-testid=map-status]')?.textContent?.startsWith('UMAP of') === true,
      { timeout: 60_000 },
    );
    const rendered = await page.$eval(
      '[data-testid=map-canvas]',
      (e) => (e as unknown as PageElement).dataset.rendered,
    );
    assert.equal(rendered, String(MAP_POINTS));
    assert.equal(await text('[data-testid=map-status]'), `UMAP of ${MAP_POINTS} of ${VECTOR_POINTS} points`);
    await page.select('[data-testid=map-colour]', 'cluster');
    // Keyboard: focus the map, step to a point, Enter picks it.
    await page.focus('[data-testid=map-canvas]');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid=map-neighbours] li').length === 10,
    );
    await shoot('08-map');
  });

  test('activity: requests by route and latency percentiles from /metrics', async () => {
    await goto('#/activity');
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid=routes-table]')?.textContent?.includes('/points/search') ===
        true,
    );
    // Two scrapes give a rate.
    await page.waitForFunction(
      () => !document.querySelector('[data-testid=activity-stats]')?.textContent?.startsWith('—'),
    );
    const table = await text('[data-testid=routes-table]');
    assert.match(table, /POST \/collections\/:name\/points\/scroll/);
    await shoot('09-activity');
  });

  test('keyboard: Tab reaches the navigation and Enter follows it', async () => {
    await goto('#/collections');
    await page.waitForSelector('[data-testid=collections-table]');
    // Start from the top of the page (the brand link), as after loading it.
    await page.focus('a.brand');
    let focused = '';
    for (let i = 0; i < 10 && focused !== 'Activity'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.textContent ?? '');
    }
    assert.equal(focused, 'Activity');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=activity-stats]');
    assert.equal(await page.evaluate(() => location.hash), '#/activity');
  });

  test('a 390-px-wide phone screen: no page scrolls sideways', async () => {
    await page.setViewport({ width: 390, height: 844 });
    await goto('#/collections/photos/search');
    await page.waitForSelector('[data-testid=drop-zone]');
    await shoot('11-phone-search');
    const pages: [string, string][] = [
      ['#/collections/photos/search', '[data-testid=drop-zone]'],
      ['#/collections', '[data-testid=collections-table]'],
      ['#/collections/photos/points', '[data-testid=points-table]'],
      ['#/collections/vectors/map', '[data-testid=map-size]'],
      ['#/activity', '[data-testid=activity-stats]'],
    ];
    for (const [hash, selector] of pages) {
      await goto(hash);
      await page.waitForSelector(selector);
      // Wide tables scroll inside their frame; the page itself never scrolls sideways.
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      assert.ok(overflow <= 0, `${hash} is ${overflow} px wider than the screen`);
    }
    await page.setViewport({ width: 1280, height: 800 });
  });

  test('snapshots: create one in the panel, then restore the collection from its file', async () => {
    await goto('#/collections');
    await (await page.waitForSelector('[data-testid=snapshots-vectors]'))!.click();
    await page.waitForSelector('[data-testid=snapshots-panel]');
    await page.click('[data-testid=snapshot-create]');
    await page.waitForSelector('[data-testid=snapshots-panel] tbody tr');
    const [snapshot] = resultOf<{ name: string }[]>(await call('GET', '/collections/vectors/snapshots'));
    const file = await fetch(`${s.url}/collections/vectors/snapshots/${snapshot.name}`, {
      headers: { 'api-key': ADMIN },
    });
    const path = join(s.dir, snapshot.name);
    writeFileSync(path, Buffer.from(await file.arrayBuffer()));
    resultOf(await call('POST', '/collections/vectors/points/delete?wait=true', { points: [0, 1, 2] }));
    assert.equal(
      resultOf<{ count: number }>(await call('POST', '/collections/vectors/points/count')).count,
      297,
    );
    const input = await page.$('[data-testid=snapshot-restore]');
    await input!.uploadFile(path);
    await page.waitForSelector('[data-testid=snapshot-done]');
    assert.equal(
      resultOf<{ count: number }>(await call('POST', '/collections/vectors/points/count')).count,
      300,
    );
    await shoot('10-snapshots');
    await page.keyboard.press('Escape');
  });

  test('a read-only key sees the collections, cannot drop (disabled) and the server refuses a drop (403)', async () => {
    await goto('#/collections');
    await page.waitForSelector('[data-testid=role]');
    await page.click('header button.link');
    await page.waitForSelector('#api-key');
    await page.type('#api-key', READER);
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=collection-photos]');
    assert.equal(await text('[data-testid=role]'), 'read-only');
    assert.equal(
      await page.$eval('[data-testid=drop-photos]', (e) => (e as unknown as PageElement).disabled),
      true,
    );
    assert.equal(
      await page.$eval('[data-testid=create-open]', (e) => (e as unknown as PageElement).disabled),
      true,
    );
    await shoot('12-read-only');
    cp.expectHttpError(403);
    const status = await page.evaluate(async (key) => {
      const response = await fetch('/collections/photos', { method: 'DELETE', headers: { 'api-key': key } });
      return response.status;
    }, READER);
    assert.equal(status, 403);
    assert.equal((await call('GET', '/collections/photos')).status, 200, 'the collection is still there');
  });

  test('a server without keys opens the console without signing in', async () => {
    // A second server, without keys, over the same database.
    const open = await QuiverServer.create(s.db, { logLevel: 'error' });
    const url = await open.listen('127.0.0.1', 0);
    try {
      assert.deepEqual((await http(url, 'GET', '/console/session')).body, { role: 'admin', keys: false });
      const other = await openConsolePage(cp.browser);
      await other.page.goto(`${url}/console/`);
      await other.page.waitForSelector('[data-testid=role]');
      assert.equal(await other.page.$eval('[data-testid=role]', (e) => e.textContent), 'admin');
      await other.page.close();
      assert.deepEqual(other.errors, []);
    } finally {
      await open.close();
    }
  });

  test('no console errors or page exceptions in the whole session', () => {
    assert.deepEqual(cp.errors, []);
  });
});
