import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eng, zho } from 'stopword';
import type { TextAnalyzerName } from '../src/db/types.js';
import { InvalidArgumentError } from '../src/errors.js';
import { analyzerFor, TEXT_ANALYZERS } from '../src/text/analyzer.js';

const simple = analyzerFor('simple');
const english = analyzerFor('english');
const chinese = analyzerFor('chinese');

describe('simple analyzer', () => {
  test('lower-cases words and keeps inner apostrophes, periods and digit commas', () => {
    assert.deepEqual(simple("Don't stop the U.S. tax-cuts: 3.14% of $1,000, e.g. now."), [
      "don't",
      'stop',
      'the',
      'u.s',
      'tax',
      'cuts',
      '3.14',
      'of',
      '1,000',
      'e.g',
      'now',
    ]);
  });

  test('is Unicode-aware: accents, ß, the typographic apostrophe, no stop words, duplicates kept', () => {
    assert.deepEqual(simple('ÉCOLE naïve Straße — don’t, DON’T; the the'), [
      'école',
      'naïve',
      'straße',
      "don't",
      "don't",
      'the',
      'the',
    ]);
  });

  test('punctuation-only and empty texts have no terms', () => {
    assert.deepEqual(simple(''), []);
    assert.deepEqual(simple(' -- ... !? '), []);
  });
});

describe('english analyzer', () => {
  test('removes stop words, drops possessives and stems', () => {
    assert.deepEqual(english("The nation's tax-cuts are running"), ['nation', 'tax', 'cut', 'run']);
  });

  test('"running", "runs" and "run" share one stem', () => {
    assert.deepEqual(english('running runs run'), ['run', 'run', 'run']);
  });

  test('every word of the stopword eng list is removed, in any case', () => {
    const words = eng.join(' ');
    assert.deepEqual(english(words), []);
    assert.deepEqual(english(words.toUpperCase()), []);
  });

  test('words with digits or periods are not stemmed', () => {
    assert.deepEqual(english('U.S. 1990s 3.14 taxes'), ['u.s', '1990s', '3.14', 'tax']);
  });

  test('inflections of a word share its stem, so a query matches them', () => {
    assert.deepEqual(english('imports imported importing import'), ['import', 'import', 'import', 'import']);
    assert.deepEqual(english('Taxes, taxed, tax'), ['tax', 'tax', 'tax']);
  });
});

describe('chinese analyzer', () => {
  test('indexes character unigrams and bigrams, without the unigrams that are stop words (我, 们, 在)', () => {
    assert.deepEqual(chinese('我们在北京'), ['我们', '们在', '在北', '北', '北京', '京']);
    assert.deepEqual(chinese('今天天气很好，我们去公园。'), [
      '今',
      '今天',
      '天',
      '天天',
      '天',
      '天气',
      '气',
      '气很',
      '很好',
      '好',
      '我们',
      '们去',
      '去',
      '去公',
      '公',
      '公园',
      '园',
    ]);
  });

  test('a query of a word or of a part of one matches the document', () => {
    const document = new Set(chinese('我们在北京大学学习'));
    for (const text of ['北京大学', '京大', '大学学习', '学']) {
      const query = chinese(text);
      assert.ok(query.length > 0, text);
      for (const term of query) assert.ok(document.has(term), `${text}: ${term}`);
    }
  });

  test('Latin words inside are lower-cased and not stemmed; numbers stay', () => {
    assert.deepEqual(chinese('Tax Cuts 减税 and don’t, 2024'), [
      'tax',
      'cuts',
      '减',
      '减税',
      '税',
      'and',
      "don't",
      '2024',
    ]);
  });

  test('no entry of the stopword zho list survives as a term (的 is one)', () => {
    assert.ok(zho.includes('的'));
    for (const word of zho) assert.ok(!chinese(word).includes(word), word);
  });

  test('long texts give the terms of their sentences, with or without breaks', () => {
    const sentences = [
      '我爱自然语言处理。',
      '今天天气很好，我们去公园散步吧。',
      'Hello World 2024年 ',
      '中华人民共和国成立于1949年！',
    ];
    const text = Array.from({ length: 200 }, (_, i) => sentences[(i * 7) % sentences.length]).join('');
    const expected = Array.from({ length: 200 }, (_, i) =>
      chinese(sentences[(i * 7) % sentences.length]),
    ).flat();
    assert.deepEqual(chinese(text), expected);
    const unbroken = '自然语言处理'.repeat(400);
    assert.equal(chinese(unbroken).filter((term) => term === '处理').length, 400);
  });
});

describe('analyzerFor', () => {
  test('every listed analyzer exists, is deterministic and returns the same function each time', () => {
    const text = "The People's Republic 人民共和国 runs, RUNS, ran: 3.14 tax-cuts!";
    for (const name of TEXT_ANALYZERS) {
      const analyze = analyzerFor(name);
      assert.equal(analyzerFor(name), analyze);
      assert.deepEqual(analyze(text), analyze(text));
      assert.ok(analyze(text).every((term) => term.length > 0));
    }
  });

  test('an unknown name is refused', () => {
    assert.throws(() => analyzerFor('klingon' as TextAnalyzerName), InvalidArgumentError);
    assert.throws(() => analyzerFor('toString' as TextAnalyzerName), InvalidArgumentError);
  });
});
