/**
 * The tables of the examples' reports: Markdown for docs/benchmarks.md, or aligned columns for
 * the console (the first column left-aligned, the others right-aligned). Every row has as many
 * cells as `header`.
 */
export function reportTable(header: string[], rows: string[][], style: 'console' | 'markdown'): string {
  if (style === 'markdown') {
    return [
      `| ${header.join(' | ')} |`,
      `|---|${header
        .slice(1)
        .map(() => '---:')
        .join('|')}|`,
      ...rows.map((r) => `| ${r.join(' | ')} |`),
    ].join('\n');
  }
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (cells: string[]) =>
    cells.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
