import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PayloadIndexInfo } from '../src/db/types.js';
import { InvalidArgumentError } from '../src/errors.js';
import { SeededRandom } from '../src/eval/random.js';
import type { Bitset } from '../src/index/bitset.js';
import { type CompileOptions, compileFilter, type Filter, type Payload } from '../src/payload/filter.js';
import { type RowPayload, SegmentPayloadIndex } from '../src/payload/payload-index.js';
import { analyzerFor } from '../src/text/analyzer.js';
import { InvertedIndex } from '../src/text/inverted-index.js';
import { type FilterSpace, MIXED_SPACE, matchesReference, RandomFilters } from './support/filters.js';

/** Without text conditions: those need the text helpers' analyzers (the last test). */
const space: FilterSpace = { ...MIXED_SPACE, textQueries: [] };
const textSpace = MIXED_SPACE;

const KINDS: (PayloadIndexInfo | undefined)[] = [
  undefined,
  { type: 'keyword' },
  { type: 'integer' },
  { type: 'float' },
  { type: 'bool' },
  { type: 'datetime' },
];

function randomDeclarations(rng: SeededRandom, kinds: readonly (PayloadIndexInfo | undefined)[]) {
  const declarations = new Map<string, PayloadIndexInfo>();
  for (const key of space.keys) {
    const info = rng.pick(kinds);
    if (info !== undefined) declarations.set(key, info);
  }
  return declarations;
}

function randomRows(random: RandomFilters, rng: SeededRandom, count: number): RowPayload[] {
  return Array.from({ length: count }, () => (rng.next() < 0.03 ? null : random.payload(2)));
}

/** Text conditions use the declared analyzer of a text key, English otherwise. */
function optionsFor(declarations: ReadonlyMap<string, PayloadIndexInfo>): CompileOptions {
  return {
    analyzerFor: (key) => {
      const info = declarations.get(key);
      return analyzerFor(info?.type === 'text' ? info.analyzer : 'english');
    },
  };
}

/** The offsets among 0..rows-1 where `compileFilter` holds, by scanning every payload. */
function scan(
  filter: Filter,
  payloads: readonly RowPayload[],
  rows: number,
  options: CompileOptions,
): number[] {
  const predicate = compileFilter(filter, options);
  const offsets: number[] = [];
  for (let row = 0; row < rows; row++) if (predicate(payloads[row])) offsets.push(row);
  return offsets;
}

function offsets(bits: Bitset): number[] {
  const out: number[] = [];
  bits.forEach((offset) => {
    out.push(offset);
  });
  return out;
}

/** Compares `index.filter` with the scan and checks that `estimate` bounds it; returns the match count. */
function checkAgrees(
  index: SegmentPayloadIndex,
  filter: Filter,
  payloads: readonly RowPayload[],
  rows: number,
  options: CompileOptions,
): number {
  const expected = scan(filter, payloads, rows, options);
  const actual = index.filter(filter, rows, (row) => payloads[row]);
  assert.equal(actual.size, rows);
  assert.deepEqual(offsets(actual), expected, JSON.stringify(filter));
  const estimate = index.estimate(filter, rows);
  assert.ok(estimate >= expected.length && estimate <= rows, `estimate ${estimate} of ${expected.length}`);
  return expected.length;
}

describe('SegmentPayloadIndex.filter equals scanning compileFilter', () => {
  test('sealed: 12 data sets × 250 filters (3,000 filters × 400 rows, every index kind), seed 6', () => {
    const rng = new SeededRandom(6);
    const random = new RandomFilters(rng, space);
    let checks = 0;
    let matched = 0;
    for (let set = 0; set < 12; set++) {
      const payloads = randomRows(random, rng, 400);
      const declarations = randomDeclarations(rng, KINDS);
      const index = new SegmentPayloadIndex(declarations, payloads);
      const options = optionsFor(declarations);
      for (let f = 0; f < 250; f++) {
        const filter = random.filter(2);
        matched += checkAgrees(index, filter, payloads, payloads.length, options);
        checks += payloads.length;
        // A prefix of the rows, as a growing segment's snapshot sees them.
        checkAgrees(index, filter, payloads, 1 + rng.int(payloads.length), options);
      }
    }
    // Neither outcome dominates, so agreement is not trivial: each occurs in over 15% of checks.
    assert.ok(matched > 0.15 * checks && matched < 0.85 * checks, `${matched} of ${checks} matched`);
  });

  test('every key indexed with one kind: 6 kinds × 200 filters × 300 rows, seed 7', () => {
    const rng = new SeededRandom(7);
    const random = new RandomFilters(rng, space);
    for (const info of KINDS) {
      if (info === undefined) continue;
      const payloads = randomRows(random, rng, 300);
      const declarations = new Map(space.keys.map((key) => [key, info]));
      const index = new SegmentPayloadIndex(declarations, payloads);
      for (let f = 0; f < 200; f++) {
        checkAgrees(index, random.filter(2), payloads, payloads.length, optionsFor(declarations));
      }
    }
  });

  test('growing: 3,000 appended rows, 20 filters after every 150 (past re-sorting thresholds), seed 8', () => {
    const rng = new SeededRandom(8);
    const random = new RandomFilters(rng, textSpace);
    const declarations = new Map<string, PayloadIndexInfo>([
      ['a', { type: 'float' }],
      ['b', { type: 'keyword' }],
      ['m', { type: 'integer' }],
      ['m.a', { type: 'datetime' }],
      ['m.b', { type: 'bool' }],
      ['a.b', { type: 'text', analyzer: 'english' }],
    ]);
    const options = optionsFor(declarations);
    const index = new SegmentPayloadIndex(declarations, []);
    const payloads: RowPayload[] = [];
    for (let row = 0; row < 3000; row++) {
      payloads.push(rng.next() < 0.03 ? null : random.payload(2));
      index.append(row, payloads[row]);
      if ((row + 1) % 150 === 0) {
        for (let f = 0; f < 20; f++) checkAgrees(index, random.filter(2), payloads, payloads.length, options);
      }
    }
    assert.equal(index.rows, 3000);
  });

  test('addField and dropField change what is read, never the answer, seed 9', () => {
    const rng = new SeededRandom(9);
    const random = new RandomFilters(rng, space);
    const payloads = randomRows(random, rng, 300);
    const index = new SegmentPayloadIndex(new Map(), payloads);
    const filters = Array.from({ length: 100 }, () => random.filter(2));
    const declarations = new Map<string, PayloadIndexInfo>();
    for (let step = 0; step < 8; step++) {
      const key = rng.pick(space.keys);
      const info = rng.pick(KINDS);
      if (info === undefined) {
        index.dropField(key);
        declarations.delete(key);
      } else {
        index.addField(key, info, payloads);
        declarations.set(key, info);
      }
      assert.deepEqual(new Map(index.declarations), declarations);
      for (const filter of filters)
        checkAgrees(index, filter, payloads, payloads.length, optionsFor(declarations));
    }
  });

  test('full text: text indexes among the others, 6 data sets × 200 filters, seed 10', () => {
    const rng = new SeededRandom(10);
    const random = new RandomFilters(rng, textSpace);
    const kinds: (PayloadIndexInfo | undefined)[] = [
      ...KINDS,
      { type: 'text', analyzer: 'english' },
      { type: 'text', analyzer: 'simple' },
    ];
    for (let set = 0; set < 6; set++) {
      const payloads = randomRows(random, rng, 300);
      const declarations = randomDeclarations(rng, kinds);
      const index = new SegmentPayloadIndex(declarations, payloads);
      const options = optionsFor(declarations);
      for (let f = 0; f < 200; f++) checkAgrees(index, random.filter(2), payloads, payloads.length, options);
      // The reference interpreter agrees too, so the text semantics are not only self-consistent.
      const filter: Filter = { must: [{ key: 'a', match: { text: 'tax cuts' } }] };
      const expected = payloads.flatMap((payload, row) =>
        matchesReference(filter, payload, options) ? [row] : [],
      );
      assert.deepEqual(offsets(index.filter(filter, payloads.length, (row) => payloads[row])), expected);
      for (const [key, info] of declarations) {
        assert.equal(index.textIndex(key) instanceof InvertedIndex, info.type === 'text', key);
      }
    }
  });
});

describe('full-text indexes', () => {
  const payloads: RowPayload[] = [
    { body: 'Tax cuts for families', title: 'Tax cuts' },
    { body: ['the tax', 'cuts'], title: 'taxes' },
    { body: ['tax', 5, 'cuts'], title: ['tax', null] },
    { body: 'cuts' },
    { body: null },
    {},
  ];
  const index = new SegmentPayloadIndex(
    new Map<string, PayloadIndexInfo>([
      ['body', { type: 'text', analyzer: 'english' }],
      ['title', { type: 'text', analyzer: 'simple' }],
    ]),
    payloads,
  );
  function textRows(key: string, text: string): { rows: number[]; reads: number[] } {
    const reads: number[] = [];
    const bits = index.filter({ must: [{ key, match: { text } }] }, payloads.length, (row) => {
      reads.push(row);
      return payloads[row];
    });
    return { rows: offsets(bits), reads };
  }

  test('match.text selects the rows containing every analyzed term, by the key’s analyzer', () => {
    assert.deepEqual(textRows('body', 'tax cuts').rows, [0, 1]);
    assert.deepEqual(textRows('body', 'Taxes').rows, [0, 1], 'English stems taxes to tax');
    assert.deepEqual(textRows('body', 'family').rows, [0]);
    assert.deepEqual(textRows('title', 'taxes').rows, [1], 'simple does not stem');
    assert.deepEqual(textRows('title', 'tax').rows, [0, 2]);
  });

  test('a query without terms after analysis (only stop words, or empty) matches nothing', () => {
    assert.deepEqual(textRows('body', 'the').rows, []);
    assert.deepEqual(textRows('body', '').rows, []);
  });

  test('a text query reads only rows holding values the index does not store (one: row 2)', () => {
    assert.deepEqual(textRows('body', 'cuts'), { rows: [0, 1, 3], reads: [2] });
  });

  test('textIndex hands out the inverted index of text keys only', () => {
    assert.ok(index.textIndex('body') instanceof InvertedIndex);
    assert.equal(index.textIndex('body')?.documentFrequency('tax'), 2);
    assert.equal(index.textIndex('nothing'), undefined);
    const keyword = new SegmentPayloadIndex(new Map([['body', { type: 'keyword' } as const]]), payloads);
    assert.equal(keyword.textIndex('body'), undefined);
  });
});

describe('payload reads', () => {
  /** 1,000 rows: `label` is 'a' in 1 row of 10, `n` = row % 100, `note` unindexed. */
  const payloads: RowPayload[] = Array.from({ length: 1000 }, (_, row) => ({
    label: row % 10 === 0 ? 'a' : 'b',
    n: row % 100,
    note: row % 3 === 0 ? 'third' : 'other',
  }));
  const declarations = new Map<string, PayloadIndexInfo>([
    ['label', { type: 'keyword' }],
    ['n', { type: 'integer' }],
  ]);
  const index = new SegmentPayloadIndex(declarations, payloads);

  function counted(filter: Filter): { rows: number[]; reads: number[] } {
    const reads: number[] = [];
    const bits = index.filter(filter, payloads.length, (row) => {
      reads.push(row);
      return payloads[row];
    });
    return { rows: offsets(bits), reads };
  }
  const expected = (filter: Filter) => scan(filter, payloads, payloads.length, {});

  test('conditions on indexed keys read no payload', () => {
    const filter: Filter = {
      must: [
        { key: 'label', match: { value: 'a' } },
        { key: 'n', range: { gte: 10, lt: 60 } },
      ],
      should: [
        { key: 'n', match: { any: [20, 30, 'x'] } },
        { key: 'label', exists: false },
      ],
      must_not: [{ must: [{ key: 'n', match: { value: 40 } }] }],
    };
    const { rows, reads } = counted(filter);
    assert.deepEqual(rows, expected(filter));
    assert.ok(rows.length > 0);
    assert.deepEqual(reads, []);
  });

  test('a must group reads only the rows the indexed conditions allow (100 of 1,000)', () => {
    const filter: Filter = {
      must: [
        { key: 'note', match: { value: 'third' } },
        { key: 'label', match: { value: 'a' } },
      ],
    };
    const { rows, reads } = counted(filter);
    assert.deepEqual(rows, expected(filter));
    assert.equal(reads.length, 100);
    assert.ok(reads.every((row) => row % 10 === 0));
  });

  test('a should group reads only the rows no indexed condition matched', () => {
    const filter: Filter = {
      should: [
        { key: 'label', match: { value: 'b' } },
        { key: 'note', match: { value: 'third' } },
      ],
    };
    const { rows, reads } = counted(filter);
    assert.deepEqual(rows, expected(filter));
    assert.equal(reads.length, 100);
  });

  test('a nested group under must reads only rows still possible, once each', () => {
    const filter: Filter = {
      must: [
        { key: 'n', range: { lt: 5 } },
        {
          should: [
            { key: 'note', match: { value: 'third' } },
            { key: 'label', match: { value: 'a' } },
          ],
        },
      ],
    };
    const { rows, reads } = counted(filter);
    assert.deepEqual(rows, expected(filter));
    // n < 5 allows 50 rows; 10 of them have label 'a' and are not read.
    assert.equal(reads.length, 40);
    assert.equal(new Set(reads).size, reads.length);
  });

  test('values an index does not store are read from the payload (only those rows)', () => {
    const mixed: RowPayload[] = [{ k: 'x' }, { k: 1 }, { k: ['x', true] }, { k: 'y' }, {}, null, { k: 1.5 }];
    const mixedIndex = new SegmentPayloadIndex(
      new Map<string, PayloadIndexInfo>([['k', { type: 'keyword' }]]),
      mixed,
    );
    const reads: number[] = [];
    const filter: Filter = { must: [{ key: 'k', match: { any: [1, true, 'y'] } }] };
    const bits = mixedIndex.filter(filter, mixed.length, (row) => {
      reads.push(row);
      return mixed[row];
    });
    assert.deepEqual(offsets(bits), [1, 2, 3]);
    assert.deepEqual(reads, [1, 2, 6]);
  });
});

describe('results and caches', () => {
  test('returned bitsets are the caller’s: mutating one does not change the next answer', () => {
    const payloads: RowPayload[] = Array.from({ length: 500 }, (_, row) => ({
      k: row % 2 === 0 ? 'even' : 'odd',
    }));
    const index = new SegmentPayloadIndex(new Map([['k', { type: 'keyword' } as const]]), payloads);
    const filter: Filter = { must: [{ key: 'k', match: { value: 'even' } }] };
    const first = index.filter(filter, 500, (row) => payloads[row]);
    assert.equal(first.count(), 250);
    first.clear(0);
    first.set(1);
    const second = index.filter(filter, 500, (row) => payloads[row]);
    assert.equal(second.count(), 250);
    assert.ok(second.has(0) && !second.has(1));
  });

  test('a growing index answers for rows appended after a cached (dense) answer', () => {
    const index = new SegmentPayloadIndex(new Map([['k', { type: 'keyword' } as const]]), []);
    const payloads: RowPayload[] = [];
    const filter: Filter = { must: [{ key: 'k', match: { value: 'v' } }] };
    for (let row = 0; row < 200; row++) {
      payloads.push({ k: row % 3 === 0 ? 'v' : 'w' });
      index.append(row, payloads[row]);
      const bits = index.filter(filter, payloads.length, (offset) => payloads[offset]);
      assert.equal(bits.count(), Math.floor(row / 3) + 1);
    }
  });

  test('estimate: exact for exists and single values, rows for unindexed keys, min over must', () => {
    const payloads: RowPayload[] = Array.from({ length: 100 }, (_, row) => ({
      k: row < 10 ? 'rare' : 'common',
      n: row,
      u: row,
    }));
    const index = new SegmentPayloadIndex(
      new Map<string, PayloadIndexInfo>([
        ['k', { type: 'keyword' }],
        ['n', { type: 'integer' }],
      ]),
      payloads,
    );
    assert.equal(index.estimate({ must: [{ key: 'k', match: { value: 'rare' } }] }, 100), 10);
    assert.equal(index.estimate({ must: [{ key: 'n', range: { gte: 20, lt: 50 } }] }, 100), 30);
    assert.equal(index.estimate({ must: [{ key: 'k', exists: false }] }, 100), 0);
    assert.equal(index.estimate({ must: [{ key: 'u', range: { gte: 20 } }] }, 100), 100);
    assert.equal(
      index.estimate(
        {
          must: [
            { key: 'u', range: { gte: 20 } },
            { key: 'k', match: { value: 'rare' } },
          ],
        },
        100,
      ),
      10,
    );
    assert.equal(
      index.estimate(
        {
          should: [
            { key: 'n', range: { lt: 5 } },
            { key: 'k', match: { any: ['rare', 'x'] } },
          ],
        },
        100,
      ),
      15,
    );
  });
});

describe('errors', () => {
  const payloads: RowPayload[] = [{ k: 'a' }, { k: 'b' }];
  const declarations = new Map<string, PayloadIndexInfo>([['k', { type: 'keyword' }]]);

  test('append takes the next row only', () => {
    const index = new SegmentPayloadIndex(declarations, payloads);
    assert.throws(() => index.append(1, { k: 'c' }), InvalidArgumentError);
    assert.throws(() => index.append(3, { k: 'c' }), InvalidArgumentError);
    index.append(2, { k: 'c' });
    assert.equal(index.rows, 3);
  });

  test('filter and estimate refuse more rows than indexed', () => {
    const index = new SegmentPayloadIndex(declarations, payloads);
    assert.throws(() => index.filter({}, 3, (row) => payloads[row]), InvalidArgumentError);
    assert.throws(() => index.estimate({}, 3), InvalidArgumentError);
    assert.equal(index.filter({}, 0, (row) => payloads[row]).size, 0);
  });

  test('addField needs exactly the rows indexed so far', () => {
    const index = new SegmentPayloadIndex(declarations, payloads);
    assert.throws(() => index.addField('n', { type: 'integer' }, [{ n: 1 }]), InvalidArgumentError);
  });

  test('a payload that is not an object has no values', () => {
    const odd = [5, 'text', [1, 2]] as unknown as Payload[];
    const index = new SegmentPayloadIndex(declarations, odd);
    const bits = index.filter({ must: [{ key: 'k', exists: false }] }, 3, (row) => odd[row]);
    assert.deepEqual(offsets(bits), [0, 1, 2]);
  });
});
