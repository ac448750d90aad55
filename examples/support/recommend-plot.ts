/**
 * The recall@k curve of the recommendation example as a standalone SVG document, written by
 * hand like the benchmarks' plots (no plotting dependency): k on a log x axis at the report's
 * cut-offs, recall@k on a linear y axis from 0, one polyline with point markers per method, a
 * legend and a tooltip (`<title>`) per point.
 */
import type { MethodResult } from './recommend-eval.js';

const WIDTH = 760;
const HEIGHT = 480;
const MARGIN = { left: 64, right: 250, top: 44, bottom: 54 };
const COLOURS = ['#d62728', '#ff7f0e', '#1f77b4', '#9467bd', '#2ca02c', '#7f7f7f', '#8c564b', '#17becf'];

/**
 * The SVG text of recall@k against k for every method.
 * @throws Error when there are no methods or the cut-offs are not positive and increasing
 */
export function recallCurvePlot(
  methods: readonly MethodResult[],
  cutoffs: readonly number[],
  title: string,
): string {
  if (methods.length === 0) throw new Error('recallCurvePlot: no methods to plot');
  if (cutoffs.some((k, i) => k <= 0 || (i > 0 && k <= cutoffs[i - 1]))) {
    throw new Error(`recallCurvePlot: cut-offs must be positive and increasing, got ${cutoffs.join(', ')}`);
  }
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const lo = Math.log10(cutoffs[0]);
  const hi = Math.log10(cutoffs[cutoffs.length - 1]);
  const top = Math.min(1, Math.ceil(Math.max(...methods.flatMap((m) => m.recall)) * 10 + 0.5) / 10);
  const x = (k: number) => MARGIN.left + (hi === lo ? plotW / 2 : ((Math.log10(k) - lo) / (hi - lo)) * plotW);
  const y = (r: number) => MARGIN.top + plotH - (r / top) * plotH;
  const f = (v: number) => v.toFixed(1);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (let r = 0; r <= top + 1e-9; r += top > 0.5 ? 0.1 : 0.05) {
    out.push(
      `<line x1="${MARGIN.left}" y1="${f(y(r))}" x2="${MARGIN.left + plotW}" y2="${f(y(r))}" stroke="#e4e4e4"/>`,
      `<text x="${MARGIN.left - 8}" y="${f(y(r))}" dy="4" text-anchor="end">${r.toFixed(2)}</text>`,
    );
  }
  for (const k of cutoffs) {
    out.push(
      `<line x1="${f(x(k))}" y1="${MARGIN.top}" x2="${f(x(k))}" y2="${MARGIN.top + plotH}" stroke="#eeeeee"/>`,
      `<text x="${f(x(k))}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${k}</text>`,
    );
  }
  out.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888888"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 14}" text-anchor="middle">k (recommended items, log scale)</text>`,
    `<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">recall@k of held-out interactions</text>`,
  );
  methods.forEach((m, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const points = cutoffs.map((k, j) => `${f(x(k))},${f(y(m.recall[j]))}`).join(' ');
    out.push(`<polyline points="${points}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    cutoffs.forEach((k, j) => {
      out.push(
        `<circle cx="${f(x(k))}" cy="${f(y(m.recall[j]))}" r="3.5" fill="${colour}"><title>${escapeXml(m.name)}: recall@${k} ${m.recall[j].toFixed(3)}</title></circle>`,
      );
    });
    const ly = MARGIN.top + 12 + i * 22;
    const lx = MARGIN.left + plotW + 16;
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`,
      `<text x="${lx + 28}" y="${ly}" dy="4">${escapeXml(m.name)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
