/**
 * Reading the server's `/metrics` (Prometheus text exposition format) into what the
 * activity page shows: request counts by method, route and status, and the latency
 * histogram by route. Percentiles come from histogram buckets as Prometheus's
 * `histogram_quantile` computes them (linear within the bucket that holds the rank).
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Every sample line of `text` (comments and blank lines skipped). */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (match[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    const value = match[4] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[4]);
    samples.push({ name: match[1], labels, value });
  }
  return samples;
}

/** What one scrape says about HTTP traffic (cumulative since the server started). */
export interface Traffic {
  /** Requests by `METHOD route` and status. */
  requests: Map<string, Map<string, number>>;
  /** Cumulative latency bucket counts (upper bound in seconds → count) over all routes. */
  buckets: Map<number, number>;
}

export function trafficOf(samples: Sample[]): Traffic {
  const requests = new Map<string, Map<string, number>>();
  const buckets = new Map<number, number>();
  for (const s of samples) {
    if (s.name === 'quiver_http_requests_total') {
      const route = `${s.labels.method} ${s.labels.route}`;
      const byStatus = requests.get(route) ?? new Map<string, number>();
      byStatus.set(s.labels.status, (byStatus.get(s.labels.status) ?? 0) + s.value);
      requests.set(route, byStatus);
    } else if (s.name === 'quiver_http_request_duration_seconds_bucket') {
      const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
      buckets.set(le, (buckets.get(le) ?? 0) + s.value);
    }
  }
  return { requests, buckets };
}

export function totalRequests(traffic: Traffic): number {
  let total = 0;
  for (const byStatus of traffic.requests.values()) for (const n of byStatus.values()) total += n;
  return total;
}

/** Bucket counts of `now` less those of `before` (the traffic between two scrapes). */
export function bucketDelta(
  now: Map<number, number>,
  before: Map<number, number> | undefined,
): Map<number, number> {
  const out = new Map<number, number>();
  for (const [le, n] of now) out.set(le, n - (before?.get(le) ?? 0));
  return out;
}

/** The q-quantile (0..1) of cumulative buckets, in seconds; undefined with no observations. */
export function quantile(buckets: Map<number, number>, q: number): number | undefined {
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted[sorted.length - 1]?.[1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (le === Number.POSITIVE_INFINITY) return lowerBound;
      const inBucket = count - lowerCount;
      return inBucket <= 0 ? le : lowerBound + ((le - lowerBound) * (rank - lowerCount)) / inBucket;
    }
    lowerBound = le;
    lowerCount = count;
  }
  return lowerBound;
}
