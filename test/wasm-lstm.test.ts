// The wasm LSTM backward's weight gradients (src/wasm/assembly/transposed.ts) bit for bit against their
// definition in float32: each dW element is its T·B products summed in row order onto 0, then added to
// the gradient already there (the order of the wasm matmul's Aᵀ·B, which these products replaced).
// Shapes cover the unpacked and the packed (strips of dgates) paths, several cache panels, and the
// columns past the last 8-wide tile; the layer's agreement with the TS layer is checked too. And the
// first layer fed from token ids (lstmForwardTokens) against lstmForward on the looked-up rows, bit
// for bit under both kernel sets, at every In mod 4 and T·B mod 4 (the wasm A·Bᵀ rounds 4-row tiles
// and single rows differently when In mod 4 ≥ 2). And the embedding's backward (a scatter-add).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/base/rng.js';
import { Arena } from '../src/nn/arena.js';
import { createKernels } from '../src/wasm/kernels.js';
import { lstmBuffers, lstmParams, lstmPanelFloats, lstmForward, lstmBackward, lstmTokens } from '../src/nn/lstm.js';

const bits = (a: Float32Array): number[] => [...new Uint32Array(a.buffer, a.byteOffset, a.length)];

/** One layer with seeded weights, input, upstream gradient and nonzero starting weight gradients. */
function layer(kernels: 'js' | 'wasm', T: number, B: number, In: number, H: number) {
  return Arena.build((arena) => {
    const rng = new Rng(3, `wasm-lstm/${T}x${B}x${In}x${H}`);
    const p = lstmParams(arena, 'lstm', In, H);
    const buf = lstmBuffers(arena, T, B, In, H);
    const x = arena.floats(T * B * In);
    const dx = arena.floats(T * B * In);
    for (const w of [p.wih.w, p.whh.w, p.bias.w]) for (let i = 0; i < w.length; i++) w[i] = (rng.uniform() * 2 - 1) / Math.sqrt(H);
    for (const g of [p.wih.g, p.whh.g]) for (let i = 0; i < g.length; i++) g[i] = rng.normal();
    for (let i = 0; i < x.length; i++) x[i] = rng.normal();
    for (let i = 0; i < buf.dh.length; i++) buf.dh[i] = rng.normal();
    return { p, buf, x, dx };
  }, createKernels(kernels));
}

/**
 * C0 + Aᵀ·B in float32 as the kernel defines it: for C[i, j], s = 0; s = fl(s + fl(A[k, i]·B[k, j]))
 * for k = 0 … K−1 (A is K×M from row `aRow0` of a, B is K×N), then fl(C0[i, j] + s).
 */
function sequentialAtB(c0: Float32Array, a: Float32Array, aRow0: number, b: Float32Array, M: number, N: number, K: number): Float32Array {
  const f = Math.fround;
  const out = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s = f(s + f(a[(aRow0 + k) * M + i]! * b[k * N + j]!));
      out[i * N + j] = f(c0[i * N + j]! + s);
    }
  }
  return out;
}

// [T, B, In, H]: all-plain (H < 8), one tile plus edge columns, unpacked with full tiles, and packed
// (T·B·4H above 2¹⁸ floats) with K large enough for several panels, odd In and H mod 8 = 4.
for (const [T, B, In, H] of [[3, 2, 5, 6], [5, 4, 8, 13], [4, 16, 32, 128], [50, 40, 13, 100]] as const) {
  test(`wasm lstm weight gradients T=${T} B=${B} In=${In} H=${H}: the row-order float32 sums, bit for bit`, () => {
    const { value: w, arena } = layer('wasm', T, B, In, H);
    const G = 4 * H, rows = T * B;
    const dwih0 = w.p.wih.g.slice(), dwhh0 = w.p.whh.g.slice();
    arena.kernels.lstmForward(w.buf, w.p, w.x);
    arena.kernels.lstmBackward(w.buf, w.p, w.x, w.dx);
    // dW_hh pairs step t's dgates with h_{t−1}: rows B… of dgates with rows 0… of h.
    assert.deepEqual(bits(w.p.whh.g), bits(sequentialAtB(dwhh0, w.buf.dgates, B, w.buf.h, G, H, rows - B)), 'dW_hh');
    assert.deepEqual(bits(w.p.wih.g), bits(sequentialAtB(dwih0, w.buf.dgates, 0, w.x, G, In, rows)), 'dW_ih');
  });
}

test('the packed shape above uses several cache panels and the packed path', () => {
  // 8-wide tiles per panel = lstmPanelFloats / K; fewer than H/8 of them means more than one panel.
  const K = 50 * 40;
  assert.ok(lstmPanelFloats(50, 40, 13, 100) / K < Math.floor(100 / 8) * 8);
  assert.ok(K * 4 * 100 > 2 ** 18);
});

test('wasm lstm on the packed shape agrees with the TS layer (the layer test bound, 1e-5 of the largest value)', () => {
  const [T, B, In, H] = [50, 40, 13, 100];
  const js = layer('js', T, B, In, H).value;
  const { value: w, arena } = layer('wasm', T, B, In, H);
  lstmForward(js.buf, js.p, js.x);
  lstmBackward(js.buf, js.p, js.x, js.dx);
  arena.kernels.lstmForward(w.buf, w.p, w.x);
  arena.kernels.lstmBackward(w.buf, w.p, w.x, w.dx);
  for (const [name, a, e] of [['dx', w.dx, js.dx], ['dW_ih', w.p.wih.g, js.p.wih.g], ['dW_hh', w.p.whh.g, js.p.whh.g], ['db', w.p.bias.g, js.p.bias.g]] as const) {
    const bound = 1e-5 * (1 + e.reduce((m, v) => Math.max(m, Math.abs(v)), 0));
    for (let i = 0; i < e.length; i++) if (!(Math.abs(a[i]! - e[i]!) <= bound)) assert.fail(`${name}[${i}]: wasm ${a[i]} vs js ${e[i]}`);
  }
});

/** The layer twice, plain over x = table[ids] and fed from the tokens (into xFed), in an arena of `kernels`. */
function tokenLayers(kernels: 'js' | 'wasm', T: number, B: number, V: number, In: number, H: number) {
  return Arena.build((arena) => {
    const rng = new Rng(5, `wasm-lstm/tokens/${T}x${B}x${V}x${In}x${H}`);
    const p = lstmParams(arena, 'lstm', In, H);
    const plain = lstmBuffers(arena, T, B, In, H);
    const fed = lstmBuffers(arena, T, B, In, H);
    const table = arena.floats(V * In);
    const ids = arena.ints(T * B);
    const x = arena.floats(T * B * In);
    const xFed = arena.floats(T * B * In).fill(NaN); // the tokens' forward must fill it
    const tokens = lstmTokens(arena, ids, table, V, In, H);
    for (const w of [p.wih.w, p.whh.w, p.bias.w]) for (let i = 0; i < w.length; i++) w[i] = (rng.uniform() * 2 - 1) / Math.sqrt(H);
    for (let i = 0; i < table.length; i++) table[i] = rng.normal();
    for (let r = 0; r < T * B; r++) {
      ids[r] = Math.floor(rng.uniform() * V);
      x.set(table.subarray(ids[r]! * In, (ids[r]! + 1) * In), r * In);
    }
    return { p, plain, fed, x, xFed, tokens };
  }, createKernels(kernels));
}

// [T, B, V, In, H]: In mod 4 = 0, 1, 2, 3 and T·B mod 4 = 0, 1, 2, 3 (V never a multiple of 4).
for (const [T, B, V, In, H] of [[4, 4, 5, 8, 6], [5, 3, 7, 6, 10], [13, 5, 11, 7, 9], [3, 6, 3, 5, 4], [2, 1, 9, 2, 3]] as const) {
  for (const kernels of ['js', 'wasm'] as const) {
    test(`${kernels} lstm fed from tokens T=${T} B=${B} V=${V} In=${In} H=${H}: the looked-up rows and their forward, bit for bit`, () => {
      const { value: v, arena } = tokenLayers(kernels, T, B, V, In, H);
      arena.kernels.lstmForward(v.plain, v.p, v.x);
      arena.kernels.lstmForwardTokens(v.fed, v.p, v.xFed, v.tokens);
      assert.deepEqual(bits(v.xFed), bits(v.x), 'x = table[ids]');
      for (const name of ['gates', 'c', 'tanhC', 'h'] as const) assert.deepEqual(bits(v.fed[name]), bits(v.plain[name]), name);
    });
  }
}

test('wasm lstm gates at saturating and infinite pre-activations agree with the TS layer (exp clamped to [−87, 88])', () => {
  // In = 1, x_t = ±∞, ±1e4, ±100, ±0 …: the gate pre-activations x·W_ih + b reach ±∞ and values far
  // past the clamp, where σ and tanh must give exactly 0 or ±1 as Math.exp / Math.tanh do (a wrong
  // clamp would give NaN or 2ⁿ overflow); finite ones agree to the layer bound 1e-5.
  const xs = [Infinity, -Infinity, 1e4, -1e4, 100, -100, 88.5, -87.5, 0, -0, 1, -1];
  const run = (kernels: 'js' | 'wasm') => {
    const { value: v, arena } = layer(kernels, xs.length, 1, 1, 4);
    v.x.set(xs);
    arena.kernels.lstmForward(v.buf, v.p, v.x);
    return v.buf;
  };
  const js = run('js'), wasm = run('wasm');
  for (const name of ['gates', 'c', 'tanhC', 'h'] as const) {
    for (let i = 0; i < js[name].length; i++) {
      const e = js[name][i]!, a = wasm[name][i]!;
      if (!(Math.abs(a - e) <= 1e-5 * (1 + Math.abs(e)))) assert.fail(`${name}[${i}]: wasm ${a} vs js ${e}`);
    }
  }
});

for (const [N, V, C] of [[1, 1, 1], [7, 3, 5], [64, 5, 16], [33, 9, 18]] as const) {
  test(`embedding backward N=${N} V=${V} C=${C}: wasm = JS bit for bit, repeated ids summed in order`, () => {
    const run = (kernels: 'js' | 'wasm') => {
      const { value: v, arena } = Arena.build((a) => ({ dtable: a.floats(V * C), dout: a.floats(N * C), ids: a.ints(N) }), createKernels(kernels));
      const rng = new Rng(9, `wasm-lstm/embedding/${N}x${V}x${C}`);
      // Magnitudes 2⁻²⁰ … 2²⁰ so the adds round (and the order of repeated ids matters).
      for (const arr of [v.dtable, v.dout]) for (let i = 0; i < arr.length; i++) arr[i] = rng.normal() * 2 ** Math.round(rng.uniform() * 40 - 20);
      for (let n = 0; n < N; n++) v.ids[n] = Math.floor(rng.uniform() * V);
      arena.kernels.embeddingBackward(v.dtable, v.dout, v.ids, N, C);
      return v.dtable;
    };
    assert.deepEqual(bits(run('wasm')), bits(run('js')));
  });
}

for (const [N, V, C] of [[1, 1, 1], [7, 3, 5], [64, 5, 16], [33, 9, 18]] as const) {
  test(`embedding forward N=${N} V=${V} C=${C}: wasm = JS bit for bit, copying and adding rows`, () => {
    const run = (kernels: 'js' | 'wasm', accumulate: boolean) => {
      const { value: v, arena } = Arena.build((a) => ({ out: a.floats(N * C), table: a.floats(V * C), ids: a.ints(N) }), createKernels(kernels));
      const rng = new Rng(10, `wasm-lstm/embedding-forward/${N}x${V}x${C}`);
      // Magnitudes 2⁻²⁰ … 2²⁰ so the adds round.
      for (const arr of [v.out, v.table]) for (let i = 0; i < arr.length; i++) arr[i] = rng.normal() * 2 ** Math.round(rng.uniform() * 40 - 20);
      for (let n = 0; n < N; n++) v.ids[n] = Math.floor(rng.uniform() * V);
      arena.kernels.embeddingForward(v.out, v.ids, v.table, N, C, accumulate);
      return v.out;
    };
    for (const accumulate of [false, true]) assert.deepEqual(bits(run('wasm', accumulate)), bits(run('js', accumulate)), `accumulate ${accumulate}`);
  });
}
