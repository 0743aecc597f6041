// Sequences from a random sparse order-k Markov chain over V symbols, with its exact entropy rate.
// Each context's next-symbol distribution is drawn from a symmetric Dirichlet(concentration); a small
// concentration makes it sparse (predictable). Windows start from the stationary distribution, so
// every position beyond the first k is distributed as the stationary process and the model's loss is
// directly comparable to the entropy rate, the best achievable cross-entropy.
//
// Contexts are the last k symbols read as a base-V number, most recent symbol least significant:
// c = Σᵢ sᵢ·V^(k−1−i) for (s₀ … s_{k−1}) oldest first. After symbol x the context becomes
// (c mod V^(k−1))·V + x. Tables: transitions[c·V + x] = P(x | c). B = batch, T = seq_len.
import type { MarkovText } from '../config/data.js';
import { markovSizeProblem } from '../config/data.js';
import { ConfigError } from '../base/errors.js';
import type { z } from 'zod';
import type { TokenBatch, TokenDataset } from './batch.js';
import { Rng } from '../base/rng.js';
import { checkLength, trainStream, valBatches, type DrawBatch } from './stream.js';

export type MarkovSpec = z.output<typeof MarkovText>;

/** Power iteration stops when successive distributions differ by less than this in L1. */
const STATIONARY_TOL = 1e-12;
/** Weight of the self-loop in the iterated chain a·I + (1−a)·P (see stationaryDistribution). */
const LAZINESS = 0.1;
/** Give up after this many multiply-adds (iterations × V^(k+1)), a few seconds, or this many iterations. */
const STATIONARY_WORK_BUDGET = 2 ** 32;
const STATIONARY_MAX_ITERATIONS = 1_000_000;

/** The problem: P(x | c) for every context, each row drawn from Dirichlet(concentration) under (seed, 'data/problem'). */
export function markovTransitions(spec: MarkovSpec, seed: number): Float64Array {
  const { vocab, order, concentration: alpha } = spec;
  const problem = markovSizeProblem(vocab, order);
  if (problem !== undefined) throw new ConfigError(`data.order: ${problem}`);
  const rng = new Rng(seed, 'data/problem');
  const contexts = vocab ** order;
  const transitions = new Float64Array(contexts * vocab);
  const logGamma = new Float64Array(vocab);
  for (let c = 0; c < contexts; c++) {
    // Dirichlet(α) = normalised Gamma(α) draws. For α < 1 use Gamma(α) = Gamma(α+1)·U^(1/α) in log space:
    // at small α the draws underflow float64 (U^(1/α) with α = 0.01 is U^100), their ratios do not.
    let max = -Infinity;
    for (let x = 0; x < vocab; x++) {
      const g =
        alpha < 1
          ? Math.log(rng.gamma(alpha + 1)) + Math.log(rng.uniform() || Number.MIN_VALUE) / alpha
          : Math.log(rng.gamma(alpha));
      logGamma[x] = g;
      if (g > max) max = g;
    }
    let sum = 0;
    for (let x = 0; x < vocab; x++) sum += Math.exp(logGamma[x]! - max);
    for (let x = 0; x < vocab; x++) transitions[c * vocab + x] = Math.exp(logGamma[x]! - max) / sum;
  }
  return transitions;
}

/**
 * Stationary distribution π over the V^k contexts (π = πP) by power iteration in float64 from the
 * uniform distribution. It iterates the chain a·I + (1−a)·P, which has the same stationary
 * distributions but is aperiodic, so the iteration converges even for (nearly) periodic chains; a
 * small a keeps it almost as fast as iterating P. If the chain is reducible, the result is the
 * stationary mixture reached from the uniform start — still stationary, so sequences started from it
 * have exactly the entropy rate computed from it. On return ‖πP − π‖₁ < 1.2e-12, so over a window of
 * T steps the distribution of the context drifts by < T·1.2e-12 and the expected loss of a window
 * stays within T·1.2e-12·ln V nats of the entropy rate computed from π. Throws a ConfigError if the
 * chain mixes too slowly to converge within the work budget (near-deterministic chains with many contexts).
 */
export function stationaryDistribution(transitions: Float64Array, vocab: number, order: number): Float64Array {
  const contexts = vocab ** order;
  if (transitions.length !== contexts * vocab) {
    throw new Error(`stationaryDistribution: expected ${contexts * vocab} transition probabilities, got ${transitions.length}`);
  }
  const keep = contexts / vocab; // V^(k−1): the number of distinct "last k−1 symbols"
  const maxIterations = Math.min(STATIONARY_MAX_ITERATIONS, Math.max(1000, Math.floor(STATIONARY_WORK_BUDGET / transitions.length)));
  let pi = new Float64Array(contexts).fill(1 / contexts);
  let next = new Float64Array(contexts);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    next.fill(0);
    for (let c = 0; c < contexts; c++) {
      const mass = pi[c]!;
      if (mass === 0) continue;
      const row = c * vocab;
      const successor = (c % keep) * vocab;
      for (let x = 0; x < vocab; x++) next[successor + x] = next[successor + x]! + mass * transitions[row + x]!;
    }
    let total = 0;
    for (let c = 0; c < contexts; c++) {
      next[c] = LAZINESS * pi[c]! + (1 - LAZINESS) * next[c]!;
      total += next[c]!;
    }
    let change = 0;
    for (let c = 0; c < contexts; c++) {
      next[c] = next[c]! / total; // renormalise against rounding drift
      change += Math.abs(next[c]! - pi[c]!);
    }
    [pi, next] = [next, pi];
    if (change < STATIONARY_TOL) return pi;
  }
  throw new ConfigError(
    `data.concentration: expected a Markov chain that mixes fast enough to compute its stationary distribution, ` +
      `got one (vocab ${vocab}, order ${order}) still changing after ${maxIterations} power iterations; raise concentration or lower vocab/order`,
  );
}

/**
 * Entropy rate of the stationary order-k chain in nats per symbol: H = Σ_c π(c)·H(P(·|c)),
 * with H(p) = −Σ_x p(x) ln p(x) (0 ln 0 = 0). (Cover & Thomas, Elements of Information Theory, thm 4.2.4.)
 */
export function entropyRate(
  transitions: Float64Array,
  vocab: number,
  order: number,
  pi: Float64Array = stationaryDistribution(transitions, vocab, order),
): number {
  let rate = 0;
  for (let c = 0; c < pi.length; c++) {
    let rowEntropy = 0;
    for (let x = 0; x < vocab; x++) {
      const p = transitions[c * vocab + x]!;
      if (p > 0) rowEntropy -= p * Math.log(p);
    }
    rate += pi[c]! * rowEntropy;
  }
  return rate;
}

/**
 * Replace each length-n row of probabilities by its cumulative sums, in place. From a row's last
 * positive entry on the sum is set to exactly 1, so `sampleIndex` never returns a zero-probability index.
 */
function cumulativeRows(table: Float64Array, n: number): void {
  for (let row = 0; row < table.length; row += n) {
    let lastPositive = 0;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      if (table[row + i]! > 0) lastPositive = i;
      sum += table[row + i]!;
      table[row + i] = sum;
    }
    for (let i = lastPositive; i < n; i++) table[row + i] = 1;
  }
}

/** The smallest i in [0, n) with u < cdf[offset + i], for u in [0, 1) and a row ending in 1. */
function sampleIndex(cdf: Float64Array, offset: number, n: number, u: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (u < cdf[offset + mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function markovDataset(spec: MarkovSpec, seed: number): TokenDataset {
  const { batch, vocab, order, seq_len: seqLen } = spec;
  const contexts = vocab ** order;
  const keep = contexts / vocab;
  const table = markovTransitions(spec, seed);
  const pi = stationaryDistribution(table, vocab, order);
  const rate = entropyRate(table, vocab, order, pi);
  cumulativeRows(table, vocab); // from here on `table` holds per-context CDFs
  cumulativeRows(pi, contexts);
  const cdf = table;
  const startCdf = pi;
  // place[i] = V^(k−1−i): digit i (oldest first) of a context
  const place = Int32Array.from({ length: order }, (_, i) => vocab ** (order - 1 - i));

  // One window of T + 1 symbols per row: a stationary start context (its k symbols), then the chain.
  const draw: DrawBatch<TokenBatch> = (rng, out) => {
    checkLength('inputs', out.inputs, batch * seqLen);
    checkLength('targets', out.targets, batch * seqLen);
    for (let b = 0; b < batch; b++) {
      const start = sampleIndex(startCdf, 0, contexts, rng.uniform());
      let context = start;
      const row = b * seqLen;
      for (let i = 0; i <= seqLen; i++) {
        let symbol: number;
        if (i < order) symbol = Math.floor(start / place[i]!) % vocab;
        else {
          symbol = sampleIndex(cdf, context * vocab, vocab, rng.uniform());
          context = (context % keep) * vocab + symbol;
        }
        if (i < seqLen) out.inputs[row + i] = symbol;
        if (i > 0) out.targets[row + i - 1] = symbol;
      }
    }
  };
  return {
    kind: 'tokens',
    batch,
    vocab,
    seqLen,
    fillTrain: trainStream(seed, draw),
    fillVal: valBatches(seed, draw),
    info: { entropy_rate: rate },
  };
}
