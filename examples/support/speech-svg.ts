/**
 * The speech example's chart as a standalone SVG document, written by hand like the other
 * examples' plots (no plotting dependency): for each method, grouped bars of precision@1 over
 * all recordings, precision@1 and precision@10 in other voices, and mAP (where the method
 * ranks every candidate), on a 0–1 axis, with a legend and a tooltip (`<title>`) per bar.
 */
import type { MethodResult } from './speech-eval.js';

const WIDTH = 820;
const HEIGHT = 440;
const MARGIN = { left: 60, right: 20, top: 44, bottom: 90 };
const SERIES = [
  { name: 'P@1, all', colour: '#1f77b4', value: (m: MethodResult) => m.scopes.all.precision[0] },
  {
    name: 'P@1, other voices',
    colour: '#ff7f0e',
    value: (m: MethodResult) => m.scopes['other voices'].precision[0],
  },
  {
    name: 'P@10, other voices',
    colour: '#2ca02c',
    value: (m: MethodResult) => m.scopes['other voices'].precision[2],
  },
  { name: 'mAP, all', colour: '#9467bd', value: (m: MethodResult) => m.scopes.all.map },
] as const;

/**
 * The SVG text of the chart.
 * @throws Error when there are no methods
 */
export function precisionChart(methods: readonly MethodResult[], title: string): string {
  if (methods.length === 0) throw new Error('precisionChart: no methods to plot');
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const group = plotW / methods.length;
  const bar = (group * 0.8) / SERIES.length;
  const y = (v: number) => MARGIN.top + plotH - v * plotH;
  const f = (v: number) => v.toFixed(1);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (let v = 0; v <= 1.0001; v += 0.2) {
    out.push(
      `<line x1="${MARGIN.left}" y1="${f(y(v))}" x2="${MARGIN.left + plotW}" y2="${f(y(v))}" stroke="#e4e4e4"/>`,
      `<text x="${MARGIN.left - 8}" y="${f(y(v))}" dy="4" text-anchor="end">${v.toFixed(1)}</text>`,
    );
  }
  methods.forEach((m, i) => {
    const x0 = MARGIN.left + i * group + group * 0.1;
    SERIES.forEach((s, j) => {
      const v = s.value(m);
      if (v === undefined) return;
      out.push(
        `<rect x="${f(x0 + j * bar)}" y="${f(y(v))}" width="${f(bar - 2)}" height="${f(y(0) - y(v))}" fill="${s.colour}"><title>${escapeXml(m.name)}: ${s.name} ${v.toFixed(3)}</title></rect>`,
      );
    });
    // Names like 'audio-mfcc segments, HNSW' take two lines, split at the comma.
    m.name.split(', ').forEach((line, j) => {
      out.push(
        `<text x="${f(x0 + group * 0.4)}" y="${MARGIN.top + plotH + 18 + j * 15}" text-anchor="middle">${escapeXml(line)}</text>`,
      );
    });
  });
  out.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888888"/>`,
    `<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">precision / mAP</text>`,
  );
  SERIES.forEach((s, j) => {
    const lx = MARGIN.left + j * 180;
    const ly = HEIGHT - 22;
    out.push(
      `<rect x="${lx}" y="${ly - 9}" width="14" height="12" fill="${s.colour}"/>`,
      `<text x="${lx + 20}" y="${ly}" dy="1">${escapeXml(s.name)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
