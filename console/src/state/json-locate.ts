/**
 * Where a JSON path points in JSON text: the server names the field it refuses by a path
 * (`filter.must[0].match.valeu`), and the filter editor highlights that spot in what the
 * user typed. A small JSON parser that records, for every value and every object key, the
 * character range it occupies.
 *
 * Invariant: for text that `JSON.parse` accepts, `locate(text, path)` is the range of the
 * deepest part of `path` that exists in it: the key and value of a property (so an unknown
 * property is highlighted whole), the value of an array element, or the whole text for the
 * empty path. Text that does not parse gives undefined.
 */

export interface TextRange {
  start: number;
  end: number;
}

/** Splits `filter.must[0].match.valeu` into ['filter', 'must', 0, 'match', 'valeu']. */
export function pathSegments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) out.push(Number(match[2]));
    else out.push(match[1]);
  }
  return out;
}

/** The range in `text` of what `segments` name (see the module comment). */
export function locate(text: string, segments: (string | number)[]): TextRange | undefined {
  const ranges = new Map<string, TextRange>();
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const fail = (): never => {
    throw new SyntaxError(`unexpected character at ${i}`);
  };
  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail();
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (key: string): void => {
    ws();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') i++;
      else
        for (;;) {
          ws();
          if (text[i] !== '"') fail();
          const keyStart = i;
          const name = string();
          ws();
          if (text[i] !== ':') fail();
          i++;
          const child = `${key}\u0000${name}`;
          value(child);
          const inner = ranges.get(child)!;
          ranges.set(child, { start: keyStart, end: inner.end });
          ws();
          if (text[i] === ',') {
            i++;
            continue;
          }
          if (text[i] === '}') {
            i++;
            break;
          }
          fail();
        }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') i++;
      else
        for (let n = 0; ; n++) {
          value(`${key}\u0000${n}`);
          ws();
          if (text[i] === ',') {
            i++;
            continue;
          }
          if (text[i] === ']') {
            i++;
            break;
          }
          fail();
        }
    } else if (c === '"') {
      string();
    } else {
      const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
      if (m === null) fail();
      i += m![0].length;
    }
    ranges.set(key, { start, end: i });
  };
  try {
    value('');
    ws();
    if (i !== text.length) fail();
  } catch {
    return undefined;
  }
  let key = '';
  let found = ranges.get('');
  for (const segment of segments) {
    key = `${key}\u0000${segment}`;
    const range = ranges.get(key);
    if (range === undefined) break;
    found = range;
  }
  return found;
}

/** 1-based line and column of offset `at` in `text`. */
export function lineColumn(text: string, at: number): { line: number; column: number } {
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}
