// markov-text: the exact entropy rate (against hand-computed chains and against the sampled
// sequences) and the Markov structure of the windows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataSpec } from '../src/config/data.js';
import { ConfigError } from '../src/base/errors.js';
import type { TokenBatch, TokenDataset } from '../src/data/batch.js';
import { buildDataset } from '../src/data/datasets.js';
import { entropyRate, markovTransitions, stationaryDistribution, type MarkovSpec } from '../src/data/markov.js';
import { assertClose } from './helpers.js';
import { allocTokenBatch } from './data-fixtures.js';

/** Binary entropy in nats. */
const hb = (p: number): number => -p * Math.log(p) - (1 - p) * Math.log(1 - p);

test('order 1, two symbols: entropy rate = π₀·h(a) + π₁·h(b) with π = (b, a)/(a + b)', () => {
  // P = [[1−a, a], [b, 1−b]]; balance π₀·a = π₁·b gives π = (b, a)/(a + b) = (0.75, 0.25) for a = 0.2, b = 0.6
  const [a, b] = [0.2, 0.6];
  const transitions = Float64Array.of(1 - a, a, b, 1 - b);
  const pi = stationaryDistribution(transitions, 2, 1);
  assertClose(pi[0]!, 0.75, 1e-10);
  assertClose(pi[1]!, 0.25, 1e-10);
  assertClose(entropyRate(transitions, 2, 1), 0.75 * hb(a) + 0.25 * hb(b), 1e-10);
});

test('a periodic chain still converges: 0 → 1, 1 → {0, 2} evenly, 2 → 1', () => {
  // period 2 (power iteration on P alone oscillates from the uniform start); balance: π₀ = π₂ = π₁/2,
  // so π = (¼, ½, ¼), and only state 1 is uncertain: H = ½·ln 2
  const transitions = Float64Array.of(0, 1, 0, 0.5, 0, 0.5, 0, 1, 0);
  const pi = stationaryDistribution(transitions, 3, 1);
  [0.25, 0.5, 0.25].forEach((p, i) => assertClose(pi[i]!, p, 1e-10, 1e-12, `π${i}`));
  assertClose(entropyRate(transitions, 3, 1), 0.5 * Math.log(2), 1e-10);
});

test('order 2, context = (older, newer) with the newer symbol least significant', () => {
  // P(x | s₁, s₂) = Q[s₂][x] is the order-1 chain Q written as an order-2 table: c = 2·s₁ + s₂.
  // Its rate is Q's: π_Q = (0.75, 0.25) as in the first test.
  const [a, b] = [0.2, 0.6];
  const q = [
    [1 - a, a],
    [b, 1 - b],
  ];
  const table = new Float64Array(8);
  for (let c = 0; c < 4; c++) for (let x = 0; x < 2; x++) table[c * 2 + x] = q[c % 2]![x]!;
  const pi = stationaryDistribution(table, 2, 2);
  // π(s₁, s₂) = π_Q(s₁)·Q[s₁][s₂]
  const piQ = [0.75, 0.25];
  for (let c = 0; c < 4; c++) assertClose(pi[c]!, piQ[c >> 1]! * q[c >> 1]![c % 2]!, 1e-10, 0, `π(${c >> 1}, ${c % 2})`);
  assertClose(entropyRate(table, 2, 2), 0.75 * hb(a) + 0.25 * hb(b), 1e-10);
});

test('a chain that mixes too slowly is a ConfigError, not a hang', () => {
  // escape probabilities 1e-9: from the uniform start π moves by ~1e-9 per iteration for ~10⁹ iterations
  const eps = 1e-9;
  const transitions = Float64Array.of(1 - eps, eps, 2 * eps, 1 - 2 * eps);
  assert.throws(() => stationaryDistribution(transitions, 2, 1), (err: unknown) => err instanceof ConfigError && /data\.concentration/.test(err.message));
});

test('building more than 2^20 contexts is a ConfigError naming data.order', () => {
  // bypasses the schema, which rejects the same spec
  const spec: MarkovSpec = { kind: 'markov-text', batch: 1, vocab: 2, order: 21, seq_len: 8, concentration: 1 };
  assert.throws(() => buildDataset(spec, 0), (err: unknown) => err instanceof ConfigError && /^data\.order: .*2\^21 = 2097152 contexts/.test(err.message));
});

test('Dirichlet rows: each context’s next-symbol distribution sums to 1; small concentration is sparse', () => {
  const spec = (concentration: number): MarkovSpec =>
    DataSpec.parse({ kind: 'markov-text', vocab: 10, order: 2, concentration }) as MarkovSpec;
  const maxProbabilityMean = (concentration: number): number => {
    const t = markovTransitions(spec(concentration), 1);
    let total = 0;
    for (let c = 0; c < 100; c++) {
      const row = t.subarray(c * 10, c * 10 + 10);
      assertClose(row.reduce((s, p) => s + p, 0), 1, 1e-12);
      total += Math.max(...row);
    }
    return total / 100;
  };
  // E[max] of Dirichlet(α·1₁₀): → 1 as α → 0, → 1/10 as α → ∞
  assert.ok(maxProbabilityMean(0.01) > 0.9);
  assert.ok(maxProbabilityMean(100) < 0.2);
});

/** Sampled batches with the true −ln P(target | context) at every position that has a full context. */
function sampledLogLoss(ds: TokenDataset, table: Float64Array, order: number, batches: number, positions: (t: number) => boolean) {
  const V = ds.vocab;
  const T = ds.seqLen;
  const out: TokenBatch = allocTokenBatch(ds);
  let nll = 0;
  let n = 0;
  for (let step = 1; step <= batches; step++) {
    ds.fillTrain(step, out);
    for (let b = 0; b < ds.batch; b++) {
      for (let t = order - 1; t < T; t++) {
        if (!positions(t)) continue;
        // context = the last `order` inputs up to t, oldest most significant
        let c = 0;
        for (let i = t - order + 1; i <= t; i++) c = c * V + out.inputs[b * T + i]!;
        nll -= Math.log(table[c * V + out.targets[b * T + t]!]!);
        n++;
      }
    }
  }
  return { mean: nll / n, n };
}

const empiricalSpec = DataSpec.parse({
  kind: 'markov-text',
  batch: 64,
  vocab: 8,
  order: 2,
  seq_len: 32,
  concentration: 0.3,
}) as MarkovSpec;

test('the sampled sequences’ mean −ln P(next | context) matches info.entropy_rate within 2%', () => {
  const ds = buildDataset(empiricalSpec, 12) as TokenDataset;
  const table = markovTransitions(empiricalSpec, 12);
  const rate = ds.info['entropy_rate']!;
  assertClose(rate, entropyRate(table, 8, 2), 1e-12);
  const { mean, n } = sampledLogLoss(ds, table, 2, 60, () => true); // ~119 000 predictions
  assert.ok(n > 100_000);
  assertClose(mean, rate, 0.02, 0, 'empirical cross-entropy under the true chain');
});

test('windows start from the stationary distribution: first contexts are distributed as π', () => {
  // A sparse chain, so π is far from uniform (a uniform or short burn-in start would show).
  const spec = DataSpec.parse({ kind: 'markov-text', batch: 64, vocab: 8, order: 2, seq_len: 4, concentration: 0.1 }) as MarkovSpec;
  const ds = buildDataset(spec, 3) as TokenDataset;
  const pi = stationaryDistribution(markovTransitions(spec, 3), 8, 2);
  const counts = new Float64Array(64);
  const out = allocTokenBatch(ds);
  const windows = 400 * 64;
  for (let step = 1; step <= 400; step++) {
    ds.fillTrain(step, out);
    for (let b = 0; b < 64; b++) counts[out.inputs[b * 4]! * 8 + out.inputs[b * 4 + 1]!]!++;
  }
  // total variation distances; sampling noise of the empirical one is about ½·Σ√(π_c/n) ≲ 0.03
  let tvEmpirical = 0;
  let tvUniform = 0;
  for (let c = 0; c < 64; c++) {
    tvEmpirical += Math.abs(counts[c]! / windows - pi[c]!) / 2;
    tvUniform += Math.abs(1 / 64 - pi[c]!) / 2;
  }
  assert.ok(tvUniform > 0.25, `π is far from uniform (TV ${tvUniform})`);
  assert.ok(tvEmpirical < 0.03, `TV(empirical, π) = ${tvEmpirical}`);
});
