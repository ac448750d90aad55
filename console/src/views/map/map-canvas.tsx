/**
 * The map's drawing: points on a canvas, coloured by a payload key (categories: the ten
 * commonest values get colours, the rest grey; numbers: a blue-to-red ramp), the selected
 * point ringed and its neighbours drawn large. A click picks the nearest point within 8 px;
 * with the keyboard, the arrow keys step through the points and Enter picks one.
 * `data-rendered` holds the number of points drawn (what the tests read).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Payload, PointId } from '../../api/types.js';

const PALETTE = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#d97706',
  '#7c3aed',
  '#0891b2',
  '#db2777',
  '#65a30d',
  '#92400e',
  '#4b5563',
];
const OTHER = '#9ca3af';

/** A colour per point for payload key `key` (undefined: all one colour), and the legend. */
export function coloursFor(
  payloads: (Payload | null | undefined)[],
  key: string | undefined,
): { colours: string[]; legend: [string, string][] } {
  if (key === undefined || key === '') return { colours: payloads.map(() => PALETTE[0]), legend: [] };
  const values = payloads.map((p) => p?.[key]);
  const numbers = values.filter((v): v is number => typeof v === 'number');
  if (numbers.length > 0 && numbers.length === values.filter((v) => v !== undefined).length) {
    const min = Math.min(...numbers);
    const max = Math.max(...numbers);
    const ramp = (v: number) => {
      const t = max === min ? 0.5 : (v - min) / (max - min);
      return `hsl(${Math.round(220 - 220 * t)}, 70%, 45%)`;
    };
    return {
      colours: values.map((v) => (typeof v === 'number' ? ramp(v) : OTHER)),
      legend: [
        [String(min), ramp(min)],
        [String(max), ramp(max)],
      ],
    };
  }
  const counts = new Map<string, number>();
  for (const v of values)
    if (v !== undefined) counts.set(JSON.stringify(v), (counts.get(JSON.stringify(v)) ?? 0) + 1);
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, PALETTE.length);
  const colourOf = new Map(top.map(([v], i) => [v, PALETTE[i]]));
  return {
    colours: values.map((v) => (v === undefined ? OTHER : (colourOf.get(JSON.stringify(v)) ?? OTHER))),
    legend: top.map(([v], i) => [v.startsWith('"') ? (JSON.parse(v) as string) : v, PALETTE[i]]),
  };
}

export function MapCanvas({
  coords,
  ids,
  colours,
  selected,
  neighbours,
  onPick,
}: {
  coords: Float32Array;
  ids: PointId[];
  colours: string[];
  selected?: number;
  neighbours: Set<PointId>;
  onPick: (index: number) => void;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [cursor, setCursor] = useState(0);
  const screen = useRef<Float32Array>(new Float32Array(0));

  useEffect(() => {
    const c = canvas.current;
    if (c === null) return;
    const ratio = devicePixelRatio || 1;
    const width = c.clientWidth;
    const height = c.clientHeight;
    c.width = width * ratio;
    c.height = height * ratio;
    const g = c.getContext('2d')!;
    g.scale(ratio, ratio);
    g.clearRect(0, 0, width, height);
    const n = ids.length;
    let minX = Number.POSITIVE_INFINITY;
    let maxX = Number.NEGATIVE_INFINITY;
    let minY = Number.POSITIVE_INFINITY;
    let maxY = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      minX = Math.min(minX, coords[i * 2]);
      maxX = Math.max(maxX, coords[i * 2]);
      minY = Math.min(minY, coords[i * 2 + 1]);
      maxY = Math.max(maxY, coords[i * 2 + 1]);
    }
    const pad = 16;
    const sx = (width - 2 * pad) / (maxX - minX || 1);
    const sy = (height - 2 * pad) / (maxY - minY || 1);
    const xy = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      xy[i * 2] = pad + (coords[i * 2] - minX) * sx;
      xy[i * 2 + 1] = height - pad - (coords[i * 2 + 1] - minY) * sy;
    }
    screen.current = xy;
    const dot = (i: number, r: number) => {
      g.beginPath();
      g.arc(xy[i * 2], xy[i * 2 + 1], r, 0, Math.PI * 2);
      g.fill();
    };
    const dim = selected !== undefined;
    g.globalAlpha = dim ? 0.35 : 0.8;
    for (let i = 0; i < n; i++) {
      g.fillStyle = colours[i];
      dot(i, n > 2000 ? 2 : 3);
    }
    g.globalAlpha = 1;
    for (let i = 0; i < n; i++) {
      if (!neighbours.has(ids[i])) continue;
      g.fillStyle = colours[i];
      dot(i, 5);
      g.strokeStyle = '#111827';
      g.lineWidth = 1;
      g.stroke();
    }
    const ring = (i: number, colour: string) => {
      g.beginPath();
      g.arc(xy[i * 2], xy[i * 2 + 1], 8, 0, Math.PI * 2);
      g.strokeStyle = colour;
      g.lineWidth = 2;
      g.stroke();
    };
    if (selected !== undefined) ring(selected, '#111827');
    if (document.activeElement === c && cursor < n) ring(cursor, '#f59e0b');
    c.dataset.rendered = String(n);
  }, [coords, ids, colours, selected, neighbours, cursor]);

  const pickAt = (event: MouseEvent) => {
    const c = canvas.current!;
    const box = c.getBoundingClientRect();
    const x = event.clientX - box.left;
    const y = event.clientY - box.top;
    const xy = screen.current;
    let best = -1;
    let bestDistance = 64;
    for (let i = 0; i < xy.length / 2; i++) {
      const d = (xy[i * 2] - x) ** 2 + (xy[i * 2 + 1] - y) ** 2;
      if (d < bestDistance) {
        best = i;
        bestDistance = d;
      }
    }
    if (best >= 0) onPick(best);
  };

  return (
    <canvas
      ref={canvas}
      class="map-canvas"
      tabIndex={0}
      aria-label={`Map of ${ids.length} points. Arrow keys move between points, Enter shows a point's neighbours.`}
      data-testid="map-canvas"
      onClick={pickAt}
      onKeyDown={(e) => {
        if (ids.length === 0) return;
        if (e.key === 'ArrowRight' || e.key === 'ArrowDown') setCursor((cursor + 1) % ids.length);
        else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp')
          setCursor((cursor - 1 + ids.length) % ids.length);
        else if (e.key === 'Enter') onPick(cursor);
        else return;
        e.preventDefault();
      }}
    />
  );
}
