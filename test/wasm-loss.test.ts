// The wasm softmax cross-entropy (src/wasm/assembly/loss.ts) against its TS reference
// (src/nn/crossentropy.ts), bit for bit, and the float64 exp and log it uses
// (src/wasm/assembly/ieee754.ts) against V8's Math.exp and Math.log, bit for bit: runs of
// classifiers and language models must print the same curves on either kernel set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Rng } from '../src/base/rng.js';
import { Arena } from '../src/nn/arena.js';
import { jsKernels, createKernels } from '../src/wasm/kernels.js';
import type { Kernels } from '../src/nn/kernels.js';

interface MathExports {
  ieeeExp(x: number): number;
  ieeeLog(x: number): number;
  expInto(out: number, inp: number, n: number): void;
}

// The module's float64 functions, on a memory of its own (two regions of BLOCK doubles).
const BLOCK = 8192;
const wasmApi = (globalThis as unknown as { WebAssembly: {
  Module: new (b: Uint8Array) => object;
  Instance: new (m: object, i: object) => { exports: unknown };
  Memory: new (d: { initial: number; maximum: number; shared: true }) => { buffer: SharedArrayBuffer };
} }).WebAssembly;
const memory = new wasmApi.Memory({ initial: 4, maximum: 4, shared: true });
const math = new wasmApi.Instance(
  new wasmApi.Module(readFileSync(new URL('../src/wasm/kernels.wasm', import.meta.url))), { env: { memory } },
).exports as MathExports;
const inp = new Float64Array(memory.buffer, 0, BLOCK);
const out = new Float64Array(memory.buffer, BLOCK * 8, BLOCK);

/** Same double, −0 ≠ +0; every NaN one value (which NaN is not observable in outputs). */
const same = (a: number, b: number): boolean => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

/** A double from two random 32-bit words: every exponent, sign and NaN pattern. */
function randomBits(rng: Rng): number {
  const w = new Uint32Array(2);
  w[0] = Math.floor(rng.uniform() * 2 ** 32);
  w[1] = Math.floor(rng.uniform() * 2 ** 32);
  return new Float64Array(w.buffer)[0]!;
}

/** The k doubles either side of the double with high word `hi` and low word 0, both signs. */
function around(hi: number, k: number): number[] {
  const g = new Float64Array(1), w = new BigInt64Array(g.buffer), h = new Uint32Array(g.buffer);
  const xs: number[] = [];
  for (let d = -k; d <= k; d++) {
    h[0] = 0; h[1] = hi;
    w[0] = w[0]! + BigInt(d);
    xs.push(g[0]!, -g[0]!);
  }
  return xs;
}

// Where fdlibm branches (|x| thresholds in the high word: ln2/2, 1.5·ln2, 2⁻²⁸, 709.78; log's
// |f| < 2⁻²⁰ window around 1 and its √2 normalisation), ieeeExp2's range limit 512, and the values
// exp and log treat specially.
const EDGES = [
  ...[0x3FD62E42, 0x3FD62E43, 0x3FF0A2B2, 0x3E300000, 0x40800000, 0x40862E42, 0x3FF00000, 0x3FF6A09E, 0x00100000].flatMap((h) => around(h, 300)),
  0, -0, 1, -1, 2, 0.5, Math.E, Math.LN2, Infinity, -Infinity, NaN, 5e-324, -5e-324, 2.2250738585072014e-308,
  709.782712893384, 709.7827128933841, -745.1332191019411, -745.1332191019412, -708.3964185322641, 1.7976931348623157e308,
];

/** Arguments of the kinds a softmax and its log-sum see, random bit patterns, and EDGES, in blocks of n. */
function* argumentBlocks(rng: Rng, n: number): Generator<number[]> {
  const kinds = [
    () => -rng.uniform() * 40, // exp(logit − max)
    () => -rng.uniform() * 800, // down to underflow and subnormal results
    () => (rng.uniform() - 0.5) * 1500,
    () => (rng.uniform() - 0.5) * 3, // the reduction's branches
    () => (rng.uniform() - 0.5) * 2e-8,
    () => 1 + rng.uniform() * 100, // log of a sum of exponentials ≥ 1
    () => randomBits(rng),
  ];
  for (let b = 0; b < 120; b++) yield Array.from({ length: n }, kinds[b % kinds.length]!);
  for (let i = 0; i < EDGES.length; i += n) yield EDGES.slice(i, i + n);
}

test('ieeeExp and ieeeLog equal Math.exp and Math.log bit for bit (random, ranged and edge arguments)', () => {
  const rng = new Rng(1, 'wasm-loss/scalar');
  let checked = 0;
  for (const xs of argumentBlocks(rng, BLOCK)) {
    for (const x of xs) {
      if (!same(math.ieeeExp(x), Math.exp(x))) assert.fail(`exp(${x}): ${math.ieeeExp(x)} ≠ Math.exp ${Math.exp(x)}`);
      if (!same(math.ieeeLog(x), Math.log(x))) assert.fail(`log(${x}): ${math.ieeeLog(x)} ≠ Math.log ${Math.log(x)}`);
    }
    checked += xs.length;
  }
  assert.ok(checked > 900_000);
});

test('ieeeExp2 (two lanes, as the softmax calls it) equals Math.exp bit for bit', () => {
  const rng = new Rng(2, 'wasm-loss/lanes');
  for (const xs of argumentBlocks(rng, BLOCK)) {
    inp.set(xs);
    math.expInto(out.byteOffset, inp.byteOffset, xs.length);
    for (let i = 0; i < xs.length; i++) {
      if (!same(out[i]!, Math.exp(xs[i]!))) assert.fail(`exp2(${xs[i]}): ${out[i]} ≠ Math.exp ${Math.exp(xs[i]!)}`);
    }
  }
});

/** The float32 bit patterns of a, every NaN as one value. */
const bits = (a: Float32Array): number[] => [...new Uint32Array(a.buffer, a.byteOffset, a.length)].map((b, i) => (Number.isNaN(a[i]) ? -1 : b));

// Logits: ordinary, spread wide (exponentials that underflow to 0 or round to float32 subnormals), tied
// (the arg-max's first index), and rows holding ±∞ or NaN.
const SPREADS = [4, 300, 0] as const;

for (const [N, V] of [[1, 1], [3, 2], [5, 8], [7, 61], [64, 8], [2, 257]] as const) {
  test(`softmax cross-entropy forward, backward and countCorrect: wasm = JS bit for bit, N=${N} V=${V}`, () => {
    const rng = new Rng(3, `wasm-loss/ce/${N}/${V}`);
    for (const spread of SPREADS) {
      for (const special of [false, true]) {
        const logits = Array.from({ length: N * V }, () => (spread === 0 ? Math.floor(rng.uniform() * 3) : (rng.uniform() - 0.5) * spread));
        if (special) for (const s of [Infinity, -Infinity, NaN]) logits[Math.floor(rng.uniform() * N * V)] = s;
        const targets = Array.from({ length: N }, () => Math.floor(rng.uniform() * V));
        const dlogits = Array.from({ length: N * V }, () => rng.uniform() - 0.5);
        const run = (kernels: Kernels) => {
          const v = Arena.build((a) => {
            a.floats(1); // one float in: the wasm side reads unaligned
            return { logits: a.floats(N * V), probs: a.floats(N * V), dlogits: a.floats(N * V), targets: a.ints(N) };
          }, kernels).value;
          v.logits.set(logits); v.targets.set(targets); v.dlogits.set(dlogits);
          const loss = kernels.softmaxCrossEntropyForward(v.probs, v.logits, v.targets, N, V);
          kernels.softmaxCrossEntropyBackward(v.dlogits, v.probs, v.targets, N, V, 1 / N);
          return { loss, correct: kernels.countCorrect(v.logits, v.targets, N, V), probs: bits(v.probs), dlogits: bits(v.dlogits) };
        };
        const js = run(jsKernels);
        const wasm = run(createKernels('wasm'));
        const label = `spread ${spread}${special ? ' with ±∞, NaN' : ''}`;
        assert.ok(same(wasm.loss, js.loss), `${label}: loss ${wasm.loss} ≠ ${js.loss}`);
        assert.equal(wasm.correct, js.correct, `${label}: correct`);
        assert.deepEqual(wasm.probs, js.probs, `${label}: probs`);
        assert.deepEqual(wasm.dlogits, js.dlogits, `${label}: dlogits`);
      }
    }
  });
}
