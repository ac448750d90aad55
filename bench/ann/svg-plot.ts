/**
 * A recall/QPS plot as a standalone SVG document, written by hand so the benchmarks need no
 * plotting dependency: recall on a linear x axis (up to 1), queries per second on a log y
 * axis, one polyline with point markers per library (points in the order given, i.e. by
 * ef), dashed guides at the recall targets, a legend, and a tooltip (`<title>`) per point.
 */

export interface PlotPoint {
  recall: number;
  qps: number;
  /** Shown in the point's tooltip, e.g. `ef 64`. */
  label: string;
}

export interface PlotSeries {
  name: string;
  points: PlotPoint[];
  /** CSS colour; by default the series' position picks one from a fixed palette. */
  colour?: string;
}

export interface PlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Recalls marked with dashed vertical lines, e.g. [0.95, 0.99]. */
  guides?: number[];
}

const WIDTH = 760;
const HEIGHT = 500;
const MARGIN = { left: 78, right: 24, top: 44, bottom: 58 };
const COLOURS = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

/** The SVG text of the plot. Series without points are listed in the legend only. */
export function recallQpsPlot(series: readonly PlotSeries[], options: PlotOptions): string {
  const points = series.flatMap((s) => s.points);
  if (points.length === 0) throw new Error('recallQpsPlot: no points to plot');
  const minRecall = Math.min(...points.map((p) => p.recall));
  const xMin = Math.max(0, Math.min(0.9, Math.floor(minRecall * 10) / 10));
  const xMax = 1;
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...points.map((p) => p.qps))));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...points.map((p) => p.qps)) * 1.0001));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (r: number) => MARGIN.left + ((r - xMin) / (xMax - xMin)) * plotW;
  const y = (q: number) =>
    MARGIN.top + plotH - ((Math.log10(q) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * plotH;
  const fmt = (v: number) => v.toFixed(1);

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`,
  ];

  // Grid and ticks: x every 0.1, 0.05 or 0.01 (5–11 ticks), y at 1, 2, 5 × 10^n.
  const xStep = xMax - xMin > 0.5 ? 0.1 : xMax - xMin > 0.1 ? 0.05 : 0.01;
  for (let i = 0; xMin + i * xStep <= xMax + 1e-9; i++) {
    const r = xMin + i * xStep;
    const px = fmt(x(r));
    out.push(
      `<line x1="${px}" y1="${MARGIN.top}" x2="${px}" y2="${MARGIN.top + plotH}" stroke="#e4e4e4"/>`,
      `<text x="${px}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${r.toFixed(2)}</text>`,
    );
  }
  for (let decade = yMin; decade < yMax * 1.0001; decade *= 10) {
    for (const m of [1, 2, 5]) {
      const q = decade * m;
      if (q > yMax * 1.0001) break;
      const py = fmt(y(q));
      out.push(
        `<line x1="${MARGIN.left}" y1="${py}" x2="${MARGIN.left + plotW}" y2="${py}" stroke="${m === 1 ? '#d0d0d0' : '#eeeeee'}"/>`,
        `<text x="${MARGIN.left - 8}" y="${py}" dy="4" text-anchor="end">${formatQps(q)}</text>`,
      );
    }
  }
  for (const g of options.guides ?? []) {
    if (g < xMin || g > xMax) continue;
    const px = fmt(x(g));
    out.push(
      `<line x1="${px}" y1="${MARGIN.top}" x2="${px}" y2="${MARGIN.top + plotH}" stroke="#888888" stroke-dasharray="4 4"/>`,
      `<text x="${px}" y="${MARGIN.top - 6}" text-anchor="middle" fill="#555555">${g}</text>`,
    );
  }
  out.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333333"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 14}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    `<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
  );

  const colourOf = (s: PlotSeries, i: number) => s.colour ?? COLOURS[i % COLOURS.length];
  series.forEach((s, i) => {
    const colour = colourOf(s, i);
    const visible = s.points.filter((p) => p.recall >= xMin);
    if (visible.length > 1) {
      const path = visible.map((p) => `${fmt(x(p.recall))},${fmt(y(p.qps))}`).join(' ');
      out.push(`<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    }
    for (const p of visible) {
      out.push(
        `<circle cx="${fmt(x(p.recall))}" cy="${fmt(y(p.qps))}" r="3.5" fill="${colour}">` +
          `<title>${escapeXml(`${s.name}: ${p.label}, recall ${p.recall.toFixed(4)}, ${Math.round(p.qps)} QPS`)}</title></circle>`,
      );
    }
  });

  // Legend in the lower left, where curves (fast at low recall, slow at high) rarely pass.
  const lineHeight = 18;
  const legendW = 12 + 28 + 7 * Math.max(...series.map((s) => s.name.length));
  const legendH = 8 + lineHeight * series.length;
  const lx = MARGIN.left + 10;
  const ly = MARGIN.top + plotH - 10 - legendH;
  out.push(
    `<rect x="${lx}" y="${ly}" width="${legendW}" height="${legendH}" fill="#ffffff" fill-opacity="0.9" stroke="#bbbbbb"/>`,
  );
  series.forEach((s, i) => {
    const colour = colourOf(s, i);
    const cy = ly + 4 + lineHeight * i + lineHeight / 2;
    out.push(
      `<line x1="${lx + 8}" y1="${cy}" x2="${lx + 30}" y2="${cy}" stroke="${colour}" stroke-width="2"/>`,
      `<circle cx="${lx + 19}" cy="${cy}" r="3.5" fill="${colour}"/>`,
      `<text x="${lx + 36}" y="${cy}" dy="4">${escapeXml(s.name)}</text>`,
    );
  });
  out.push('</svg>', '');
  return out.join('\n');
}

function formatQps(q: number): string {
  if (q >= 1e6) return `${q / 1e6}M`;
  if (q >= 1e3) return `${q / 1e3}k`;
  return String(q);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
