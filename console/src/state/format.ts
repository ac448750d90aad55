/** How the console writes numbers, sizes and JSON. */

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function formatCount(n: number | undefined): string {
  return n === undefined ? '—' : n.toLocaleString('en-US');
}

export function formatScore(score: number): string {
  return Math.abs(score) >= 1000 ? score.toExponential(3) : score.toFixed(4);
}

/** A payload value in a table cell: strings as they are, the rest as JSON, cut at `max` characters. */
export function cellText(value: unknown, max = 60): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Parses JSON typed by the user; undefined for empty text. Throws SyntaxError with the position. */
export function parseJsonInput(text: string): unknown {
  return text.trim() === '' ? undefined : JSON.parse(text);
}
