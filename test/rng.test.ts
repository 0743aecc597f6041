// Known answers and moments for src/data/rng.ts: every number a run produces (initial weights, data,
// gradient noise) comes from this stream, so it is pinned against an independent reference here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/base/rng.js';

// ---- An independent reference, in BigInt, transcribed from the published algorithms ---------------

const MASK32 = 0xffffffffn;

/** FNV-1a, 32 bit (Fowler, Noll, Vo; http://www.isthe.com/chongo/tech/comp/fnv/): offset basis 2166136261, prime 16777619. */
function fnv1a32(text: string): bigint {
  let h = 2166136261n;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * 16777619n) & MASK32;
  }
  return h;
}

/** MurmurHash3's 32-bit finalizer fmix32 (Appleby, MurmurHash3.cpp in smhasher). */
function fmix32(h: bigint): bigint {
  h ^= h >> 16n;
  h = (h * 0x85ebca6bn) & MASK32;
  h ^= h >> 13n;
  h = (h * 0xc2b2ae35n) & MASK32;
  return h ^ (h >> 16n);
}

const rotl32 = (x: bigint, k: bigint): bigint => ((x << k) | (x >> (32n - k))) & MASK32;

/** xoshiro128** 1.1, a line-by-line transcription of Blackman & Vigna's https://prng.di.unimi.it/xoshiro128starstar.c */
function xoshiro128ss(state: readonly [bigint, bigint, bigint, bigint]): () => bigint {
  let [s0, s1, s2, s3] = state;
  return () => {
    const result = (rotl32((s1 * 5n) & MASK32, 7n) * 9n) & MASK32;
    const t = (s1 << 9n) & MASK32;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl32(s3, 11n);
    return result;
  };
}

/**
 * The seeding the module documents: FNV-1a of "<seed>\0<purpose>" starts a splitmix32 sequence (a
 * Weyl sequence with increment 0x9e3779b9 = ⌊2³²/φ⌋, each state scrambled by fmix32) whose first four
 * outputs are the xoshiro state s[0..3] (an all-zero state, which xoshiro cannot leave, becomes s[0] = 1).
 */
function referenceStream(seed: number, purpose: string): () => bigint {
  let weyl = fnv1a32(`${seed}\u0000${purpose}`);
  const splitmix32 = (): bigint => fmix32((weyl = (weyl + 0x9e3779b9n) & MASK32));
  const s = [splitmix32(), splitmix32(), splitmix32(), splitmix32()] as const;
  return xoshiro128ss(s[0] | s[1] | s[2] | s[3] ? s : [1n, 0n, 0n, 0n]);
}

/** Uniform in [0, 1) from two outputs: their top 27 and 26 bits make a 53-bit fraction (exact in float64). */
function referenceUniform(next: () => bigint): number {
  const hi = next() >> 5n;
  const lo = next() >> 6n;
  return Number((hi << 26n) | lo) / 2 ** 53;
}

/** N(0, 1) pairs by Marsaglia's polar method (Marsaglia & Bray 1964): x = u·√(−2 ln s / s), y = v·√(…). */
function referenceNormals(next: () => bigint, count: number): number[] {
  const out: number[] = [];
  while (out.length < count) {
    const u = 2 * referenceUniform(next) - 1;
    const v = 2 * referenceUniform(next) - 1;
    const s = u * u + v * v;
    if (s >= 1 || s === 0) continue;
    const scale = Math.sqrt((-2 * Math.log(s)) / s);
    out.push(u * scale, v * scale);
  }
  return out.slice(0, count);
}

const PAIRS: [number, string][] = [
  [0, 'data/train'],
  [42, 'data/problem'],
  [1, ''],
  [7, 'data/val/3'],
  [12, 'x'], // with [1, '2x'] below: the NUL separator keeps (seed, purpose) pairs apart
  [1, '2x'],
];

// ---- The reference against published test vectors ------------------------------------------------

test('reference FNV-1a matches the published FNV test vectors', () => {
  // FNV-1a 32-bit of "", "a", "foobar": test vectors of the FNV reference code (test_fnv.c) and draft-eastlake-fnv
  assert.equal(fnv1a32(''), 0x811c9dc5n);
  assert.equal(fnv1a32('a'), 0xe40c292cn);
  assert.equal(fnv1a32('foobar'), 0xbf9cf968n);
});

test('reference fmix32 matches the published MurmurHash3 vectors', () => {
  // MurmurHash3_x86_32 of the empty input with seed h is fmix32(h) (no blocks, no tail, length 0).
  // Vectors from Bitcoin Core's src/test/hash_tests.cpp (murmurhash3 tests) and smhasher users.
  assert.equal(fmix32(0n), 0n);
  assert.equal(fmix32(0x00000001n), 0x514e28b7n);
  assert.equal(fmix32(0xfba4c795n), 0x6a396f08n);
  assert.equal(fmix32(0xffffffffn), 0x81f16f39n);
});

test('reference xoshiro128** matches the published vector of its C reference code', () => {
  // From state {1, 2, 3, 4}: rand_xoshiro's `reference` test (Xoshiro128StarStar, "produced with the
  // reference implementation (v1.1)", rust-random/rngs rand_xoshiro/src/xoshiro128starstar.rs).
  const next = xoshiro128ss([1n, 2n, 3n, 4n]);
  const expected = [11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804];
  assert.deepEqual(Array.from(expected, () => Number(next())), expected);
});

// ---- Rng against the reference ---------------------------------------------------------------------

test('nextU32 is the reference stream for every (seed, purpose)', () => {
  for (const [seed, purpose] of PAIRS) {
    const rng = new Rng(seed, purpose);
    const ref = referenceStream(seed, purpose);
    for (let i = 0; i < 1000; i++) assert.equal(rng.nextU32(), Number(ref()), `Rng(${seed}, "${purpose}") output ${i}`);
  }
});

test('the first outputs of two streams that runs draw from are pinned', () => {
  // Computed with an independent Python transcription of the same published algorithms (FNV-1a,
  // fmix32, xoshiro128** 1.1), not by this implementation; the BigInt reference must agree too.
  const pinned: [number, string, number[]][] = [
    [0, 'data/train', [3899894596, 3761011155, 1715613677, 1125699470, 3605747210]],
    [42, 'data/problem', [4227764767, 2082862021, 2580175270, 3448853386, 40813352]],
  ];
  for (const [seed, purpose, expected] of pinned) {
    const rng = new Rng(seed, purpose);
    const ref = referenceStream(seed, purpose);
    assert.deepEqual(Array.from(expected, () => rng.nextU32()), expected, `Rng(${seed}, "${purpose}")`);
    assert.deepEqual(Array.from(expected, () => Number(ref())), expected, `reference (${seed}, "${purpose}")`);
  }
  // uniform() of (0, 'data/train') is the 53-bit fraction of outputs 1 and 2 (from the same Python):
  // ((3899894596 >> 5)·2²⁶ + (3761011155 >> 6)) / 2⁵³
  assert.equal(new Rng(0, 'data/train').uniform(), 0.9080149745619196);
});

test('uniform, int and normal are the reference draws, bit for bit', () => {
  for (const [seed, purpose] of PAIRS) {
    const rng = new Rng(seed, purpose);
    const ref = referenceStream(seed, purpose);
    for (let i = 0; i < 500; i++) assert.equal(rng.uniform(), referenceUniform(ref), `uniform ${i}`);
    for (const n of [1, 2, 3, 10, 1000, 2 ** 31]) assert.equal(rng.int(n), Math.floor(referenceUniform(ref) * n), `int(${n})`);
    // normal() hands out the second value of each polar pair on the next call
    const normals = referenceNormals(ref, 501);
    for (let i = 0; i < normals.length; i++) assert.equal(rng.normal(), normals[i], `normal ${i}`);
  }
});

// ---- Moments ---------------------------------------------------------------------------------------
//
// Each bound is 5 standard errors. For N independent draws with mean μ, variance σ² and central fourth
// moment μ₄, the sample mean has standard error √(σ²/N) and the sample variance (by the CLT applied to
// (x − μ)²) about √((μ₄ − σ⁴)/N). A correct generator lands outside 5 standard errors with probability
// ≈ 6·10⁻⁷ per check, and the seeds are fixed, so each check passes or fails the same way every run.

function moments(draw: () => number, n: number): { mean: number; variance: number; samples: Float64Array } {
  const samples = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += samples[i] = draw();
  const mean = sum / n;
  let squares = 0;
  for (const x of samples) squares += (x - mean) ** 2;
  return { mean, variance: squares / (n - 1), samples };
}

function assertWithin(actual: number, expected: number, standardError: number, what: string): void {
  const bound = 5 * standardError;
  assert.ok(Math.abs(actual - expected) <= bound, `${what}: expected ${expected} ± ${bound} (5 standard errors), got ${actual}`);
}

test('uniform draws: mean 1/2, variance 1/12, all in [0, 1)', () => {
  // U(0, 1): σ² = 1/12, μ₄ = 1/80, so μ₄ − σ⁴ = 1/80 − 1/144 = 1/180
  const n = 200_000;
  const rng = new Rng(3, 'test/uniform');
  const { mean, variance, samples } = moments(() => rng.uniform(), n);
  assert.ok(samples.every((u) => u >= 0 && u < 1));
  assertWithin(mean, 1 / 2, Math.sqrt(1 / 12 / n), 'mean');
  assertWithin(variance, 1 / 12, Math.sqrt(1 / 180 / n), 'variance');
});

test('normal draws: mean 0, variance 1, fourth moment 3', () => {
  // N(0, 1): σ² = 1, μ₄ = 3 (so μ₄ − σ⁴ = 2); x⁴ has mean 3 and variance E[x⁸] − 9 = 105 − 9 = 96
  const n = 200_000;
  const rng = new Rng(5, 'test/normal');
  const { mean, variance, samples } = moments(() => rng.normal(), n);
  assertWithin(mean, 0, Math.sqrt(1 / n), 'mean');
  assertWithin(variance, 1, Math.sqrt(2 / n), 'variance');
  let fourth = 0;
  for (const x of samples) fourth += x ** 4;
  assertWithin(fourth / n, 3, Math.sqrt(96 / n), 'E[x⁴]');
});

test('gamma draws: mean k·θ and variance k·θ² for each shape k (θ = 1)', () => {
  // Rng.gamma(k) draws Gamma(k, θ = 1): mean k, variance k, and (excess kurtosis 6/k) central fourth
  // moment μ₄ = σ⁴(3 + 6/k) = 3k² + 6k, so μ₄ − σ⁴ = 2k² + 6k. Shapes: 1 (exponential), 1.1 (what
  // markov-text draws at its default concentration 0.1, via the boost), 2.5 and 10.
  const n = 100_000;
  for (const k of [1, 1.1, 2.5, 10]) {
    const rng = new Rng(11, `test/gamma/${k}`);
    const { mean, variance, samples } = moments(() => rng.gamma(k), n);
    assert.ok(samples.every((x) => x > 0), `shape ${k}: every draw positive`);
    assertWithin(mean, k, Math.sqrt(k / n), `shape ${k}: mean`);
    assertWithin(variance, k, Math.sqrt((2 * k * k + 6 * k) / n), `shape ${k}: variance`);
  }
});

test('gamma refuses a shape below 1 (those need the log-space boost)', () => {
  const rng = new Rng(0, 'test/gamma');
  for (const k of [0.5, 0, -1, Number.NaN]) assert.throws(() => rng.gamma(k), /expected shape ≥ 1/);
});
