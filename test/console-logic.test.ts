/**
 * The console's pure logic, outside the browser: where a server error path points in the
 * filter text (`state/json-locate.ts`), reading `/metrics` and its latency percentiles
 * (`api/prometheus.ts`), and the PCA of the map (`workers/projection.ts`), each module
 * bundled by `consoleModule` (test/support/console-module.ts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { consoleModule } from './support/console-module.js';

interface Range {
  start: number;
  end: number;
}
interface JsonLocate {
  pathSegments(path: string): (string | number)[];
  locate(text: string, segments: (string | number)[]): Range | undefined;
  lineColumn(text: string, at: number): { line: number; column: number };
}
interface Prometheus {
  parsePrometheus(text: string): { name: string; labels: Record<string, string>; value: number }[];
  trafficOf(samples: unknown[]): { requests: Map<string, Map<string, number>>; buckets: Map<number, number> };
  quantile(buckets: Map<number, number>, q: number): number | undefined;
  bucketDelta(now: Map<number, number>, before: Map<number, number> | undefined): Map<number, number>;
}
interface Projection {
  pca(data: Float32Array, n: number, dim: number, seed?: number): Float32Array;
}

describe('console logic', () => {
  test('json-locate: a server path marks the key and value it names, at the right line and column', async () => {
    const { pathSegments, locate, lineColumn } = await consoleModule<JsonLocate>('state/json-locate.ts');
    assert.deepEqual(pathSegments('filter.must[0].match.valeu'), ['filter', 'must', 0, 'match', 'valeu']);
    assert.deepEqual(pathSegments('points[12].inputs.image'), ['points', 12, 'inputs', 'image']);
    const text = '{\n  "must": [\n    { "key": "n", "range": { "gt": "x" } },\n    { "kye": 1 }\n  ]\n}';
    const at = (segments: (string | number)[]) => {
      const range = locate(text, segments);
      assert.ok(range !== undefined);
      return text.slice(range.start, range.end);
    };
    assert.equal(at(['must', 0, 'range', 'gt']), '"gt": "x"');
    assert.equal(at(['must', 1, 'kye']), '"kye": 1');
    assert.equal(at(['must', 1]), '{ "kye": 1 }');
    // A path deeper than the text: the deepest part that exists.
    assert.equal(at(['must', 0, 'range', 'gt', 'deeper']), '"gt": "x"');
    assert.equal(at([]), text);
    assert.equal(locate('{ "must": [', ['must']), undefined, 'text that does not parse');
    const range = locate(text, ['must', 1, 'kye'])!;
    assert.deepEqual(lineColumn(text, range.start), { line: 4, column: 7 });
    // Escaped quotes inside strings do not end them.
    assert.equal(locate('{"a\\"b": {"c": 1}}', ['a"b', 'c'])?.start, 10);
  });

  test('prometheus: requests by route and status; percentiles interpolate within the bucket holding the rank', async () => {
    const { parsePrometheus, trafficOf, quantile, bucketDelta } =
      await consoleModule<Prometheus>('api/prometheus.ts');
    const text = [
      '# HELP quiver_http_requests_total HTTP requests answered.',
      '# TYPE quiver_http_requests_total counter',
      'quiver_http_requests_total{method="POST",route="/collections/:name/points/search",status="200"} 90',
      'quiver_http_requests_total{method="POST",route="/collections/:name/points/search",status="400"} 10',
      'quiver_http_requests_total{method="GET",route="/collections",status="200"} 5',
      'quiver_http_request_duration_seconds_bucket{le="0.001",method="POST",route="/a"} 50',
      'quiver_http_request_duration_seconds_bucket{le="0.01",method="POST",route="/a"} 90',
      'quiver_http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/a"} 100',
      'quiver_http_request_duration_seconds_bucket{le="0.001",method="GET",route="/b"} 0',
      'quiver_http_request_duration_seconds_bucket{le="0.01",method="GET",route="/b"} 0',
      'quiver_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/b"} 0',
    ].join('\n');
    const traffic = trafficOf(parsePrometheus(text));
    assert.equal(traffic.requests.get('POST /collections/:name/points/search')?.get('400'), 10);
    assert.equal(traffic.requests.get('GET /collections')?.get('200'), 5);
    // 100 observations: 50 ≤ 1 ms, 40 in (1, 10] ms, 10 above.
    assert.equal(quantile(traffic.buckets, 0.5), 0.001);
    const p70 = quantile(traffic.buckets, 0.7)!;
    assert.ok(Math.abs(p70 - (0.001 + 0.009 * (20 / 40))) < 1e-12, String(p70));
    assert.equal(quantile(traffic.buckets, 0.99), 0.01, 'a rank in the +Inf bucket reads as its lower bound');
    assert.equal(quantile(new Map([[Number.POSITIVE_INFINITY, 0]]), 0.5), undefined);
    const later = new Map(traffic.buckets);
    later.set(0.001, 60);
    later.set(0.01, 100);
    later.set(Number.POSITIVE_INFINITY, 110);
    assert.deepEqual(
      [...bucketDelta(later, traffic.buckets).values()],
      [10, 10, 10],
      'the traffic between two scrapes',
    );
  });

  test('pca: points spread along one direction land along the first axis, in order', async () => {
    const { pca } = await consoleModule<Projection>('workers/projection.ts');
    const n = 50;
    const dim = 8;
    const data = new Float32Array(n * dim);
    // Along (1, 2, 0, …, 0) with a small wobble in the third coordinate.
    for (let i = 0; i < n; i++) {
      data[i * dim] = i;
      data[i * dim + 1] = 2 * i;
      data[i * dim + 2] = (i % 2) * 0.1;
    }
    const coords = pca(data, n, dim, 3);
    assert.equal(coords.length, n * 2);
    const xs = Array.from({ length: n }, (_, i) => coords[i * 2]);
    const increasing = xs.every((x, i) => i === 0 || x > xs[i - 1]);
    const decreasing = xs.every((x, i) => i === 0 || x < xs[i - 1]);
    assert.ok(increasing || decreasing, 'the first component orders the points');
    // Spread along x is the line's length (√5 · 49); y holds only the wobble.
    const spread = (values: number[]) => Math.max(...values) - Math.min(...values);
    assert.ok(Math.abs(spread(xs) - Math.sqrt(5) * 49) < 1e-3, String(spread(xs)));
    assert.ok(spread(Array.from({ length: n }, (_, i) => coords[i * 2 + 1])) < 0.2);
  });
});
