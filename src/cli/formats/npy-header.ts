/**
 * The header of a NumPy `.npy` file (format versions 1.0, 2.0 and 3.0, as specified in
 * `numpy/lib/format.py`):
 *
 * ```
 * bytes 0–5   magic "\x93NUMPY"
 * byte  6, 7  major, minor version
 * v1:   bytes 8–9   header length, uint16 little-endian; header (latin-1) starts at byte 10
 * v2/3: bytes 8–11  header length, uint32 little-endian; header starts at byte 12 (v3: UTF-8)
 * header      a Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (1000, 128), }
 *             padded with spaces and ended by '\n'; the data follows it.
 * ```
 *
 * Only what Quiver can import is accepted: `descr` `<f4` or `<f8`, `fortran_order` False,
 * a 2-D `shape`. Everything else is refused with a `FileFormatError` saying what was found.
 */
import { FileFormatError } from './vector-file.js';

/** Bytes before the header dict of a version 1 file; versions 2 and 3 have two more. */
export const NPY_PREAMBLE_BYTES = 12;

/** Element types Quiver imports, with their size in bytes. */
export type NpyDtype = 'float32' | 'float64';

export interface NpyHeader {
  version: string;
  dtype: NpyDtype;
  itemBytes: number;
  rows: number;
  dimension: number;
  /** Byte offset of the first data element. */
  dataOffset: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

const SUPPORTED_DESCR: Record<string, { dtype: NpyDtype; itemBytes: number }> = {
  '<f4': { dtype: 'float32', itemBytes: 4 },
  '<f8': { dtype: 'float64', itemBytes: 8 },
};

/**
 * Reads the version and header length from the first bytes of a file (at least 12, or the
 * whole file if shorter). Returns where the header dict starts and how long it is.
 */
export function parseNpyPreamble(
  file: string,
  bytes: Uint8Array,
): { major: number; minor: number; headerStart: number; headerLength: number } {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new FileFormatError(file, 'not a NumPy .npy file (missing the \\x93NUMPY magic)');
  }
  const major = bytes[6];
  const minor = bytes[7];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major === 1) return { major, minor, headerStart: 10, headerLength: view.getUint16(8, true) };
  if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new FileFormatError(file, 'truncated .npy preamble');
    return { major, minor, headerStart: 12, headerLength: view.getUint32(8, true) };
  }
  throw new FileFormatError(
    file,
    `unsupported .npy format version ${major}.${minor} (expected 1.0, 2.0 or 3.0)`,
  );
}

/** Validates the header dict text and returns what the reader needs. */
export function parseNpyHeader(
  file: string,
  version: { major: number; minor: number },
  headerText: string,
  dataOffset: number,
): NpyHeader {
  let dict: unknown;
  try {
    dict = new PythonLiteralParser(headerText).parseDocument();
  } catch (error) {
    throw new FileFormatError(
      file,
      `malformed .npy header ${JSON.stringify(headerText.trim())}: ${message(error)}`,
    );
  }
  if (!(dict instanceof Map)) throw new FileFormatError(file, '.npy header is not a dict');
  const descr = dict.get('descr');
  const fortranOrder = dict.get('fortran_order');
  const shape = dict.get('shape');
  if (typeof descr !== 'string') {
    throw new FileFormatError(
      file,
      `unsupported dtype ${describe(descr)}: structured arrays are not supported; expected '<f4' or '<f8'`,
    );
  }
  const type = SUPPORTED_DESCR[descr];
  if (type === undefined) {
    throw new FileFormatError(
      file,
      `unsupported dtype '${descr}'; expected '<f4' (little-endian float32) or '<f8' (little-endian float64)`,
    );
  }
  if (fortranOrder !== false) {
    throw new FileFormatError(
      file,
      `fortran_order is ${describe(fortranOrder)}; only C-order arrays are supported (use numpy.ascontiguousarray)`,
    );
  }
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new FileFormatError(
      file,
      `shape ${describe(shape)} is not 2-D (rows, dimension); expected e.g. (1000, 128)`,
    );
  }
  const [rows, dimension] = shape as [number, number];
  if (dimension === 0) throw new FileFormatError(file, `shape (${rows}, 0) has dimension 0`);
  return {
    version: `${version.major}.${version.minor}`,
    dtype: type.dtype,
    itemBytes: type.itemBytes,
    rows,
    dimension,
    dataOffset,
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Python-ish rendering of a parsed header value, for error messages. */
function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null) return 'None';
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `(${value.map(describe).join(', ')}${value.length === 1 ? ',' : ''})`;
  if (value instanceof Map) return 'a dict';
  return String(value);
}

/**
 * Parses the subset of Python literals that `.npy` headers use: dicts (→ `Map`), tuples and
 * lists (→ arrays), strings, integers, True/False/None. Trailing commas are allowed.
 */
class PythonLiteralParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseDocument(): unknown {
    const value = this.parseValue();
    this.skipSpace();
    if (this.pos !== this.text.length) this.fail('unexpected text after the dict');
    return value;
  }

  private parseValue(): unknown {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '{') return this.parseDict();
    if (c === '(') return this.parseSequence(')');
    if (c === '[') return this.parseSequence(']');
    if (c === "'" || c === '"') return this.parseString(c);
    const word = /^(-?\d+L?|True|False|None)/.exec(this.text.slice(this.pos));
    if (word === null) this.fail(`unexpected character ${JSON.stringify(c ?? 'end of header')}`);
    this.pos += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    return Number.parseInt(word[0], 10);
  }

  private parseDict(): Map<unknown, unknown> {
    const dict = new Map<unknown, unknown>();
    this.pos++; // '{'
    while (!this.consume('}')) {
      const key = this.parseValue();
      this.skipSpace();
      if (!this.consume(':')) this.fail("expected ':'");
      dict.set(key, this.parseValue());
      this.endItem('}');
    }
    return dict;
  }

  private parseSequence(close: string): unknown[] {
    const items: unknown[] = [];
    this.pos++; // '(' or '['
    while (!this.consume(close)) {
      items.push(this.parseValue());
      this.endItem(close);
    }
    return items;
  }

  /** After an item: a comma, or the closing bracket (left for the caller's loop to consume). */
  private endItem(close: string): void {
    this.skipSpace();
    if (this.consume(',')) return;
    if (this.text[this.pos] !== close) this.fail(`expected ',' or '${close}'`);
  }

  private parseString(quote: string): string {
    const end = this.text.indexOf(quote, this.pos + 1);
    if (end < 0) this.fail('unterminated string');
    const value = this.text.slice(this.pos + 1, end);
    this.pos = end + 1;
    return value;
  }

  private consume(c: string): boolean {
    this.skipSpace();
    if (this.text[this.pos] !== c) return false;
    this.pos++;
    return true;
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  private fail(reason: string): never {
    throw new SyntaxError(`${reason} at position ${this.pos}`);
  }
}
