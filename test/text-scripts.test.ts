/**
 * Text in every script is indexed by every analyzer (issue 14, item 6): Chinese, Japanese,
 * Korean, Thai, Russian, Greek, Arabic and mixed English + Chinese, directly and through a
 * collection's `text` payload index. Before script segmentation, `english` and `simple` made
 * one term of a whole run of CJK characters, so '数据库' found nothing in
 * '向量数据库支持高效的相似度搜索'.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkPayloadIndex } from '../src/db/collection-config.js';
import { InvalidArgumentError } from '../src/errors.js';
import { type Collection, Quiver } from '../src/index.js';
import { analyzerFor } from '../src/text/analyzer.js';
import { TEXT_ANALYZERS, type TextAnalyzerName } from '../src/text/analyzer-config.js';
import { forEachToken, hasUnspacedLetter, type TokenKind } from '../src/text/script-tokens.js';
import { tempDir } from './support/reference.js';
import { assertError, http, startTestServer } from './support/server.js';

/** One document per script (and one mixed), by id. */
const DOCS = [
  '向量数据库支持高效的相似度搜索',
  '南京市长江大桥是一座公路铁路两用桥',
  '東京都に住んでいます。データベースを検索するのが好きです',
  '벡터 데이터베이스는 효율적인 유사도 검색을 지원합니다',
  'ฐานข้อมูลเวกเตอร์รองรับการค้นหาความคล้ายคลึงที่มีประสิทธิภาพ',
  'Векторные базы данных поддерживают эффективный поиск похожих объектов',
  'Quiver is a vector database: 向量数据库 with hybrid search 混合搜索',
  'The senators debated tax cuts all night',
  'Η βάση δεδομένων υποστηρίζει αναζήτηση',
  'قاعدة البيانات المتجهة تدعم البحث',
];

/** Queries and the documents that contain every one of their words, under every analyzer. */
const QUERIES: readonly [string, number[]][] = [
  ['向量数据库', [0, 6]],
  ['数据库', [0, 6]],
  ['相似度', [0]],
  ['南京', [1]],
  ['长江大桥', [1]],
  ['東京', [2]],
  ['データ', [2]],
  ['検索', [2]],
  ['데이터베이스', [3]],
  ['유사도', [3]],
  ['ข้อมูล', [4]],
  ['การค้นหา', [4]],
  ['поиск', [5]],
  ['базы данных', [5]],
  ['混合搜索', [6]],
  ['hybrid 搜索', [6]],
  ['vector database 数据库', [6]],
  ['δεδομένων', [8]],
  ['البيانات', [9]],
  ['tax cuts', [7]],
];

const isSubset = (terms: readonly string[], of: ReadonlySet<string>) => terms.every((t) => of.has(t));

describe('script tokens', () => {
  test('letters of unspaced scripts are exactly CJK (by Script_Extensions, from U+3000 and Hangul Jamo) and Thai, Lao, Khmer, Burmese', () => {
    const reference = new RegExp(
      String.raw`[[\p{L}\p{M}\p{N}]&&[[\p{scx=Han}\p{scx=Hira}\p{scx=Kana}\p{scx=Hang}\p{scx=Bopo}]--[\u0000-\u10ff\u1200-\u2fff]]]|` +
        String.raw`[[\p{L}\p{M}\p{N}]&&[\p{sc=Thai}\p{sc=Laoo}\p{sc=Khmr}\p{sc=Mymr}]]`,
      'v',
    );
    let count = 0;
    for (let code = 0; code <= 0x10ffff; code++) {
      if (code >= 0xd800 && code < 0xe000) continue;
      const char = String.fromCodePoint(code);
      const expected = reference.test(char);
      if (hasUnspacedLetter(char) !== expected) assert.fail(`U+${code.toString(16)}: expected ${expected}`);
      if (expected) count++;
    }
    assert.ok(count > 100_000, `${count} letters`);
    // Shared with Latin: ʼ (U+02BC) and combining tilde (U+0303) stay in words.
    assert.ok(!hasUnspacedLetter('\u02bc\u0303ˇ'));
  });

  test('each token is tagged with how it was cut: word, n-gram (CJK) or segmented (Thai…)', () => {
    const tokens: [string, TokenKind][] = [];
    forEachToken('tax 数据 ข้อมูล 2024年 ʼokina', (token, kind) => tokens.push([token, kind]));
    assert.deepEqual(tokens, [
      ['tax', 'word'],
      ['数', 'ngram'],
      ['数据', 'ngram'],
      ['据', 'ngram'],
      ['ข้อมูล', 'segmented'],
      ['2024', 'word'],
      ['年', 'ngram'],
      ['ʼokina', 'word'],
    ]);
  });

  test('n-grams are of characters: a supplementary ideograph, decomposed Hangul and a combining mark each make one', () => {
    const simple = analyzerFor('simple');
    assert.deepEqual(simple('𠮷野'), ['𠮷', '𠮷野', '野']);
    assert.deepEqual(simple('\u1100\u1161\u11a8나'), ['각', '각나', '나']);
    assert.deepEqual(simple('か\u3099き'), ['が', 'がき', 'き'], 'in NFC');
    assert.deepEqual(simple('\u0300数'), ['\u0300', '数'], 'a mark that follows no character is a word');
  });

  test('a Thai run longer than 1,024 characters is cut between words: no character lost or repeated', () => {
    const run = 'ฐานข้อมูล'.repeat(300);
    const words = analyzerFor('simple')(run);
    assert.equal(words.join(''), run);
    // ข้อมูลฐาน is also ข้อ + มูลฐาน: where a piece starts, ICU may choose the other reading.
    assert.ok(words.filter((w) => w === 'ข้อมูล').length >= 297);
  });
});

describe('every analyzer reads every script', () => {
  for (const name of TEXT_ANALYZERS) {
    const analyze = analyzerFor(name);
    test(`${name}: each query's terms are among the terms of exactly the expected documents`, () => {
      const docTerms = DOCS.map((doc) => new Set(analyze(doc)));
      for (const [query, expected] of QUERIES) {
        const terms = analyze(query);
        assert.ok(terms.length > 0, `${query}: no terms`);
        const matching = docTerms.flatMap((terms_, id) => (isSubset(terms, terms_) ? [id] : []));
        assert.deepEqual(matching, expected, `${name}: ${query} → ${terms}`);
      }
    });

    test(`${name}: every part of a Chinese, Japanese or Korean run finds its document`, () => {
      for (const doc of [DOCS[0], DOCS[1], DOCS[2], '데이터베이스는', 'データベース']) {
        const terms = new Set(analyze(doc));
        const chars = [...doc];
        for (let start = 0; start < chars.length; start++) {
          for (let end = start + 1; end <= Math.min(chars.length, start + 6); end++) {
            const part = chars.slice(start, end).join('');
            const query = analyze(part);
            // Only punctuation, or under `chinese` only stop words (的, 是), has no terms.
            if (query.length === 0) assert.ok(name === 'chinese' || !/\p{L}/u.test(part), part);
            assert.ok(isSubset(query, terms), `${name}: ${part} in ${doc}`);
          }
        }
      }
    });

    test(`${name}: each Thai word of a document finds it`, () => {
      const terms = new Set(analyze(DOCS[4]));
      for (const word of terms) assert.ok(isSubset(analyze(word), terms), word);
    });
  }
});

describe('language rules apply to their own language only', () => {
  const simple = analyzerFor('simple');
  const english = analyzerFor('english');
  const chinese = analyzerFor('chinese');

  test('english stems and drops stop words in Latin words only; other scripts are as in simple', () => {
    for (const doc of DOCS.filter((_, id) => id !== 6 && id !== 7))
      assert.deepEqual(english(doc), simple(doc));
    assert.deepEqual(english('The databases 数据库 are running'), [
      'databas',
      '数',
      '数据',
      '据',
      '据库',
      '库',
      'run',
    ]);
    // Cyrillic 'а' (U+0430) and Latin 'a' look alike: only the Latin one is a stop word.
    assert.deepEqual(english('a а'), ['а']);
  });

  test('chinese drops Chinese stop words (的, 是) and nothing else', () => {
    assert.deepEqual(chinese('的 是 the is а'), ['the', 'is', 'а']);
    for (const doc of DOCS.slice(3)) {
      if (!/\p{scx=Han}/u.test(doc)) assert.deepEqual(chinese(doc), simple(doc), doc);
    }
    assert.ok(simple(DOCS[0]).includes('的') && !chinese(DOCS[0]).includes('的'));
  });

  test('multilingual folds width, case and accents (Latin, Greek, Cyrillic, Arabic), keeps Devanagari and Thai vowel signs', () => {
    const multilingual = analyzerFor('multilingual');
    assert.deepEqual(multilingual('Café ＤＢ ﬁle ΟΔΟΣ Ёлка'), ['cafe', 'db', 'file', 'οδοσ', 'елка']);
    assert.deepEqual(multilingual('βάση'), multilingual('ΒΑΣΗ'));
    assert.deepEqual(multilingual('قَاعِدَة'), ['قاعدة']);
    assert.deepEqual(multilingual('ｶﾀｶﾅ'), multilingual('カタカナ'));
    assert.deepEqual(multilingual('नमस्ते'), ['नमस्ते']);
    assert.deepEqual(multilingual('ข้อมูล'), ['ข้อมูล']);
    assert.deepEqual(multilingual('running databases'), ['running', 'databases'], 'no stemming');
  });
});

describe('analyzer names', () => {
  test('multilingual is accepted wherever analyzers are declared', () => {
    assert.ok(TEXT_ANALYZERS.includes('multilingual'));
    assert.deepEqual(checkPayloadIndex('body', { type: 'text', analyzer: 'multilingual' }), {
      type: 'text',
      analyzer: 'multilingual',
    });
    assert.throws(
      () => checkPayloadIndex('body', { type: 'text', analyzer: 'klingon' as TextAnalyzerName }),
      InvalidArgumentError,
    );
  });
});

describe('a collection with a text index per analyzer finds text in every script', () => {
  const dir = tempDir('quiver-text-scripts-');
  let db: Quiver;
  let docs: Collection;

  before(async () => {
    db = await Quiver.open(dir.path);
    docs = await db.createCollection('docs', { dimension: 2, index: { type: 'flat' } });
    await docs.upsert(
      DOCS.map((text, id) => ({
        id,
        vector: [id, 1],
        payload: Object.fromEntries(TEXT_ANALYZERS.map((name) => [name, text])),
      })),
    );
    for (const name of TEXT_ANALYZERS) await docs.createPayloadIndex(name, { type: 'text', analyzer: name });
  });
  after(async () => {
    await db.close();
    dir.cleanup();
  });

  async function assertFound(where: string): Promise<void> {
    for (const name of TEXT_ANALYZERS) {
      for (const [query, expected] of QUERIES) {
        const what = `${where}, ${name}: ${query}`;
        const count = await docs.count({ must: [{ key: name, match: { text: query } }] });
        assert.equal(count, expected.length, what);
        const hits = await docs.search({ text: query, textField: name }, { k: DOCS.length });
        assert.ok(expected.includes(Number(hits[0]?.id)), `${what}: top ${hits[0]?.id}`);
        const found = new Set(hits.map((hit) => Number(hit.id)));
        assert.ok(
          expected.every((id) => found.has(id)),
          `${what}: ${[...found]}`,
        );
      }
    }
  }

  test('in the growing segment', async () => {
    await assertFound('growing');
  });

  test('in a sealed segment, and after a restart', async () => {
    await docs.flush();
    await assertFound('sealed');
    await db.close();
    db = await Quiver.open(dir.path);
    docs = db.collection('docs');
    assert.deepEqual((await docs.info()).payloadIndexes.multilingual, {
      type: 'text',
      analyzer: 'multilingual',
    });
    await assertFound('reopened');
  });
});

describe('REST: a text index with the multilingual analyzer', () => {
  test('is accepted at creation and by the payload-index route, and finds Chinese, Japanese and accented text', async () => {
    const s = await startTestServer();
    try {
      const call = (method: string, path: string, body?: unknown) => http(s.url, method, path, body);
      const created = await call('PUT', '/collections/docs', {
        vectors: { size: 2, distance: 'Euclid' },
        index: { type: 'flat' },
        payload_indexes: { body: { type: 'text', analyzer: 'multilingual' } },
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const points = DOCS.map((text, id) => ({ id, vector: [id, 1], payload: { body: text, title: text } }));
      assert.equal((await call('PUT', '/collections/docs/points', { points })).status, 200);
      const indexed = await call('PUT', '/collections/docs/index', {
        field_name: 'title',
        field_schema: { type: 'text', analyzer: 'multilingual' },
      });
      assert.ok(indexed.status < 300, JSON.stringify(indexed.body));
      assertError(
        await call('PUT', '/collections/docs/index', {
          field_name: 'title',
          field_schema: { type: 'text', analyzer: 'klingon' },
        }),
        400,
        'INVALID_ARGUMENT',
      );
      for (const field of ['body', 'title']) {
        for (const [query, expected] of [
          ['数据库', [0, 6]],
          ['データ', [2]],
          ['ΔΕΔΟΜΕΝΩΝ', [8]],
        ] as const) {
          const found = await call('POST', '/collections/docs/points/search', {
            text: query,
            text_field: field,
            limit: 1,
          });
          assert.equal(found.status, 200, JSON.stringify(found.body));
          const hits = (found.body as { result: { id: number }[] }).result;
          assert.ok(
            (expected as readonly number[]).includes(hits[0]?.id),
            `${field}: ${query} → ${JSON.stringify(hits)}`,
          );
        }
      }
    } finally {
      await s.stop();
    }
  });
});
