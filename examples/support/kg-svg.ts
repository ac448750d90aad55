/**
 * A grouped bar chart of link-prediction metrics (values in [0, 1]) as a standalone SVG,
 * written by hand like bench/ann/svg-plot.ts: one group per metric, one bar per system, a
 * legend, and each bar's value printed above it. A missing value (e.g. a metric a paper did
 * not report) leaves its slot empty.
 */

export interface BarSeries {
  name: string;
  /** One value per metric, in the order of `metrics`; `undefined` for "not reported". */
  values: (number | undefined)[];
}

const WIDTH = 760;
const HEIGHT = 420;
const MARGIN = { left: 56, right: 20, top: 44, bottom: 84 };
const COLOURS = ['#9e9e9e', '#1f77b4', '#2ca02c', '#ff7f0e', '#d62728', '#9467bd'];

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The SVG text of the chart. */
export function metricBarChart(
  title: string,
  metrics: readonly string[],
  series: readonly BarSeries[],
): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const groupW = plotW / metrics.length;
  const barW = (groupW * 0.8) / series.length;
  const y = (v: number) => MARGIN.top + plotH * (1 - v);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (let i = 0; i <= 10; i += 2) {
    const py = y(i / 10).toFixed(1);
    out.push(
      `<line x1="${MARGIN.left}" y1="${py}" x2="${MARGIN.left + plotW}" y2="${py}" stroke="#e4e4e4"/>`,
      `<text x="${MARGIN.left - 8}" y="${py}" dy="4" text-anchor="end">${(i / 10).toFixed(1)}</text>`,
    );
  }
  metrics.forEach((metric, m) => {
    const gx = MARGIN.left + m * groupW + groupW * 0.1;
    out.push(
      `<text x="${(gx + groupW * 0.4).toFixed(1)}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${escapeXml(metric)}</text>`,
    );
    series.forEach((s, i) => {
      const v = s.values[m];
      if (v === undefined) return;
      const x = gx + i * barW;
      out.push(
        `<rect x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(plotH * v).toFixed(1)}" fill="${COLOURS[i % COLOURS.length]}"><title>${escapeXml(`${s.name}: ${metric} ${v.toFixed(3)}`)}</title></rect>`,
        `<text x="${(x + barW / 2).toFixed(1)}" y="${(y(v) - 4).toFixed(1)}" text-anchor="middle" font-size="10">${v.toFixed(2)}</text>`,
      );
    });
  });
  series.forEach((s, i) => {
    const lx = MARGIN.left + (i % 3) * (plotW / 3);
    const ly = HEIGHT - 44 + Math.floor(i / 3) * 18;
    out.push(
      `<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${COLOURS[i % COLOURS.length]}"/>`,
      `<text x="${lx + 18}" y="${ly}">${escapeXml(s.name)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
