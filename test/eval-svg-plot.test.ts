import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recallQpsPlot } from '../bench/ann/svg-plot.js';

const series = [
  {
    name: 'a & b',
    points: [
      { recall: 0.9, qps: 10_000, label: 'ef 10' },
      { recall: 0.99, qps: 1_000, label: 'ef 100' },
    ],
  },
  { name: 'c', colour: '#123456', points: [{ recall: 0.95, qps: 3_000, label: 'ef 32' }] },
];

function circles(svg: string): { x: number; y: number }[] {
  return [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)" r="3.5" fill="[^"]+"><title>/g)].map((m) => ({
    x: Number(m[1]),
    y: Number(m[2]),
  }));
}

test('recallQpsPlot draws every point inside the frame, QPS on a log axis', () => {
  const svg = recallQpsPlot(series, { title: 'T', xLabel: 'recall@10', yLabel: 'QPS', guides: [0.95, 0.99] });
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  const points = circles(svg);
  assert.equal(points.length, 3);
  for (const p of points) assert.ok(p.x >= 0 && p.x <= 760 && p.y >= 0 && p.y <= 500, JSON.stringify(p));
  // x is linear in recall: 0.95 is (0.95 − 0.9) / (0.99 − 0.9) = 5/9 of the way from 0.9 to 0.99
  const [a10k, a1k, c3k] = points;
  assert.ok(Math.abs((c3k.x - a10k.x) / (a1k.x - a10k.x) - 0.05 / 0.09) < 0.01);
  // y is logarithmic: 3,000 sits log10(3) of the way from 1,000 to 10,000
  assert.ok(Math.abs((a1k.y - c3k.y) / (a1k.y - a10k.y) - Math.log10(3)) < 0.01);
  // one polyline for the two-point series; none for the single point
  assert.equal([...svg.matchAll(/<polyline /g)].length, 1);
  // names are escaped; the given colour is used
  assert.ok(svg.includes('a &amp; b'));
  assert.ok(svg.includes('fill="#123456"'));
  // both guides are drawn
  assert.equal([...svg.matchAll(/stroke-dasharray/g)].length, 2);
});

test('recallQpsPlot refuses an empty plot', () => {
  assert.throws(() => recallQpsPlot([], { title: 'T', xLabel: 'x', yLabel: 'y' }), /no points/);
});
