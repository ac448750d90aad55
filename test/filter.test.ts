import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidArgumentError, InvalidFilterError } from '../src/errors.js';
import { SeededRandom } from '../src/eval/random.js';
import { parseDatetime } from '../src/payload/datetime.js';
import {
  compileFilter,
  type Filter,
  MAX_FILTER_CONDITIONS,
  MAX_FILTER_DEPTH,
  type MatchValue,
  type Payload,
  parseFilter,
  type Range,
} from '../src/payload/filter.js';
import { compilePayloadPath, payloadValues } from '../src/payload/payload-path.js';
import type { Analyzer } from '../src/text/analyzer.js';
import { MIXED_SPACE, matchesReference, RandomFilters } from './support/filters.js';

/** Parses (as a server would), compiles, and evaluates over each payload. */
function matching(filter: unknown, payloads: (Payload | undefined)[]): boolean[] {
  const predicate = compileFilter(parseFilter(filter));
  return payloads.map((payload) => predicate(payload));
}

function holds(filter: unknown, payload: Payload | undefined): boolean {
  return matching(filter, [payload])[0];
}

describe('match', () => {
  test('value: strict equality for strings, numbers and booleans', () => {
    const payloads = [
      { v: 'cat' },
      { v: 1 },
      { v: true },
      { v: '1' },
      { v: 0 },
      { v: false },
      { v: null },
      {},
    ];
    assert.deepEqual(matching({ must: [{ key: 'v', match: { value: 'cat' } }] }, payloads), [
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    assert.deepEqual(matching({ must: [{ key: 'v', match: { value: 1 } }] }, payloads), [
      false,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    assert.deepEqual(matching({ must: [{ key: 'v', match: { value: true } }] }, payloads), [
      false,
      false,
      true,
      false,
      false,
      false,
      false,
      false,
    ]);
    assert.deepEqual(matching({ must: [{ key: 'v', match: { value: false } }] }, payloads), [
      false,
      false,
      false,
      false,
      false,
      true,
      false,
      false,
    ]);
  });

  test('value does not match objects or strings that merely look alike', () => {
    assert.equal(holds({ must: [{ key: 'v', match: { value: 'Cat' } }] }, { v: 'cat' }), false);
    assert.equal(holds({ must: [{ key: 'v', match: { value: 'x' } }] }, { v: { x: 'x' } }), false);
    assert.equal(holds({ must: [{ key: 'v', match: { value: 0 } }] }, { v: -0 }), true);
  });

  test('any: equal to at least one listed scalar, short list and Set-backed long list alike', () => {
    const payloads = [{ v: 'a' }, { v: 2 }, { v: '2' }, { v: true }, { v: 'z' }, { v: null }, {}];
    const short: MatchValue[] = ['a', 2, true];
    const long: MatchValue[] = [...short, 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 100];
    const expected = [true, true, false, true, false, false, false];
    assert.deepEqual(matching({ must: [{ key: 'v', match: { any: short } }] }, payloads), expected);
    assert.deepEqual(matching({ must: [{ key: 'v', match: { any: long } }] }, payloads), expected);
  });
});

describe('range', () => {
  const payloads = [{ v: 1 }, { v: 2 }, { v: 3 }, { v: 4 }, { v: '2' }, { v: true }, { v: null }, {}];
  const cases: [Range, boolean[]][] = [
    [{ gt: 2 }, [false, false, true, true, false, false, false, false]],
    [{ gte: 2 }, [false, true, true, true, false, false, false, false]],
    [{ lt: 3 }, [true, true, false, false, false, false, false, false]],
    [{ lte: 3 }, [true, true, true, false, false, false, false, false]],
    [{ gte: 2, lt: 4 }, [false, true, true, false, false, false, false, false]],
    [{ gt: 2, gte: 2 }, [false, false, true, true, false, false, false, false]],
    [{ gt: 1, gte: 3 }, [false, false, true, true, false, false, false, false]],
    [{ lt: 3, lte: 3 }, [true, true, false, false, false, false, false, false]],
    [{ lte: 1, lt: 4 }, [true, false, false, false, false, false, false, false]],
    [{ gt: 3, lt: 2 }, [false, false, false, false, false, false, false, false]],
  ];
  for (const [range, expected] of cases) {
    test(`${JSON.stringify(range)} applies only to numbers`, () => {
      assert.deepEqual(matching({ must: [{ key: 'v', range }] }, payloads), expected);
    });
  }

  test('fractional and negative bounds', () => {
    assert.equal(holds({ must: [{ key: 'v', range: { gt: -0.5, lt: 0.5 } }] }, { v: 0 }), true);
    assert.equal(holds({ must: [{ key: 'v', range: { gt: -0.5, lt: 0.5 } }] }, { v: 0.5 }), false);
  });
});

describe('datetime', () => {
  test('parseDatetime reads RFC 3339 / ISO 8601 date-times as UTC instants', () => {
    const cases: [string, number][] = [
      ['2024-03-01', Date.UTC(2024, 2, 1)],
      ['2024-03-01T12:30', Date.UTC(2024, 2, 1, 12, 30)],
      ['2024-03-01T12:30:15Z', Date.UTC(2024, 2, 1, 12, 30, 15)],
      ['2024-03-01 12:30:15', Date.UTC(2024, 2, 1, 12, 30, 15)],
      ['2024-03-01t12:30:15z', Date.UTC(2024, 2, 1, 12, 30, 15)],
      ['2024-03-01T12:30:15.5Z', Date.UTC(2024, 2, 1, 12, 30, 15, 500)],
      ['2024-03-01T12:30:15.123456789Z', Date.UTC(2024, 2, 1, 12, 30, 15, 123)],
      ['2024-03-01T12:30:15+01:00', Date.UTC(2024, 2, 1, 11, 30, 15)],
      ['2024-03-01T12:30:15-0230', Date.UTC(2024, 2, 1, 15, 0, 15)],
      ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
      ['1969-12-31T23:59:59Z', -1000],
    ];
    for (const [text, instant] of cases) assert.equal(parseDatetime(text), instant, text);
  });

  test('parseDatetime rejects what is not a calendar date-time, unlike Date.parse', () => {
    const rejected = [
      '',
      '1',
      '2020',
      '2020-01',
      'March 7, 2020',
      '2023-02-29',
      '2024-04-31',
      '2024-13-01',
      '2024-00-10',
      '2024-01-01T24:00:00Z',
      '2024-01-01T23:60Z',
      '2024-01-01T23:59:60Z',
      '2024-01-01T10:00:00+24:00',
      '2024-01-01T10Z',
      '2024-01-01T10:00:00 Z',
      ' 2024-01-01',
    ];
    for (const text of rejected) assert.equal(parseDatetime(text), undefined, text);
  });

  test('a string-bounded range holds for date-time strings within it, never for numbers', () => {
    const range = { gte: '2024-01-01T00:00:00Z', lt: '2024-02-01' };
    const payloads: Payload[] = [
      { t: '2024-01-15T08:00:00Z' },
      { t: '2024-01-01' },
      { t: '2023-12-31T23:30:00-01:00' },
      { t: '2024-02-01T00:00:00Z' },
      { t: '2024-01-31T23:59:59.999Z' },
      { t: Date.UTC(2024, 0, 15) },
      { t: 'not a date' },
      { t: ['1999-01-01', '2024-01-10'] },
      { t: null },
      {},
    ];
    assert.deepEqual(matching({ must: [{ key: 't', range }] }, payloads), [
      true,
      true,
      true,
      false,
      true,
      false,
      false,
      true,
      false,
      false,
    ]);
  });

  test('a number-bounded range never holds for date-time strings', () => {
    assert.equal(holds({ must: [{ key: 't', range: { gt: 0 } }] }, { t: '2024-01-01' }), false);
  });
});

describe('match.text', () => {
  /** Lower-cased words without the stop word "the": a stand-in for a full-text analyzer. */
  const words: Analyzer = (text) =>
    text
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((word) => word.length > 0 && word !== 'the');
  const options = { analyzerFor: () => words };
  /** The positions of the payloads that a text query on `body` matches. */
  const textMatching = (text: string, payloads: (Payload | null | undefined)[]) => {
    const predicate = compileFilter(parseFilter({ must: [{ key: 'body', match: { text } }] }), options);
    return payloads.flatMap((payload, i) => (predicate(payload) ? [i] : []));
  };

  test('holds when the text contains every term of the query, in any order', () => {
    const payloads = [
      { body: 'Tax cuts for the middle class' },
      { body: 'cuts in TAX' },
      { body: 'tax increases' },
      { body: 'taxes cuts' },
      { body: 5 },
      { body: null },
      {},
      undefined,
      null,
    ];
    assert.deepEqual(textMatching('tax cuts', payloads), [0, 1]);
  });

  test('a list of strings is one text: terms may come from different elements', () => {
    assert.deepEqual(
      textMatching('tax cuts', [
        { body: ['tax', 'cuts'] },
        { body: ['tax', null, 'cuts'] },
        { body: ['tax'] },
      ]),
      [0, 1],
    );
  });

  test('a query without terms after analysis matches nothing', () => {
    const payloads = [{ body: 'the' }, { body: '' }, { body: 'anything' }];
    assert.deepEqual(textMatching('', payloads), []);
    assert.deepEqual(textMatching('the', payloads), []);
    assert.deepEqual(textMatching('  ,. ', payloads), []);
  });

  test("the key's analyzer is used; keys without one get the English analyzer", () => {
    const upper: Analyzer = (text) => [text.toUpperCase()];
    const predicate = compileFilter(
      { must: [{ key: 'body', match: { text: 'x' } }] },
      { analyzerFor: (key) => (key === 'body' ? upper : undefined) },
    );
    assert.equal(predicate({ body: 'X' }), true);
    assert.equal(predicate({ body: 'x y' }), false);
    const english = compileFilter({ must: [{ key: 'title', match: { text: 'Running' } }] });
    assert.equal(english({ title: 'she runs and ran, running' }), true);
    assert.equal(english({ title: 'walking' }), false);
  });

  test('must_not text excludes documents that contain every term', () => {
    const predicate = compileFilter({ must_not: [{ key: 'body', match: { text: 'tax cuts' } }] }, options);
    assert.deepEqual(
      [{ body: 'tax cuts' }, { body: 'tax' }, {}].map((payload) => predicate(payload)),
      [false, true, true],
    );
  });
});

describe('exists', () => {
  const payloads: (Payload | undefined)[] = [
    { v: 0 },
    { v: '' },
    { v: false },
    { v: null },
    {},
    { v: [] },
    { v: [null] },
    { v: [null, 1] },
    { v: {} },
    undefined,
  ];
  test('true when the path resolves to at least one non-null value', () => {
    assert.deepEqual(matching({ must: [{ key: 'v', exists: true }] }, payloads), [
      true,
      true,
      true,
      false,
      false,
      false,
      false,
      true,
      true,
      false,
    ]);
  });
  test('false is the exact negation of true', () => {
    assert.deepEqual(matching({ must: [{ key: 'v', exists: false }] }, payloads), [
      false,
      false,
      false,
      true,
      true,
      true,
      true,
      false,
      false,
      true,
    ]);
  });
  test('undefined, as a property or an array element, counts as missing', () => {
    const filter = { must: [{ key: 'v', exists: true }] };
    assert.deepEqual(matching(filter, [{ v: undefined }, { v: [undefined] }, { v: [undefined, 0] }]), [
      false,
      false,
      true,
    ]);
  });
  test('on a nested key', () => {
    const nested = [{ m: { v: 1 } }, { m: { v: null } }, { m: {} }, { m: null }, { m: 'v' }, {}];
    assert.deepEqual(matching({ must: [{ key: 'm.v', exists: true }] }, nested), [
      true,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('groups', () => {
  const a = { key: 'a', match: { value: 1 } };
  const b = { key: 'b', match: { value: 1 } };
  const payloads = [{ a: 1, b: 1 }, { a: 1 }, { b: 1 }, {}];

  test('an empty group, and empty arrays, match every point including an undefined payload', () => {
    assert.deepEqual(matching({}, [...payloads, undefined]), [true, true, true, true, true]);
    assert.deepEqual(matching({ must: [], should: [], must_not: [] }, payloads), [true, true, true, true]);
  });
  test('must: all hold', () => {
    assert.deepEqual(matching({ must: [a, b] }, payloads), [true, false, false, false]);
  });
  test('should: at least one holds', () => {
    assert.deepEqual(matching({ should: [a, b] }, payloads), [true, true, true, false]);
  });
  test('must_not: none holds', () => {
    assert.deepEqual(matching({ must_not: [a, b] }, payloads), [false, false, false, true]);
  });
  test('must, should and must_not combine with AND', () => {
    const c = { key: 'c', exists: true };
    const filter = { must: [a], should: [b, c], must_not: [{ key: 'd', exists: true }] };
    assert.deepEqual(
      matching(filter, [{ a: 1, b: 1 }, { a: 1, c: 0 }, { a: 1 }, { a: 1, b: 1, d: 0 }, { b: 1 }]),
      [true, true, false, false, false],
    );
  });
  test('nested groups: must_not of a must group is NAND', () => {
    assert.deepEqual(matching({ must_not: [{ must: [a, b] }] }, payloads), [false, true, true, true]);
  });
  test('nested groups: should of must groups is OR of ANDs', () => {
    const c = { key: 'c', match: { value: 1 } };
    const filter = { should: [{ must: [a, b] }, { must: [c] }] };
    assert.deepEqual(matching(filter, [{ a: 1, b: 1 }, { a: 1 }, { c: 1 }, { a: 1, c: 2 }]), [
      true,
      false,
      true,
      false,
    ]);
  });
  test('an empty nested group holds; a nested group with an empty should holds', () => {
    assert.deepEqual(matching({ must: [{}] }, payloads), [true, true, true, true]);
    assert.deepEqual(matching({ must_not: [{ should: [] }] }, payloads), [false, false, false, false]);
  });
  test('an undefined payload behaves like {}', () => {
    const filters = [
      { must: [a] },
      { must_not: [a] },
      { must: [{ key: 'a', exists: false }] },
      { should: [b] },
    ];
    for (const filter of filters) assert.equal(holds(filter, undefined), holds(filter, {}));
  });
  test(`nesting ${MAX_FILTER_DEPTH} levels deep is accepted and evaluated`, () => {
    let filter: Filter = { must: [a] };
    for (let level = 2; level <= MAX_FILTER_DEPTH; level++) filter = { must_not: [filter] };
    // MAX_FILTER_DEPTH - 1 negations around `a`: an odd count for 32 levels.
    assert.deepEqual(matching(filter, [{ a: 1 }, {}]), [false, true]);
  });
  test(`${MAX_FILTER_CONDITIONS} conditions are accepted`, () => {
    const should = Array.from({ length: MAX_FILTER_CONDITIONS }, (_, i) => ({
      key: 'a',
      match: { value: i },
    }));
    assert.deepEqual(matching({ should }, [{ a: 9999 }, { a: 10000 }]), [true, false]);
  });
});

describe('dotted keys and arrays', () => {
  test('a dotted key walks nested objects', () => {
    const filter = { must: [{ key: 'meta.author.name', match: { value: 'ann' } }] };
    assert.deepEqual(
      matching(filter, [
        { meta: { author: { name: 'ann' } } },
        { meta: { author: { name: 'bob' } } },
        { meta: { author: 'ann' } },
        { meta: 'ann' },
        { 'meta.author.name': 'ann' },
        {},
      ]),
      [true, false, false, false, false, false],
    );
  });
  test('an array of scalars matches when any element does', () => {
    const filter = { must: [{ key: 'tags', match: { value: 'b' } }] };
    assert.deepEqual(matching(filter, [{ tags: ['a', 'b'] }, { tags: ['a'] }, { tags: [] }, { tags: 'b' }]), [
      true,
      false,
      false,
      true,
    ]);
    assert.equal(holds({ must: [{ key: 'n', range: { gt: 5 } }] }, { n: [1, 'x', 7] }), true);
    assert.equal(holds({ must: [{ key: 'n', range: { gt: 5 } }] }, { n: [1, '9', 3] }), false);
  });
  test('a path through an array of objects considers every element', () => {
    const filter = { must: [{ key: 'authors.name', match: { value: 'bob' } }] };
    assert.deepEqual(
      matching(filter, [
        { authors: [{ name: 'ann' }, { name: 'bob' }] },
        { authors: [{ name: 'ann' }, 'bob', null] },
        { authors: [{ name: ['cid', 'bob'] }] },
        { authors: [[{ name: 'bob' }]] },
      ]),
      [true, false, true, true],
    );
  });
  test('must_not on an array excludes a point when any element matches', () => {
    const filter = { must_not: [{ key: 'tags', match: { value: 'x' } }] };
    assert.deepEqual(matching(filter, [{ tags: ['x', 'y'] }, { tags: ['y'] }, {}]), [false, true, true]);
  });
  test('conditions on one array key may be satisfied by different elements', () => {
    const filter = {
      must: [
        { key: 'items.price', range: { lt: 10 } },
        { key: 'items.price', range: { gt: 100 } },
      ],
    };
    assert.equal(holds(filter, { items: [{ price: 5 }, { price: 500 }] }), true);
  });
  test('keys never resolve to inherited properties, but own properties of any name do', () => {
    const inherited = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'constructor.name'];
    for (const key of inherited) {
      assert.equal(holds({ must: [{ key, exists: true }] }, { a: 1 }), false, key);
      assert.equal(holds({ must: [{ key, exists: true }] }, { nested: {} }), false, key);
    }
    assert.equal(
      holds({ must: [{ key: 'constructor', match: { value: 'c' } }] }, { constructor: 'c' }),
      true,
    );
    const own = JSON.parse('{"__proto__": {"x": 1}}') as Payload;
    assert.equal(holds({ must: [{ key: '__proto__.x', match: { value: 1 } }] }, own), true);
  });
  test('a null-prototype payload is read like a plain one', () => {
    const payload = Object.assign(Object.create(null) as Payload, { a: { b: 2 } });
    assert.equal(holds({ must: [{ key: 'a.b', match: { value: 2 } }] }, payload), true);
  });
  test('payloadValues lists resolved values in order; compilePayloadPath rejects bad keys', () => {
    const payload = { a: [{ b: 1 }, { b: [2, [3, null]] }, { c: 4 }, 5], s: 'str' };
    assert.deepEqual(payloadValues(payload, compilePayloadPath('a.b')), [1, 2, 3, null]);
    assert.deepEqual(payloadValues(payload, compilePayloadPath('s.length')), []);
    assert.deepEqual(payloadValues(undefined, compilePayloadPath('a')), []);
    for (const key of ['', '.', 'a.', '.a', 'a..b']) {
      assert.throws(() => compilePayloadPath(key), InvalidArgumentError, key);
    }
  });
});

describe('parseFilter', () => {
  test('returns an equal deep copy that shares nothing with the input', () => {
    const input = {
      must: [{ key: 'a', match: { any: ['x', 1] } }, { should: [{ key: 'b', range: { gte: 1 } }] }],
      must_not: [{ key: 'c', exists: false }],
    };
    const parsed = parseFilter(input);
    assert.deepEqual(parsed, input);
    const predicate = compileFilter(parsed);
    input.must[0] = { key: 'a', match: { any: ['y'] } };
    (input.must_not[0] as { exists: boolean }).exists = true;
    assert.deepEqual(parsed.must?.[0], { key: 'a', match: { any: ['x', 1] } });
    assert.equal(predicate({ a: 'x', b: 1, c: 0 }), true);
  });
  test('accepts JSON text parsed by JSON.parse and null-prototype objects', () => {
    const json =
      '{"should":[{"key":"year","range":{"gte":2020,"lt":2023}},{"key":"t","match":{"value":"a"}}]}';
    assert.equal(holds(JSON.parse(json), { year: 2021 }), true);
    const bare = Object.assign(Object.create(null) as object, { must: [] });
    assert.deepEqual(parseFilter(bare), { must: [] });
  });

  const deep = (levels: number): Filter => {
    let filter: Filter = {};
    for (let level = 2; level <= levels; level++) filter = { must: [filter] };
    return filter;
  };
  const many = (count: number) => ({
    must: [{ should: Array.from({ length: count - 1 }, () => ({ key: 'a', exists: true })) }],
  });
  const cyclic: { must: unknown[] } = { must: [] };
  cyclic.must.push(cyclic);
  const holey: unknown[] = [];
  holey[1] = {};

  const malformed: [string, unknown, string][] = [
    ['undefined', undefined, 'filter'],
    ['null', null, 'filter'],
    ['a string', 'label = cat', 'filter'],
    ['an array', [{ key: 'a', exists: true }], 'filter'],
    ['a class instance', new Map(), 'filter'],
    ['an unknown group property', { must: [], filter: [] }, 'filter.filter'],
    ['a misspelt must_not', { mustNot: [] }, 'filter.mustNot'],
    ['an odd property name', { 'must not': [] }, 'filter["must not"]'],
    ['must that is neither an array nor a condition', { must: 'a' }, 'filter.must'],
    ['a condition that is not an object', { should: [{}, 'a'] }, 'filter.should[1]'],
    ['a null condition', { must: [null] }, 'filter.must[0]'],
    ['a hole in a condition array', { must: holey }, 'filter.must[0]'],
    ['an unknown property in a nested group', { must: [{ must: [], bogus: 1 }] }, 'filter.must[0].bogus'],
    ['a missing key', { must: [{ match: { value: 1 } }] }, 'filter.must[0].key'],
    ['an empty key', { must: [{ key: '', exists: true }] }, 'filter.must[0].key'],
    ['a key with an empty segment', { must: [{ key: 'a..b', exists: true }] }, 'filter.must[0].key'],
    ['a key ending in a dot', { must: [{ key: 'a.', exists: true }] }, 'filter.must[0].key'],
    ['a non-string key', { must: [{ key: 3, exists: true }] }, 'filter.must[0].key'],
    ['a key with no test', { must: [{ key: 'a' }] }, 'filter.must[0]'],
    [
      'match and range together',
      { must: [{ key: 'a', match: { value: 1 }, range: { gt: 0 } }] },
      'filter.must[0]',
    ],
    ['range and exists together', { must: [{ key: 'a', range: { gt: 0 }, exists: true }] }, 'filter.must[0]'],
    [
      'a field condition with a group property',
      { must: [{ key: 'a', exists: true, must: [] }] },
      'filter.must[0].must',
    ],
    [
      'an unknown field condition property',
      { must: [{ key: 'a', exists: true, boost: 2 }] },
      'filter.must[0].boost',
    ],
    ['match that is not an object', { must: [{ key: 'a', match: 'cat' }] }, 'filter.must[0].match'],
    ['an empty match', { must: [{ key: 'a', match: {} }] }, 'filter.must[0].match'],
    [
      'match with value and any',
      { must: [{ key: 'a', match: { value: 1, any: [1] } }] },
      'filter.must[0].match',
    ],
    [
      'an unknown match property',
      { must: [{ key: 'a', match: { regex: 'x' } }] },
      'filter.must[0].match.regex',
    ],
    [
      'match with value and text',
      { must: [{ key: 'a', match: { value: 'x', text: 'x' } }] },
      'filter.must[0].match',
    ],
    [
      'a text query that is not a string',
      { must: [{ key: 'a', match: { text: 5 } }] },
      'filter.must[0].match.text',
    ],
    ['a null text query', { must: [{ key: 'a', match: { text: null } }] }, 'filter.must[0].match.text'],
    ['a null match value', { must: [{ key: 'a', match: { value: null } }] }, 'filter.must[0].match.value'],
    [
      'a NaN match value',
      { must: [{ key: 'a', match: { value: Number.NaN } }] },
      'filter.must[0].match.value',
    ],
    [
      'an infinite match value',
      { must: [{ key: 'a', match: { value: Infinity } }] },
      'filter.must[0].match.value',
    ],
    [
      'an object match value',
      { must: [{ key: 'a', match: { value: { x: 1 } } }] },
      'filter.must[0].match.value',
    ],
    ['an array match value', { must: [{ key: 'a', match: { value: ['x'] } }] }, 'filter.must[0].match.value'],
    ['a bigint match value', { must: [{ key: 'a', match: { value: 1n } }] }, 'filter.must[0].match.value'],
    ['any that is not an array', { must: [{ key: 'a', match: { any: 'x' } }] }, 'filter.must[0].match.any'],
    ['a null in any', { must: [{ key: 'a', match: { any: ['x', null] } }] }, 'filter.must[0].match.any[1]'],
    [
      'a nested array in any',
      { must: [{ key: 'a', match: { any: [['x']] } }] },
      'filter.must[0].match.any[0]',
    ],
    ['range that is not an object', { must: [{ key: 'a', range: 3 }] }, 'filter.must[0].range'],
    ['a range without bounds', { must: [{ key: 'a', range: {} }] }, 'filter.must[0].range'],
    ['an unknown range bound', { must: [{ key: 'a', range: { from: 1 } }] }, 'filter.must[0].range.from'],
    ['a year alone as a bound', { must: [{ key: 'a', range: { gte: '2020' } }] }, 'filter.must[0].range.gte'],
    [
      'a bound that is no date-time',
      { must: [{ key: 'a', range: { lt: 'soon' } }] },
      'filter.must[0].range.lt',
    ],
    [
      'an impossible calendar date',
      { must: [{ key: 'a', range: { lt: '2023-02-29T00:00:00Z' } }] },
      'filter.must[0].range.lt',
    ],
    [
      'a string bound after a number bound',
      { must: [{ key: 'a', range: { gte: 1, lt: '2024-01-01' } }] },
      'filter.must[0].range.lt',
    ],
    [
      'a number bound after a string bound',
      { must: [{ key: 'a', range: { gte: '2024-01-01', lt: 5 } }] },
      'filter.must[0].range.lt',
    ],
    ['a boolean bound', { must: [{ key: 'a', range: { gt: true } }] }, 'filter.must[0].range.gt'],
    ['a NaN bound', { must: [{}, { key: 'a', range: { gte: Number.NaN } }] }, 'filter.must[1].range.gte'],
    ['an infinite bound', { must: [{ key: 'a', range: { lt: -Infinity } }] }, 'filter.must[0].range.lt'],
    [
      'a range of null bounds only',
      { must: [{ key: 'a', range: { gt: null, lte: null } }] },
      'filter.must[0].range',
    ],
    ['exists that is not a boolean', { must: [{ key: 'a', exists: 1 }] }, 'filter.must[0].exists'],
    ['exists given as a string', { must: [{ key: 'a', exists: 'true' }] }, 'filter.must[0].exists'],
    [
      'an error deep inside nesting',
      { must_not: [{ should: [{ key: 'a', exists: null }] }] },
      'filter.must_not[0].should[0].exists',
    ],
    [
      `nesting ${MAX_FILTER_DEPTH + 1} levels deep`,
      deep(MAX_FILTER_DEPTH + 1),
      `filter${'.must[0]'.repeat(MAX_FILTER_DEPTH)}`,
    ],
    ['a cyclic filter', cyclic, `filter${'.must[0]'.repeat(MAX_FILTER_DEPTH)}`],
    [
      `${MAX_FILTER_CONDITIONS + 1} conditions`,
      many(MAX_FILTER_CONDITIONS + 1),
      `filter.must[0].should[${MAX_FILTER_CONDITIONS - 1}]`,
    ],
  ];
  for (const [name, input, path] of malformed) {
    test(`rejects ${name} at ${path}`, () => {
      assert.throws(() => parseFilter(input), InvalidFilterError);
      assert.throws(
        () => parseFilter(input),
        (error: InvalidFilterError) => error.path === path && error.code === 'INVALID_FILTER',
      );
    });
  }

  test('accepts exactly the limits that the rejections above exceed', () => {
    assert.doesNotThrow(() => parseFilter(deep(MAX_FILTER_DEPTH)));
    assert.doesNotThrow(() => parseFilter(many(MAX_FILTER_CONDITIONS)));
  });

  test('messages say what was expected and what was given', () => {
    const message = (input: unknown) => {
      try {
        parseFilter(input);
      } catch (error) {
        assert.ok(error instanceof InvalidFilterError);
        return error.message;
      }
      assert.fail('parseFilter accepted a malformed filter');
    };
    assert.equal(
      message({ must: [{ key: 'a' }, { key: 'y', range: { gte: '2020' } }] }),
      'filter.must[0]: expected exactly one of match, range, exists, geo_radius, geo_bounding_box, geo_polygon, values_count, is_empty, is_null, got none',
    );
    assert.equal(
      message({ must: [{ key: 'y', range: { gte: '2020' } }] }),
      'filter.must[0].range.gte: expected a finite number or an RFC 3339 date-time such as "2024-01-31T12:00:00Z", got the string "2020"',
    );
    assert.equal(
      message({ must: [{ key: 'y', range: { gt: 0, lte: '2024-01-01' } }] }),
      'filter.must[0].range.lte: expected a finite number, as the other bounds of this range, got the string "2024-01-01"',
    );
    assert.equal(
      message({ must: [{ key: 'a', match: { value: 1, text: 'x' } }] }),
      'filter.must[0].match: expected exactly one of value, any, except, text, text_any, phrase, got value and text',
    );
    assert.equal(
      message({ must: [{ key: 'a', match: { any: {} } }] }),
      'filter.must[0].match.any: expected an array of strings, finite numbers or booleans, got an object',
    );
    assert.equal(
      message({ mustNot: [] }),
      'filter.mustNot: unknown property "mustNot"; expected only must, should, must_not, min_should',
    );
    assert.equal(
      message({ must: [{ key: 'a', match: { value: 1 }, exists: true }] }),
      'filter.must[0]: expected exactly one of match, range, exists, geo_radius, geo_bounding_box, geo_polygon, values_count, is_empty, is_null, got match and exists',
    );
    assert.match(
      message([]),
      /^filter: expected a filter group \{ must\?, should\?, must_not\?, min_should\? \}, got an empty array$/,
    );
  });
});

describe('compileFilter agrees with the reference interpreter on random filters and payloads', () => {
  const words: Analyzer = (text) =>
    text
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((word) => word.length > 0);
  const options = { analyzerFor: () => words };

  test('500 filters × 300 payloads, seed 20240601', () => {
    const random = new RandomFilters(new SeededRandom(20240601), MIXED_SPACE);
    const payloads: (Payload | undefined)[] = Array.from({ length: 300 }, () => random.payload(3));
    payloads.push(undefined, {});
    let agreed = 0;
    let matched = 0;
    for (let f = 0; f < 500; f++) {
      const filter = random.filter(3);
      const parsed = parseFilter(filter);
      assert.deepEqual(parsed, filter);
      const predicate = compileFilter(parsed, options);
      for (const payload of payloads) {
        const expected = matchesReference(filter, payload, options);
        assert.equal(predicate(payload), expected, `${JSON.stringify(filter)} on ${JSON.stringify(payload)}`);
        agreed++;
        if (expected) matched++;
      }
    }
    // Neither outcome dominates, so agreement is not trivial: each occurs in over 15% of checks.
    assert.ok(matched > 0.15 * agreed && matched < 0.85 * agreed, `${matched} of ${agreed} matched`);
  });
});
