/** A cluster process's id (node or worker): made once, kept in its folder as `node-id`. */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function nodeIdOf(folder: string): string {
  const file = join(folder, 'node-id');
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (id) return id;
  } catch {
    // first start
  }
  const id = randomUUID();
  writeFileSync(file, id);
  return id;
}
