// The wasm kernels of the MLP's and the transformer's layers against their TS references
// (src/nn/{activation,layernorm,residual,attention,linear}.ts), at odd sizes (scalar tails, rows past
// the last 4×4 block of attention) and unaligned offsets.
//
// Exact, bit for bit: LayerNorm forward and backward (float64 in both, same operations in the same
// order), the residual add and its backward (f32 adds), tanh's backward (the TS float64 expression in
// f64x2 lanes) and a linear layer's bias add and bias gradient (planes of one).
//
// Bounded, U = 2⁻²⁴ the float32 unit roundoff. The TS loops evaluate in float64 with Math.tanh /
// Math.exp and round once (½U); the wasm kernels in float32 with exp4 (src/wasm/assembly/math.ts,
// ≤ 1 ulp = 2U), rounding after every operation:
//   tanh:   |Δ| ≤ 6U·|tanh x|. |x| < 0.625: Cephes' polynomial, ≤ 2U relative plus the two roundings
//           of x·(1 + z·P); else 1 − 2/(e^{2|x|} + 1): e ≤ 2U, the add and the division U each, so
//           the quotient q ≤ 0.445 is off by ≤ 4U·q ≤ 1.8U·1, and 1 − q ≥ 0.555 adds U: ≤ 4.3U relative.
//   GELU:   u = √(2/π)(x + 0.044715x³) in float32 is off by ≤ 6U·|u| (five roundings and two rounded
//           constants, terms of one sign); e^{−2u} then by ≤ (12|u| + 2)U relative, and x/(1 + e)
//           passes that on weighted by e/(1 + e) = 1 − σ(2u), plus two roundings:
//           |Δ| ≤ 12·(1 + |u|(1 − σ))·U·|gelu x| + 1e-37 (the floor: below −2u = 88, where exp4 would
//           clamp, the wasm kernel returns ∓0 and |gelu x| < 6.1e-38).
//   GELU':  local = σ + q, q = 2x·σ(1 − σ)·u'(x). σ is off by ≤ (12|u| + 4)U; σ(1 − σ) = e·σ², whose
//           sensitivity to e's error is |1 − e|/(1 + e) ≤ 1, by ≤ (12|u| + 6)U; u' and the products by
//           7U more: |Δlocal| ≤ 14(1 + |u|)U·(σ + |q|). Then dinp += dout·local adds two roundings:
//           |Δ| ≤ 16(1 + |u|)U·(σ + |q|)·|dout| + 2U·|dinp| + 2e-36·|dout| (the floor: past the clamp
//           the TS local is below 1.4e-36 and the wasm one is 0).
//   attention forward: the score s of row t is a float32 dot product, off by ≤ hs·U·M_s
//           (M_s = Σ_e|q_e·k_e|); the exponent (S_s − max)·scale by ≤ 2·scale·hs·U·max M + 2U·|arg|;
//           each weight a_s = e_s/Σe by ≤ δ_t = 2(that + 2U) + (t + 3)U relative; and y = Σ_s a_s·v_s
//           adds (t + 2)U: |Δy| ≤ (δ_t + (t + 2)U)·Σ_s a_s·|v_s|. The wasm softmax makes weights whose
//           exponent is below −64 exactly 0; the TS weight there is ≤ e^{−64 + ε} (ε the exponent's
//           error above), so such a weight is off by itself, and y by Σ of those a_s·|v_s| (the other
//           weights' sum, ≥ 1, loses < T·e^{−63}: far inside δ_t).
//   attention backward, given the same A: no exponentials, only float32 sums of products, checked
//           against the first-order bound of each sum written out in `attentionBackwardBound`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/base/rng.js';
import { Arena } from '../src/nn/arena.js';
import { jsKernels, createKernels } from '../src/wasm/kernels.js';
import { attentionBuffers, type AttentionBuffers } from '../src/nn/attention.js';
import type { Kernels } from '../src/nn/kernels.js';

const U = 2 ** -24;
const LENGTHS = [1, 3, 4, 7, 61, 1027];

/** float32 bit patterns, every NaN as one value (which NaN an operation returns is the hardware's choice). */
const bits = (a: Float32Array): number[] => [...new Uint32Array(a.buffer, a.byteOffset, a.length)].map((b, i) => (Number.isNaN(a[i]) ? -1 : b));

/** Buffers in an arena of `kernels`, one float in (so the wasm side reads unaligned). */
function arrays<T>(kernels: Kernels, build: (floats: (n: number) => Float32Array, a: Arena) => T): T {
  return Arena.build((a) => {
    a.floats(1);
    return build((n) => a.floats(n), a);
  }, kernels).value;
}

/** n normal values at `scale`, with signed zeros, NaN and infinities among them when `specials`. */
function values(n: number, rng: Rng, scale = 1, specials = false): number[] {
  const SPECIALS = [0, -0, NaN, Infinity, -Infinity, 1e-45, -1e-45];
  return Array.from({ length: n }, () => (specials && rng.uniform() < 0.1 ? SPECIALS[Math.floor(rng.uniform() * SPECIALS.length)]! : scale * rng.normal()));
}

/** |actual − expected| ≤ bound[i] for every element (equal infinities agree). */
function assertWithin(actual: Float32Array, expected: Float32Array, bound: (i: number) => number, what: string): void {
  assert.equal(actual.length, expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const diff = actual[i] === expected[i] ? 0 : Math.abs(actual[i]! - expected[i]!);
    if (diff !== 0 && !(diff <= bound(i))) assert.fail(`${what}[${i}]: wasm ${actual[i]} vs js ${expected[i]} (diff ${diff}, bound ${bound(i)})`);
    if (diff !== 0) worst = Math.max(worst, diff / bound(i));
  }
  // WASM_LAYERS_LOG=1 prints each check's margin: the largest share of its bound used
  if (process.env.WASM_LAYERS_LOG === '1') console.log(`${what}: worst diff/bound ${worst.toPrecision(3)}`);
}

// ---- exact ---------------------------------------------------------------------------------------

for (const n of LENGTHS) {
  test(`residual add and its backward, tanh backward: wasm = JS bit for bit on ${n} values with specials`, () => {
    const rng = new Rng(3, `wasm-layers/elementwise/${n}`);
    const a = values(n, rng, 1, true), b = values(n, rng, 1, true), dout = values(n, rng, 1, true);
    const da = values(n, rng, 1, true), db = values(n, rng, 1, true);
    // tanh's saved outputs lie in [−1, 1]
    const y = values(n, rng).map(Math.tanh);
    const run = (kernels: Kernels) => {
      const v = arrays(kernels, (f) => ({ a: f(n), b: f(n), out: f(n), dout: f(n), da: f(n), db: f(n), y: f(n), dy: f(n) }));
      v.a.set(a); v.b.set(b); v.dout.set(dout); v.da.set(da); v.db.set(db); v.y.set(y); v.dy.set(da);
      kernels.residualForward(v.out, v.a, v.b, n);
      kernels.residualBackward(v.da, v.db, v.dout, n);
      kernels.tanhBackward(v.dy, v.dout, v.y, n);
      return v;
    };
    const js = run(jsKernels);
    const wasm = run(createKernels('wasm'));
    assert.deepEqual(bits(wasm.out), bits(js.out), 'residual forward');
    assert.deepEqual(bits(wasm.da), bits(js.da), 'residual backward, da');
    assert.deepEqual(bits(wasm.db), bits(js.db), 'residual backward, db');
    assert.deepEqual(bits(wasm.dy), bits(js.dy), 'tanh backward');
  });
}

for (const [N, C] of [[1, 1], [3, 7], [5, 32], [4, 33], [2, 2]] as const) {
  test(`layernorm forward and backward: wasm = JS bit for bit, ${N} rows of ${C}`, () => {
    const rng = new Rng(4, `wasm-layers/layernorm/${N}x${C}`);
    // a large common offset makes the mean's and the variance's float64 rounding matter
    const x = values(N * C, rng).map((v, i) => v + (i % 2 === 0 ? 1e3 : 0));
    const w = values(C, rng), b = values(C, rng), dout = values(N * C, rng);
    const dx = values(N * C, rng), dw = values(C, rng), db = values(C, rng);
    const run = (kernels: Kernels) => {
      const v = arrays(kernels, (f) => ({ x: f(N * C), w: f(C), b: f(C), out: f(N * C), mean: f(N), rstd: f(N), dout: f(N * C), dx: f(N * C), dw: f(C), db: f(C) }));
      v.x.set(x); v.w.set(w); v.b.set(b); v.dout.set(dout); v.dx.set(dx); v.dw.set(dw); v.db.set(db);
      kernels.layernormForward(v.out, v.mean, v.rstd, v.x, v.w, v.b, N, C);
      kernels.layernormBackward(v.dx, v.dw, v.db, v.dout, v.x, v.w, v.mean, v.rstd, N, C);
      return v;
    };
    const js = run(jsKernels);
    const wasm = run(createKernels('wasm'));
    for (const k of ['out', 'mean', 'rstd', 'dx', 'dw', 'db'] as const) assert.deepEqual(bits(wasm[k]), bits(js[k]), k);
  });
}

test("a linear layer's bias add and bias gradient (planes of one): wasm = JS bit for bit", () => {
  for (const [B, C] of [[5, 7], [3, 32], [2, 1]] as const) {
    const rng = new Rng(6, `wasm-layers/bias/${B}x${C}`);
    const out = values(B * C, rng, 1, true), bias = values(C, rng, 1, true), dbias = values(C, rng, 1e8), dout = values(B * C, rng);
    const run = (kernels: Kernels) => {
      const v = arrays(kernels, (f) => ({ out: f(B * C), bias: f(C), dbias: f(C), dout: f(B * C) }));
      v.out.set(out); v.bias.set(bias); v.dbias.set(dbias); v.dout.set(dout);
      kernels.addChannelBias(v.out, v.bias, B, C, 1);
      kernels.addChannelSums(v.dbias, v.dout, B, C, 1);
      return v;
    };
    const js = run(jsKernels);
    const wasm = run(createKernels('wasm'));
    assert.deepEqual(bits(wasm.out), bits(js.out), `bias add ${B}×${C}`);
    assert.deepEqual(bits(wasm.dbias), bits(js.dbias), `bias gradient ${B}×${C}`);
  }
});

// ---- tanh and GELU -----------------------------------------------------------------------------------

/** Every 1/256 on [−12, 12] (both branches of tanh, GELU's clamp at x ≈ −10.06) and magnitudes 1e-40…1e38 of both signs. */
function activationInputs(): number[] {
  const xs: number[] = [];
  for (let i = -12 * 256; i <= 12 * 256; i++) xs.push(i / 256);
  for (let k = -40; k <= 38; k++) for (const m of [1, 1.7, 3.3, 7.9]) if (m * 10 ** k < 3.4e38) xs.push(m * 10 ** k, -m * 10 ** k);
  return xs;
}

const GELU_SCALE = Math.sqrt(2 / Math.PI);

test('tanh and GELU: wasm within the derived bounds of the JS reference, every input length tail', () => {
  const xs = activationInputs();
  const n = xs.length;
  assert.notEqual(n % 4, 0, 'a scalar tail');
  const rng = new Rng(8, 'wasm-layers/activation');
  const dout = values(n, rng), dinp = values(n, rng);
  const run = (kernels: Kernels) => {
    const v = arrays(kernels, (f) => ({ x: f(n), tanh: f(n), gelu: f(n), dout: f(n), dinp: f(n) }));
    v.x.set(xs); v.dout.set(dout); v.dinp.set(dinp);
    kernels.tanhForward(v.tanh, v.x, n);
    kernels.geluForward(v.gelu, v.x, n, null);
    kernels.geluBackward(v.dinp, v.dout, v.x, n, null);
    return v;
  };
  const js = run(jsKernels);
  const wasm = run(createKernels('wasm'));
  assertWithin(wasm.tanh, js.tanh, (i) => 6 * U * Math.abs(js.tanh[i]!), 'tanh');
  const x = js.x;
  const u = (i: number) => GELU_SCALE * (x[i]! + 0.044715 * x[i]! ** 3);
  const sigma = (i: number) => 1 / (1 + Math.exp(-2 * u(i)));
  assertWithin(wasm.gelu, js.gelu, (i) => 12 * (1 + Math.abs(u(i)) * (1 - sigma(i))) * U * Math.abs(js.gelu[i]!) + 1e-37, 'gelu');
  const q = (i: number) => Math.abs(2 * x[i]! * sigma(i) * (1 - sigma(i)) * GELU_SCALE * (1 + 3 * 0.044715 * x[i]! ** 2));
  const gradBound = (i: number) => {
    const d = Math.abs(dout[i]!);
    // q overflows float64 only where σ(1 − σ) is 0 (|x| > 1e102 cannot occur in float32): 0·∞ → 0
    const qi = sigma(i) * (1 - sigma(i)) === 0 ? 0 : q(i);
    return 16 * (1 + Math.abs(u(i))) * U * (sigma(i) + qi) * d + 2 * U * Math.abs(dinp[i]!) + 2e-36 * d;
  };
  assertWithin(wasm.dinp, js.dinp, gradBound, 'gelu backward');
});

test('GELU with a saved buffer (the forward keeps exp(−2u), the backward reads it): the same bits as without, in wasm', () => {
  const xs = [...activationInputs(), 0, -0, Infinity, -Infinity, NaN];
  const rng = new Rng(11, 'wasm-layers/gelu-saved');
  const dout = values(xs.length, rng), dinp = values(xs.length, rng);
  for (const n of [xs.length, 3]) {
    const run = (saving: boolean) => {
      const wasm = createKernels('wasm');
      const v = arrays(wasm, (f) => ({ x: f(n), y: f(n), dinp: f(n), dout: f(n), saved: f(n) }));
      v.x.set(xs.slice(0, n)); v.dout.set(dout.slice(0, n)); v.dinp.set(dinp.slice(0, n));
      wasm.geluForward(v.y, v.x, n, saving ? v.saved : null);
      wasm.geluBackward(v.dinp, v.dout, v.x, n, saving ? v.saved : null);
      return v;
    };
    const plain = run(false), saving = run(true);
    const bits = (a: Float32Array) => [...new Uint32Array(a.buffer, a.byteOffset, a.length)].map((b, i) => (Number.isNaN(a[i]) ? -1 : b));
    assert.deepEqual(bits(saving.y), bits(plain.y), `forward, n = ${n}`);
    assert.deepEqual(bits(saving.dinp), bits(plain.dinp), `backward, n = ${n}`);
    assert.ok(saving.saved.some((e) => e !== 0), 'the forward filled the saved buffer');
  }
});

test('tanh and GELU keep their limits and special values in wasm: ±1, exact 0 and −0, NaN', () => {
  const xs = [0, -0, 20, -20, Infinity, -Infinity, NaN, -1e30, 1e30];
  const wasm = createKernels('wasm');
  const w = arrays(wasm, (f) => ({ x: f(xs.length), t: f(xs.length), g: f(xs.length) }));
  w.x.set(xs);
  wasm.tanhForward(w.t, w.x, xs.length);
  wasm.geluForward(w.g, w.x, xs.length, null);
  // tanh: odd with exact limits; −0 stays −0 (Math.tanh(−0) = −0)
  assert.deepEqual([...w.t], [0, -0, 1, -1, 1, -1, NaN, -1, 1]);
  assert.ok(Object.is(w.t[1], -0));
  // gelu = x·σ(2u): ±0 kept, x itself for large x, −0 for very negative finite x (the TS loop's
  // x/(1 + ∞)), NaN for −∞ (−∞/∞ there)
  assert.deepEqual([...w.g], [0, -0, 20, -0, Infinity, NaN, NaN, -0, Math.fround(1e30)]);
  assert.ok(Object.is(w.g[3], -0) && Object.is(w.g[7], -0));
});

// ---- attention -----------------------------------------------------------------------------------

/** One attention layer's buffers and seeded inputs in an arena of a new instance of the kernel set. */
function attentionCase(set: 'js' | 'wasm', B: number, T: number, C: number, NH: number, spread = 1.5) {
  const kernels = set === 'js' ? jsKernels : createKernels('wasm');
  const v = arrays(kernels, (f, a) => ({
    buf: attentionBuffers(a, B, T, C, NH), qkv: f(B * T * 3 * C), out: f(B * T * C), dout: f(B * T * C), dqkv: f(B * T * 3 * C),
  }));
  const rng = new Rng(9, `wasm-layers/attention/${B}.${T}.${C}.${NH}`);
  v.qkv.set(values(v.qkv.length, rng, spread));
  v.dout.set(values(v.dout.length, rng));
  v.dqkv.set(values(v.dqkv.length, rng));
  return { kernels, ...v };
}

// (B, T, C, NH): the shipped config's heads (T = 32, hs = 8), rows past the last 4×4 block (T = 7, 9,
// 13), heads of hs = 3 and 1 (scalar feature tails), one position.
const ATTENTION_SHAPES = [[2, 32, 32, 4], [1, 7, 6, 2], [2, 9, 15, 5], [1, 13, 8, 8], [1, 12, 12, 2], [1, 1, 4, 1]] as const;

for (const [B, T, C, NH] of ATTENTION_SHAPES) {
  test(`attention forward: wasm within the derived bound of the JS reference, B${B} T${T} C${C} NH${NH}`, () => {
    const js = attentionCase('js', B, T, C, NH);
    const wasm = attentionCase('wasm', B, T, C, NH);
    js.kernels.attentionForward(js.buf, js.out, js.qkv);
    wasm.kernels.attentionForward(wasm.buf, wasm.out, wasm.qkv);
    const { att, y } = attentionForwardBounds(js.buf, js.qkv);
    assertWithin(wasm.buf.att, js.buf.att, (i) => att[i]!, 'att'); // 0 above the diagonal in both
    assertWithin(wasm.out, js.out, (i) => y[i]!, 'out');
  });

  test(`attention backward: wasm within the bound of its float32 sums, B${B} T${T} C${C} NH${NH}`, () => {
    const js = attentionCase('js', B, T, C, NH);
    const wasm = attentionCase('wasm', B, T, C, NH);
    js.kernels.attentionForward(js.buf, js.out, js.qkv);
    wasm.buf.att.set(js.buf.att); // the same A: the backward's own error alone
    const before = Float64Array.from(js.dqkv);
    js.kernels.attentionBackward(js.buf, js.dqkv, js.dout, js.qkv);
    wasm.kernels.attentionBackward(wasm.buf, wasm.dqkv, wasm.dout, wasm.qkv);
    const bound = attentionBackwardBound(js.buf, js.qkv, js.dout, js.dqkv, before);
    assertWithin(wasm.dqkv, js.dqkv, (i) => bound[i]!, 'dqkv');
  });
}

test('attention forward with scores spread wide: weights below e^{−64} are exactly 0 in wasm, within the bound', () => {
  const [B, T, C, NH] = [2, 32, 32, 4];
  const js = attentionCase('js', B, T, C, NH, 12);
  const wasm = attentionCase('wasm', B, T, C, NH, 12);
  js.kernels.attentionForward(js.buf, js.out, js.qkv);
  wasm.kernels.attentionForward(wasm.buf, wasm.out, wasm.qkv);
  let zeroed = 0;
  for (let i = 0; i < js.buf.att.length; i++) if (js.buf.att[i]! > 0 && wasm.buf.att[i] === 0) zeroed++;
  assert.ok(zeroed > 100, `only ${zeroed} weights flushed: the case does not exercise the flush`);
  const { att, y } = attentionForwardBounds(js.buf, js.qkv);
  assertWithin(wasm.buf.att, js.buf.att, (i) => att[i]!, 'att');
  assertWithin(wasm.out, js.out, (i) => y[i]!, 'out');
});

/** Where head hd's q (part 0), k (1) or v (2) feature e of row (b, t) lies in qkv, and dY's in dout. */
function indexer(buf: AttentionBuffers) {
  const { T, C, NH } = buf;
  const hs = C / NH;
  return {
    hs,
    scale: 1 / Math.sqrt(hs),
    qkv: (b: number, hd: number, t: number, part: number, e: number) => (b * T + t) * 3 * C + part * C + hd * hs + e,
    dy: (b: number, hd: number, t: number, e: number) => (b * T + t) * C + hd * hs + e,
    att: (b: number, hd: number, t: number, s: number) => ((b * NH + hd) * T + t) * T + s,
  };
}

/** The forward bounds of the header, per element of att and of out, in float64 from the JS results. */
function attentionForwardBounds(buf: AttentionBuffers, qkv: Float32Array): { att: Float64Array; y: Float64Array } {
  const { B, T, C, NH, att } = buf;
  const ix = indexer(buf);
  const attB = new Float64Array(att.length);
  const yB = new Float64Array(B * T * C);
  for (let b = 0; b < B; b++) {
    for (let hd = 0; hd < NH; hd++) {
      for (let t = 0; t < T; t++) {
        const score = (s: number) => sumOver(ix.hs, (e) => qkv[ix.qkv(b, hd, t, 0, e)]! * qkv[ix.qkv(b, hd, s, 1, e)]!);
        const mag = (s: number) => sumOver(ix.hs, (e) => Math.abs(qkv[ix.qkv(b, hd, t, 0, e)]! * qkv[ix.qkv(b, hd, s, 1, e)]!));
        let maxM = 0, maxS = -Infinity, minS = Infinity;
        for (let s = 0; s <= t; s++) {
          maxM = Math.max(maxM, mag(s));
          maxS = Math.max(maxS, score(s));
          minS = Math.min(minS, score(s));
        }
        const maxArg = (maxS - minS) * ix.scale;
        const argError = 2 * ix.scale * ix.hs * U * maxM + 3 * U * maxArg;
        const delta = 2 * (argError + 2 * U) + (t + 4) * U;
        // a weight the wasm softmax may have flushed: its exponent is below −64 there, so here below −64 + argError
        const flushed = (a: number) => (a < Math.exp(-64 + argError) ? a : 0);
        for (let s = 0; s <= t; s++) attB[ix.att(b, hd, t, s)] = delta * att[ix.att(b, hd, t, s)]! + flushed(att[ix.att(b, hd, t, s)]!) + 1e-37;
        for (let e = 0; e < ix.hs; e++) {
          const terms = sumOver(t + 1, (s) => att[ix.att(b, hd, t, s)]! * Math.abs(qkv[ix.qkv(b, hd, s, 2, e)]!));
          const lost = sumOver(t + 1, (s) => flushed(att[ix.att(b, hd, t, s)]!) * Math.abs(qkv[ix.qkv(b, hd, s, 2, e)]!));
          yB[ix.dy(b, hd, t, e)] = (delta + (t + 2) * U) * terms + lost + 1e-37;
        }
      }
    }
  }
  return { att: attB, y: yB };
}

function sumOver(n: number, term: (i: number) => number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += term(i);
  return sum;
}

/**
 * First-order bounds of the backward's float32 sums, given the same A (an n-term sum of products is
 * off by ≤ (n + 1)U times the sum of its terms' magnitudes):
 *   dA_ts = Σ_e dY_te·V_se:   ΔdA ≤ (hs + 1)U·Σ_e|dY·V|
 *   D_t = Σ_s A_ts·dA_ts:     ΔD ≤ Σ_s A_ts·(ΔdA_ts + (t + 2)U·|dA_ts|)
 *   dS_ts = scale·A_ts·(dA_ts − D_t):  ΔdS ≤ scale·A_ts·(ΔdA_ts + ΔD_t + 3U·(|dA_ts| + |D_t|))
 *   dQ_t = Σ_s dS_ts·K_s, dK_s = Σ_t dS_ts·Q_t, dV_s = Σ_t A_ts·dY_t: the dS errors carried through,
 *   plus (terms + 1)U of each sum; then the add into dqkv, rounded: 2U·(|before| + |after|).
 */
function attentionBackwardBound(buf: AttentionBuffers, qkv: Float32Array, dout: Float32Array, after: Float32Array, before: Float64Array): Float64Array {
  const { B, T, NH, att } = buf;
  const ix = indexer(buf);
  const bound = new Float64Array(qkv.length);
  for (let b = 0; b < B; b++) {
    for (let hd = 0; hd < NH; hd++) {
      // |dS| and its error per (t, s), in float64
      const dS = new Float64Array(T * T), dSErr = new Float64Array(T * T);
      for (let t = 0; t < T; t++) {
        const a = (s: number) => att[ix.att(b, hd, t, s)]!;
        const dA = (s: number) => sumOver(ix.hs, (e) => dout[ix.dy(b, hd, t, e)]! * qkv[ix.qkv(b, hd, s, 2, e)]!);
        const dAErr = (s: number) => (ix.hs + 1) * U * sumOver(ix.hs, (e) => Math.abs(dout[ix.dy(b, hd, t, e)]! * qkv[ix.qkv(b, hd, s, 2, e)]!));
        const D = sumOver(t + 1, (s) => a(s) * dA(s));
        const DErr = sumOver(t + 1, (s) => a(s) * (dAErr(s) + (t + 2) * U * Math.abs(dA(s))));
        for (let s = 0; s <= t; s++) {
          dS[t * T + s] = ix.scale * a(s) * (Math.abs(dA(s)) + Math.abs(D));
          dSErr[t * T + s] = ix.scale * a(s) * (dAErr(s) + DErr + 3 * U * (Math.abs(dA(s)) + Math.abs(D)));
        }
      }
      for (let r = 0; r < T; r++) {
        for (let e = 0; e < ix.hs; e++) {
          const k = (s: number) => Math.abs(qkv[ix.qkv(b, hd, s, 1, e)]!);
          const q = (t: number) => Math.abs(qkv[ix.qkv(b, hd, t, 0, e)]!);
          const dq = sumOver(r + 1, (s) => dSErr[r * T + s]! * k(s) + (r + 2) * U * dS[r * T + s]! * k(s));
          const later = T - r; // t = r … T − 1
          const dk = sumOver(later, (i) => dSErr[(r + i) * T + r]! * q(r + i) + (later + 1) * U * dS[(r + i) * T + r]! * q(r + i));
          const dv = (later + 1) * U * sumOver(later, (i) => att[ix.att(b, hd, r + i, r)]! * Math.abs(dout[ix.dy(b, hd, r + i, e)]!));
          for (const [part, err] of [[0, dq], [1, dk], [2, dv]] as const) {
            const at = ix.qkv(b, hd, r, part, e);
            bound[at] = err + 2 * U * (Math.abs(before[at]!) + Math.abs(after[at]!)) + 1e-37;
          }
        }
      }
    }
  }
  return bound;
}
