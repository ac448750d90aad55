import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidArgumentError } from '../src/errors.js';
import { paretoFrontier, throughputAtRecall } from '../src/eval/tradeoff.js';

describe('paretoFrontier', () => {
  test('drops dominated points and sorts by recall', () => {
    const frontier = paretoFrontier([
      { recall: 0.99, qps: 100 },
      { recall: 0.8, qps: 1000 },
      { recall: 0.9, qps: 400 }, // dominated by (0.95, 500)
      { recall: 0.95, qps: 500 },
      { recall: 0.95, qps: 450 }, // same recall, slower
      { recall: 0.7, qps: 1000 }, // same speed, lower recall
    ]);
    assert.deepEqual(frontier, [
      { recall: 0.8, qps: 1000 },
      { recall: 0.95, qps: 500 },
      { recall: 0.99, qps: 100 },
    ]);
  });

  test('rejects impossible points', () => {
    assert.throws(() => paretoFrontier([{ recall: 1.1, qps: 1 }]), InvalidArgumentError);
    assert.throws(() => paretoFrontier([{ recall: Number.NaN, qps: 1 }]), InvalidArgumentError);
    assert.throws(() => paretoFrontier([{ recall: 0.5, qps: 0 }]), InvalidArgumentError);
  });
});

describe('throughputAtRecall', () => {
  const curve = [
    { recall: 0.8, qps: 2000 },
    { recall: 0.9, qps: 1000 },
    { recall: 0.98, qps: 600 },
    { recall: 0.995, qps: 300 },
  ];

  test('interpolates linearly between the bracketing points', () => {
    // 0.95 lies between (0.9, 1000) and (0.98, 600): 1000 + (0.05 / 0.08)·(600 − 1000) = 750
    const at95 = throughputAtRecall(curve, 0.95);
    assert.equal(at95.kind, 'interpolated');
    assert.ok(at95.kind === 'interpolated' && Math.abs(at95.qps - 750) < 1e-9);
    // 0.99 lies between (0.98, 600) and (0.995, 300): 600 + (0.01 / 0.015)·(−300) = 400
    const at99 = throughputAtRecall(curve, 0.99);
    assert.ok(at99.kind === 'interpolated' && Math.abs(at99.qps - 400) < 1e-9);
    // exactly on a point: its own QPS
    assert.deepEqual(throughputAtRecall(curve, 0.9), { kind: 'interpolated', qps: 1000 });
  });

  test('a dominated point does not bend the curve', () => {
    // (0.96, 200) is dominated by (0.98, 600); the answer at 0.95 stays 750
    const at95 = throughputAtRecall([...curve, { recall: 0.96, qps: 200 }], 0.95);
    assert.ok(at95.kind === 'interpolated' && Math.abs(at95.qps - 750) < 1e-9);
  });

  test('says when the curve starts above the target or never reaches it', () => {
    assert.deepEqual(throughputAtRecall(curve, 0.5), { kind: 'at-least', qps: 2000 });
    assert.deepEqual(throughputAtRecall(curve, 0.999), { kind: 'not-reached', bestRecall: 0.995 });
  });

  test('rejects bad input', () => {
    assert.throws(() => throughputAtRecall([], 0.9), InvalidArgumentError);
    assert.throws(() => throughputAtRecall(curve, Number.NaN), InvalidArgumentError);
    assert.throws(() => throughputAtRecall(curve, 1.5), InvalidArgumentError);
  });
});
