/**
 * `quiver import --images DIR` and `quiver import --text FILE.jsonl --field key`: raw inputs
 * vectorized by the collection's provider (real providers: `color-histogram` for images,
 * `glove-100` for texts), the collection created on the way, a re-run that skips what is
 * already stored (resumable), and the usage errors of the new options. Runs `bin/quiver.js`.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { STDLIB_PHOTOS } from './support/classical-photos.js';
import { quiverRunner } from './support/cli.js';

describe('quiver import of raw inputs', () => {
  let dir: string;
  const cli = quiverRunner(() => join(dir, 'data'));
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'quiver-cli-raw-'));
    await mkdir(join(dir, 'photos', 'more'), { recursive: true });
    await copyFile(STDLIB_PHOTOS[0], join(dir, 'photos', 'a.jpg'));
    await copyFile(STDLIB_PHOTOS[1], join(dir, 'photos', 'b.jpg'));
    await copyFile(STDLIB_PHOTOS[2], join(dir, 'photos', 'more', 'c.jpg'));
    await writeFile(join(dir, 'photos', 'notes.txt'), 'not an image');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('--images creates the collection, imports every image under the folder, and a re-run skips them', async () => {
    const first = await cli.ok([
      'import',
      '--images',
      join(dir, 'photos'),
      '--provider',
      'color-histogram',
      '--collection',
      'photos',
    ]);
    assert.match(first, /^imported 3 inputs into photos/);
    const info = JSON.parse(await cli.ok(['info', 'photos', '--json']));
    assert.equal(info.count, 3);
    assert.equal(info.vectors.image.provider, 'color-histogram');
    const again = await cli.ok(['import', 'photos', '--images', join(dir, 'photos')]);
    assert.match(again, /^imported 0 inputs into photos.*skipped 3 already there/);
  });

  test('--text imports the texts of a JSON Lines file with their other properties as payload', async () => {
    const file = join(dir, 'docs.jsonl');
    await writeFile(
      file,
      [
        JSON.stringify({ id: 'k', body: 'the king and the queen in the royal palace', year: 1990 }),
        '',
        JSON.stringify({ body: 'football players score a goal in the stadium' }),
      ].join('\n'),
    );
    const out = await cli.ok(['import', '--text', file, '--field', 'body', '--collection', 'docs']);
    assert.match(out, /^imported 2 inputs into docs/);
    const info = JSON.parse(await cli.ok(['info', 'docs', '--json']));
    assert.deepEqual(
      { count: info.count, provider: info.vectors.body.provider },
      { count: 2, provider: 'glove-100' },
    );
    const again = await cli.ok(['import', '--text', file, '--field', 'body', '--collection', 'docs']);
    assert.match(again, /skipped 2 already there/);
  });

  test('usage errors of the raw-input options exit with 2', async () => {
    await cli.fails(['import', '--images', join(dir, 'photos')], 2, /name the collection/);
    await cli.fails(['import', 'c', '--text', join(dir, 'docs.jsonl')], 2, /--text needs --field/);
    await cli.fails(['import', 'c', 'file.npy', '--images', join(dir, 'photos')], 2, /not both/);
    await cli.fails(
      ['import', 'c', '--images', join(dir, 'photos'), '--create'],
      2,
      /applies to vector files/,
    );
    await cli.fails(['import', 'c', 'file.npy', '--provider', 'hog'], 2, /needs --images or --text/);
    await cli.fails(['import', 'c', '--images', join(dir, 'nowhere')], 1, /nowhere: no such file or folder/);
    await cli.fails(
      ['import', 'photos', '--images', join(dir, 'photos'), '--provider', 'hog'],
      1,
      /vectorizes 'image' with color-histogram/,
    );
  });
});
