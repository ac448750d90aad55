/**
 * `quiver search --explain`: the table is followed by each hit's explanation (path, distance,
 * BM25 terms, fusion sums, filter conditions); `--json` carries it as each hit's `explain`;
 * `--explain` with `--group-by` is a usage error. Data: fixed.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { Quiver } from '../src/index.js';
import { quiverRunner } from './support/cli.js';
import { tempDir } from './support/reference.js';

describe('quiver search --explain', () => {
  const dir = tempDir('explain-cli').path;
  const { ok, fails } = quiverRunner(() => dir);

  before(async () => {
    const db = await Quiver.open(dir);
    const c = await db.createCollection('docs', {
      dimension: 2,
      payloadIndexes: { body: { type: 'text', analyzer: 'simple' }, tag: 'keyword' },
    });
    await c.upsert(
      Array.from({ length: 20 }, (_, i) => ({
        id: i,
        vector: [i, 20 - i],
        payload: { body: i % 2 === 0 ? 'red fox' : 'blue fox jumps', tag: i % 3 === 0 ? 'a' : 'b' },
      })),
    );
    await db.close();
  });

  test('a hybrid search with a filter, explained as text and as JSON', async () => {
    const args = [
      'search',
      'docs',
      '--vector',
      '[3, 17]',
      '--text',
      'red',
      '--text-field',
      'body',
      '-k',
      '3',
    ];
    const filter = ['--filter', '{"must":[{"key":"tag","match":{"value":"b"}}]}'];
    const text = await ok([...args, ...filter, '--explain']);
    assert.match(text, /^#1 id \d+ {2}score /m);
    assert.match(text, /path: growing segment \(20 live rows\), flat: exact-scan/);
    assert.match(text, /l2: distance [\d.]+ \(exact [\d.]+\); score = distance/);
    assert.match(text, /bm25 "body": N 20, avgdl 2\.5, \|d\| \d/);
    assert.match(text, /fusion rrf k 60: vector #\d \([\d.]+\) → [\d.]+ \+ text/);
    assert.match(text, /filter must\[0\] match value on "tag": keyword index, holds/);
    const hits = JSON.parse(await ok([...args, ...filter, '--explain', '--json']));
    assert.equal(hits.length, 3);
    for (const h of hits) {
      assert.equal(h.explain.kind, 'hybrid');
      assert.equal(h.explain.fusion.score, h.score);
    }
    const plain = JSON.parse(await ok([...args, ...filter, '--json']));
    assert.deepEqual(
      plain.map((h: { id: number; score: number }) => [h.id, h.score]),
      hits.map((h: { id: number; score: number }) => [h.id, h.score]),
    );
    assert.equal(plain[0].explain, undefined);
  });

  test('--explain with --group-by is a usage error', async () => {
    await fails(['search', 'docs', '--vector', '[1, 1]', '--group-by', 'tag', '--explain'], 2, /--explain/);
  });
});
