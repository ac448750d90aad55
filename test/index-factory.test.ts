/**
 * The factory-string grammar: every documented form parses to its recipe and formats back
 * to its canonical string; malformed strings raise IndexFactoryError whose message lists
 * the grammar; `trainingSample` draws distinct rows deterministically.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidArgumentError } from '../src/errors.js';
import {
  FACTORY_GRAMMAR,
  formatIndexFactory,
  IndexFactoryError,
  parseIndexFactory,
  trainingSample,
} from '../src/index/factory.js';
import { VectorStore } from '../src/index/vector-store.js';
import { wasmKernels } from '../src/kernels/load.js';

describe('index factory strings', () => {
  const cases: [string, string, object][] = [
    ['Flat', 'Flat', { family: 'flat' }],
    ['HNSW32', 'HNSW32', { family: 'hnsw', M: 32, storage: 'flat' }],
    ['hnsw16,flat', 'HNSW16', { family: 'hnsw', M: 16, storage: 'flat' }],
    ['HNSW32,SQ8', 'HNSW32,SQ8', { family: 'hnsw', M: 32, storage: 'sq8' }],
    ['SQ8', 'SQ8', { family: 'sq8' }],
    ['PQ16', 'PQ16', { family: 'pq', m: 16 }],
    ['PQ16x8', 'PQ16', { family: 'pq', m: 16 }],
    ['IVF1024,Flat', 'IVF1024,Flat', { family: 'ivf', nlist: 1024, coding: { type: 'flat' } }],
    [' IVF4096 , SQ8 ', 'IVF4096,SQ8', { family: 'ivf', nlist: 4096, coding: { type: 'sq8' } }],
    ['IVF1024,PQ16', 'IVF1024,PQ16', { family: 'ivf', nlist: 1024, coding: { type: 'pq', m: 16 } }],
    ['LSH256', 'LSH256', { family: 'lsh', bits: 256 }],
    ['Annoy50', 'Annoy50', { family: 'annoy', trees: 50 }],
  ];
  for (const [input, canonical, recipe] of cases) {
    test(`${JSON.stringify(input)} parses and formats as ${canonical}`, () => {
      const parsed = parseIndexFactory(input);
      assert.deepEqual(parsed, recipe);
      assert.equal(formatIndexFactory(parsed), canonical);
      assert.deepEqual(parseIndexFactory(canonical), parsed);
    });
  }

  for (const bad of [
    '',
    'IVF',
    'IVF0,Flat',
    'IVF1024',
    'IVF1024,PQ',
    'IVF1024,HNSW',
    'HNSW1',
    'HNSW32,PQ8',
    'SQ4',
    'PQ0',
    'PQ16,Flat',
    'LSH12',
    'Annoy0',
    'Flat,Flat',
    'IVF8,Flat,Flat',
    'Cube9',
  ]) {
    test(`${JSON.stringify(bad)} is rejected with the grammar`, () => {
      assert.throws(() => parseIndexFactory(bad), IndexFactoryError);
      assert.throws(() => parseIndexFactory(bad), InvalidArgumentError);
      assert.throws(
        () => parseIndexFactory(bad),
        (err: Error) => err.message.includes(FACTORY_GRAMMAR),
      );
    });
  }

  test('trainingSample takes every row of a small store and distinct rows, in order, of a large one', () => {
    const kern = wasmKernels();
    const store = new VectorStore(kern, 2);
    store.append(Float32Array.from({ length: 200 }, (_, i) => Math.floor(i / 2)));
    try {
      assert.deepEqual(trainingSample(store, 500, 1), store.view());
      const sample = trainingSample(store, 30, 5);
      assert.equal(sample.length, 60);
      const rows = Array.from({ length: 30 }, (_, i) => sample[2 * i]);
      assert.deepEqual(
        rows,
        [...new Set(rows)].sort((a, b) => a - b),
        'distinct rows in row order',
      );
      assert.deepEqual(trainingSample(store, 30, 5), sample, 'deterministic for a seed');
      assert.notDeepEqual(trainingSample(store, 30, 6), sample);
    } finally {
      store.dispose();
    }
  });
});
