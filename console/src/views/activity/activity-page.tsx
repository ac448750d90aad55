/**
 * Activity, from `/metrics` every 2 s: requests per second and latency percentiles (p50,
 * p95, p99 of the requests between two scrapes) over the last two minutes as charts, and a
 * table of requests and errors (4xx, 5xx) by route since the server started. The console's
 * own polling shows up here too (`GET /metrics`, `GET /collections`).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import {
  bucketDelta,
  parsePrometheus,
  quantile,
  type Traffic,
  totalRequests,
  trafficOf,
} from '../../api/prometheus.js';
import { formatCount } from '../../state/format.js';
import { ErrorText } from '../common/error-text.js';
import { useSession } from '../session-context.js';

const INTERVAL_MS = 2000;
const WINDOW = 60;

interface Point {
  t: number;
  rps: number;
  p50?: number;
  p95?: number;
  p99?: number;
}

export function ActivityPage() {
  const { api } = useSession();
  const [history, setHistory] = useState<Point[]>([]);
  const [traffic, setTraffic] = useState<Traffic | undefined>();
  const [error, setError] = useState<unknown>();
  const last = useRef<{ t: number; traffic: Traffic } | undefined>(undefined);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const scrape = async () => {
      try {
        const now = trafficOf(parsePrometheus(await api.metrics()));
        const t = Date.now() / 1000;
        const before = last.current;
        if (before !== undefined && !stopped) {
          const seconds = Math.max(t - before.t, 0.001);
          const delta = bucketDelta(now.buckets, before.traffic.buckets);
          const ms = (q: number) => {
            const s = quantile(delta, q);
            return s === undefined ? undefined : s * 1000;
          };
          const point = {
            t,
            rps: (totalRequests(now) - totalRequests(before.traffic)) / seconds,
            p50: ms(0.5),
            p95: ms(0.95),
            p99: ms(0.99),
          };
          setHistory((h) => [...h.slice(-(WINDOW - 1)), point]);
        }
        last.current = { t, traffic: now };
        if (!stopped) {
          setTraffic(now);
          setError(undefined);
        }
      } catch (e) {
        if (!stopped) setError(e);
      }
      if (!stopped) timer = setTimeout(scrape, INTERVAL_MS);
    };
    scrape();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [api]);

  const latest = history[history.length - 1];
  return (
    <section aria-labelledby="activity-title">
      <h1 id="activity-title">Activity</h1>
      <ErrorText error={error} />
      <div class="stats" data-testid="activity-stats">
        <Stat label="requests/s" value={latest === undefined ? '—' : latest.rps.toFixed(1)} />
        <Stat label="p50" value={ms(latest?.p50)} />
        <Stat label="p95" value={ms(latest?.p95)} />
        <Stat label="p99" value={ms(latest?.p99)} />
      </div>
      <div class="charts">
        <Chart title="Requests per second" history={history} series={[['req/s', (p) => p.rps, '#2563eb']]} />
        <Chart
          title="Latency (ms)"
          history={history}
          series={[
            ['p50', (p) => p.p50, '#16a34a'],
            ['p95', (p) => p.p95, '#d97706'],
            ['p99', (p) => p.p99, '#dc2626'],
          ]}
        />
      </div>
      {traffic !== undefined && <RoutesTable traffic={traffic} />}
    </section>
  );
}

function ms(value: number | undefined): string {
  return value === undefined ? '—' : `${value < 10 ? value.toFixed(2) : value.toFixed(0)} ms`;
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div class="stat">
      <span class="stat-value">{value}</span>
      <span class="stat-label">{label}</span>
    </div>
  );
}

type Series = [string, (p: Point) => number | undefined, string];

function Chart({ title, history, series }: { title: string; history: Point[]; series: Series[] }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  /** x: seconds before the latest scrape (−120 … 0), so the axis reads "how long ago". */
  const data = (): uPlot.AlignedData => {
    const latest = history[history.length - 1]?.t ?? 0;
    return [
      history.map((p) => p.t - latest),
      ...series.map(([, read]) => history.map((p) => read(p) ?? null)),
    ];
  };
  useEffect(() => {
    if (host.current === null) return;
    plot.current = new uPlot(
      {
        width: Math.max(280, Math.min(600, host.current.clientWidth)),
        height: 180,
        // Always the last two minutes, however little history there is.
        scales: { x: { time: false, range: [-(WINDOW * INTERVAL_MS) / 1000, 0] } },
        legend: { live: false },
        series: [
          {},
          ...series.map(([label, , stroke]) => ({
            label,
            stroke,
            width: 1.5,
            spanGaps: true,
            points: { size: 4 },
          })),
        ],
        axes: [
          { font: '11px system-ui', values: (_u, ticks) => ticks.map((v) => (v === 0 ? 'now' : `${v} s`)) },
          { font: '11px system-ui', size: 48 },
        ],
      },
      data(),
      host.current,
    );
    return () => plot.current?.destroy();
  }, []);
  useEffect(() => {
    plot.current?.setData(data());
  }, [history]);
  return (
    <figure class="card chart">
      <figcaption>{title}</figcaption>
      <div ref={host} role="img" aria-label={title} />
    </figure>
  );
}

function RoutesTable({ traffic }: { traffic: Traffic }) {
  const rows = [...traffic.requests.entries()]
    .map(([route, byStatus]) => {
      let total = 0;
      let client = 0;
      let server = 0;
      for (const [status, n] of byStatus) {
        total += n;
        if (status.startsWith('4')) client += n;
        if (status.startsWith('5')) server += n;
      }
      return { route, total, client, server };
    })
    .sort((a, b) => b.client + b.server - (a.client + a.server) || b.total - a.total);
  return (
    <div class="table-wrap">
      <table data-testid="routes-table">
        <caption>Requests by route since the server started</caption>
        <thead>
          <tr>
            <th scope="col">Route</th>
            <th scope="col" class="num">
              Requests
            </th>
            <th scope="col" class="num">
              4xx
            </th>
            <th scope="col" class="num">
              5xx
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.route}>
              <td>
                <code>{r.route}</code>
              </td>
              <td class="num">{formatCount(r.total)}</td>
              <td class={`num ${r.client > 0 ? 'warn' : ''}`}>{formatCount(r.client)}</td>
              <td class={`num ${r.server > 0 ? 'error' : ''}`}>{formatCount(r.server)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
