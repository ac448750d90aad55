/** A vector as a small line plot (component value by dimension), drawn with uPlot. */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export function VectorPlot({ vector, label }: { vector: number[]; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (host.current === null) return;
    const width = Math.min(480, host.current.clientWidth || 320);
    const xs = vector.map((_, i) => i);
    const plot = new uPlot(
      {
        width,
        height: 90,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false } },
        axes: [{ show: false }, { size: 40, font: '10px system-ui' }],
        series: [{}, { stroke: '#2563eb', width: 1 }],
      },
      [xs, vector],
      host.current,
    );
    return () => plot.destroy();
  }, [vector]);
  return <div ref={host} class="vector-plot" role="img" aria-label={label} data-testid="vector-plot" />;
}
