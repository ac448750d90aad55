import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headerOf, readSections, renderDocument, writeSections } from '../bench/doc-sections.js';

const doc = [
  '# Benchmarks',
  '',
  'old header',
  '',
  '<!-- section: exact-search -->',
  '## Exact search',
  '',
  'old exact',
  '<!-- /section: exact-search -->',
  '',
  '<!-- section: retired -->',
  '## Something no longer run',
  '<!-- /section: retired -->',
  '',
  '<!-- section: ingest -->',
  '## Ingest',
  '<!-- /section: ingest -->',
  '',
].join('\n');

test('readSections finds every marked section in order', () => {
  const sections = readSections(doc);
  assert.deepEqual([...sections.keys()], ['exact-search', 'retired', 'ingest']);
  assert.equal(sections.get('exact-search'), '## Exact search\n\nold exact');
});

test('replacing one section keeps the others; a round trip is stable', () => {
  const sections = readSections(doc);
  sections.set('ann', '## Approximate search\n\nnew');
  sections.set('exact-search', '## Exact search\n\nnew exact');
  const order = ['exact-search', 'ingest', 'ann'];
  const out = renderDocument('# Benchmarks\n\nnew header', sections, order);
  assert.ok(out.startsWith('# Benchmarks\n\nnew header\n\n<!-- section: exact-search -->\n'));
  assert.deepEqual([...readSections(out).keys()], ['exact-search', 'ingest', 'ann', 'retired']);
  assert.equal(readSections(out).get('exact-search'), '## Exact search\n\nnew exact');
  assert.equal(readSections(out).get('ingest'), '## Ingest');
  assert.ok(!out.includes('old'));
  assert.equal(renderDocument('# Benchmarks\n\nnew header', readSections(out), order), out);
});

test('writeSections replaces sections in place and keeps the header', () => {
  assert.equal(headerOf(doc), '# Benchmarks\n\nold header\n\n');
  const sections = readSections(doc);
  sections.set('retired', '## Something no longer run\n\nstamped');
  const out = writeSections(doc, sections);
  assert.ok(out.startsWith('# Benchmarks\n\nold header\n\n<!-- section: exact-search -->\n'));
  assert.deepEqual([...readSections(out).keys()], ['exact-search', 'retired', 'ingest']);
  assert.equal(readSections(out).get('retired'), '## Something no longer run\n\nstamped');
  assert.equal(writeSections(out, readSections(out)), out);
  assert.equal(headerOf('# Only a header\n'), '# Only a header\n');
});
