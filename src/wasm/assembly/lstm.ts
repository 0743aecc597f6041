// One LSTM layer over a sequence, forward and backward through time: src/nn/lstm.ts's lstmForward /
// lstmBackward step for step (same buffers, same order of the products), with the gate
// nonlinearities and the cell in f32x4 lanes along the hidden units and the products through the
// SIMD matmul of ./matmul (the weight gradients through ./transposed, the same sums). Pointers are byte offsets; T = seq_len, B = batch, In = input width,
// H = hidden width, G = 4H; time-major rows, gate rows [i | f | g | o].
import { matmul } from './matmul';
import { addTransposedProduct, packStrips } from './transposed';
import { sigmoid4, tanh4, sigmoid1, tanh1 } from './math';

// Above this many floats (1 MiB, this core's L2) the weight-gradient products read dgates from strips.
const PACK_ABOVE_FLOATS: usize = 262144;

/** dst[j] += src[j] for j < G: four lanes at a time, then the tail. */
@inline
export function addInto(dst: usize, src: usize, G: i32): void {
  const G4 = G & ~3;
  for (let j = 0; j < G4; j += 4) {
    const at: usize = <usize>j << 2;
    v128.store(dst + at, f32x4.add(v128.load(dst + at), v128.load(src + at)));
  }
  for (let j = G4; j < G; j++) {
    const at: usize = <usize>j << 2;
    store<f32>(dst + at, load<f32>(dst + at) + load<f32>(src + at));
  }
}

/** gates (T·B × G) += bias (G) on every row. */
function addBiasRows(gates: usize, bias: usize, rows: i32, G: i32): void {
  const rowBytes: usize = <usize>G << 2;
  for (let r = 0; r < rows; r++) addInto(gates + <usize>r * rowBytes, bias, G);
}

/** sums (G) += Σ_r rows[r] over `count` rows of G: the bias gradient, rows in order as the TS layer. */
function addRowSums(sums: usize, rows: usize, count: i32, G: i32): void {
  const rowBytes: usize = <usize>G << 2;
  for (let r = 0; r < count; r++) addInto(sums, rows + <usize>r * rowBytes, G);
}

export function lstmForward(
  gates: usize, c: usize, tanhC: usize, h: usize,
  x: usize, wih: usize, whh: usize, bias: usize,
  T: i32, B: i32, In: i32, H: i32,
): void {
  const G = 4 * H;
  // The input projection of every time step at once, then the bias.
  matmul(gates, x, wih, T * B, G, In, false, true, false);
  addBiasRows(gates, bias, T * B, G);
  recurrence(gates, c, tanhC, h, whh, T, B, H);
}

/**
 * x = table[ids] (V×In table, T·B ids), then lstmForward on x with the input projection taken once per
 * table row and gathered (src/nn/lstm.ts lstmForwardTokens). To give every gate row the bits lstmForward gives
 * it, each row's sum must go the same way through ./matmul's A·Bᵀ, whose 4-row tiles and single
 * bottom rows round differently: the table is projected from a copy padded to whole tiles (padded,
 * projected: ⌈V/4⌉·4 rows), which serves the rows lstmForward ran as tiles, and the last T·B mod 4 rows
 * are projected from x as lstmForward did.
 */
export function lstmForwardTokens(
  gates: usize, c: usize, tanhC: usize, h: usize,
  x: usize, ids: usize, table: usize, V: i32, padded: usize, projected: usize,
  wih: usize, whh: usize, bias: usize,
  T: i32, B: i32, In: i32, H: i32,
): void {
  const G = 4 * H;
  const N = T * B;
  const inBytes: usize = <usize>In << 2;
  for (let r = 0; r < N; r++) memory.copy(x + <usize>r * inBytes, table + <usize>load<i32>(ids + (<usize>r << 2)) * inBytes, inBytes);
  const rowBytes: usize = <usize>G << 2;
  const V4 = (V + 3) & ~3;
  memory.copy(padded, table, <usize>(V * In) << 2);
  memory.fill(padded + (<usize>(V * In) << 2), 0, <usize>((V4 - V) * In) << 2);
  matmul(projected, padded, wih, V4, G, In, false, true, false);
  addBiasRows(projected, bias, V, G);
  const N4 = N & ~3;
  for (let r = 0; r < N4; r++) memory.copy(gates + <usize>r * rowBytes, projected + <usize>load<i32>(ids + (<usize>r << 2)) * rowBytes, rowBytes);
  if (N4 < N) {
    const tail = gates + <usize>N4 * rowBytes;
    matmul(tail, x + (<usize>(N4 * In) << 2), wih, N - N4, G, In, false, true, false);
    addBiasRows(tail, bias, N - N4, G);
  }
  recurrence(gates, c, tanhC, h, whh, T, B, H);
}

/** The time steps, from gates holding x_t·W_ihᵀ + b: add h_{t−1}·W_hhᵀ, apply the gates, update c and h. */
function recurrence(gates: usize, c: usize, tanhC: usize, h: usize, whh: usize, T: i32, B: i32, H: i32): void {
  const G = 4 * H;
  const H4 = H & ~3;
  const gateBytes: usize = <usize>H << 2; // one gate block of a row
  for (let t = 0; t < T; t++) {
    if (t > 0) matmul(gates + (<usize>(t * B * G) << 2), h + (<usize>((t - 1) * B * H) << 2), whh, B, G, H, false, true, true);
    for (let b = 0; b < B; b++) {
      const gRow = gates + (<usize>((t * B + b) * G) << 2);
      const sRow: usize = <usize>((t * B + b) * H) << 2;
      const prevRow: usize = sRow - (<usize>(B * H) << 2);
      for (let j = 0; j < H4; j += 4) {
        const at: usize = <usize>j << 2;
        const i = sigmoid4(v128.load(gRow + at));
        const f = sigmoid4(v128.load(gRow + gateBytes + at));
        const g = tanh4(v128.load(gRow + 2 * gateBytes + at));
        const o = sigmoid4(v128.load(gRow + 3 * gateBytes + at));
        v128.store(gRow + at, i);
        v128.store(gRow + gateBytes + at, f);
        v128.store(gRow + 2 * gateBytes + at, g);
        v128.store(gRow + 3 * gateBytes + at, o);
        const cPrev = t > 0 ? v128.load(c + prevRow + at) : f32x4.splat(0);
        const ct = f32x4.add(f32x4.mul(f, cPrev), f32x4.mul(i, g));
        const tc = tanh4(ct);
        v128.store(c + sRow + at, ct);
        v128.store(tanhC + sRow + at, tc);
        v128.store(h + sRow + at, f32x4.mul(o, tc));
      }
      for (let j = H4; j < H; j++) {
        const at: usize = <usize>j << 2;
        const i = sigmoid1(load<f32>(gRow + at));
        const f = sigmoid1(load<f32>(gRow + gateBytes + at));
        const g = tanh1(load<f32>(gRow + 2 * gateBytes + at));
        const o = sigmoid1(load<f32>(gRow + 3 * gateBytes + at));
        store<f32>(gRow + at, i);
        store<f32>(gRow + gateBytes + at, f);
        store<f32>(gRow + 2 * gateBytes + at, g);
        store<f32>(gRow + 3 * gateBytes + at, o);
        const cPrev: f32 = t > 0 ? load<f32>(c + prevRow + at) : 0;
        const ct = f * cPrev + i * g;
        const tc = tanh1(ct);
        store<f32>(c + sRow + at, ct);
        store<f32>(tanhC + sRow + at, tc);
        store<f32>(h + sRow + at, o * tc);
      }
    }
  }
}

/**
 * dx = 0 when the layer's input needs no gradient. gateStrips (T·B·G floats) and panel (panelFloats)
 * are scratch for ./transposed's weight-gradient products.
 */
export function lstmBackward(
  gates: usize, c: usize, tanhC: usize, h: usize, dh: usize, dgates: usize, dcNext: usize,
  x: usize, dx: usize, wih: usize, whh: usize, dwih: usize, dwhh: usize, dbias: usize,
  gateStrips: usize, panel: usize, panelFloats: i32, T: i32, B: i32, In: i32, H: i32,
): void {
  const G = 4 * H;
  const H4 = H & ~3;
  const gateBytes: usize = <usize>H << 2;
  memory.fill(dcNext, 0, <usize>(B * H) << 2);
  const one = f32x4.splat(1);
  for (let t = T - 1; t >= 0; t--) {
    for (let b = 0; b < B; b++) {
      const gRow: usize = <usize>((t * B + b) * G) << 2;
      const sRow: usize = <usize>((t * B + b) * H) << 2;
      const prevRow: usize = sRow - (<usize>(B * H) << 2);
      const cRow = dcNext + (<usize>(b * H) << 2);
      for (let j = 0; j < H4; j += 4) {
        const at: usize = <usize>j << 2;
        const i = v128.load(gates + gRow + at);
        const f = v128.load(gates + gRow + gateBytes + at);
        const g = v128.load(gates + gRow + 2 * gateBytes + at);
        const o = v128.load(gates + gRow + 3 * gateBytes + at);
        const tc = v128.load(tanhC + sRow + at);
        const dht = v128.load(dh + sRow + at);
        // h = o·tanh(c) ⇒ ∂c gets o·(1 − tanh²c)·∂h on top of what flows back from c_{t+1}.
        const dc = f32x4.add(v128.load(cRow + at), f32x4.mul(f32x4.mul(dht, o), f32x4.sub(one, f32x4.mul(tc, tc))));
        const cPrev = t > 0 ? v128.load(c + prevRow + at) : f32x4.splat(0);
        v128.store(cRow + at, f32x4.mul(dc, f));
        v128.store(dgates + gRow + at, f32x4.mul(f32x4.mul(f32x4.mul(dc, g), i), f32x4.sub(one, i)));
        v128.store(dgates + gRow + gateBytes + at, f32x4.mul(f32x4.mul(f32x4.mul(dc, cPrev), f), f32x4.sub(one, f)));
        v128.store(dgates + gRow + 2 * gateBytes + at, f32x4.mul(f32x4.mul(dc, i), f32x4.sub(one, f32x4.mul(g, g))));
        v128.store(dgates + gRow + 3 * gateBytes + at, f32x4.mul(f32x4.mul(f32x4.mul(dht, tc), o), f32x4.sub(one, o)));
      }
      for (let j = H4; j < H; j++) {
        const at: usize = <usize>j << 2;
        const i = load<f32>(gates + gRow + at);
        const f = load<f32>(gates + gRow + gateBytes + at);
        const g = load<f32>(gates + gRow + 2 * gateBytes + at);
        const o = load<f32>(gates + gRow + 3 * gateBytes + at);
        const tc = load<f32>(tanhC + sRow + at);
        const dht = load<f32>(dh + sRow + at);
        const dc: f32 = load<f32>(cRow + at) + dht * o * (1 - tc * tc);
        const cPrev: f32 = t > 0 ? load<f32>(c + prevRow + at) : 0;
        store<f32>(cRow + at, dc * f);
        store<f32>(dgates + gRow + at, dc * g * i * (1 - i));
        store<f32>(dgates + gRow + gateBytes + at, dc * cPrev * f * (1 - f));
        store<f32>(dgates + gRow + 2 * gateBytes + at, dc * i * (1 - g * g));
        store<f32>(dgates + gRow + 3 * gateBytes + at, dht * tc * o * (1 - o));
      }
    }
    // ∂h_{t−1} += ∂gates_t · W_hh  (B×4H · 4H×H), completing dh for step t−1 before we reach it.
    if (t > 0) matmul(dh + (<usize>((t - 1) * B * H) << 2), dgates + (<usize>(t * B * G) << 2), whh, B, H, G, false, false, true);
  }
  addWeightGradients(dgates, h, x, dwih, dwhh, gateStrips, panel, panelFloats, T, B, In, H);
  addRowSums(dbias, dgates, T * B, G);
  if (dx != 0) matmul(dx, dgates, wih, T * B, In, G, false, false, true);
}

/**
 * dW_hh += Σ_t ∂gates_tᵀ·h_{t−1} and dW_ih += ∂gatesᵀ·x over all steps at once: the sums matmul's Aᵀ·B
 * would give, bit for bit, from packed panels (./transposed).
 */
function addWeightGradients(
  dgates: usize, h: usize, x: usize, dwih: usize, dwhh: usize, gateStrips: usize, panel: usize, panelFloats: i32,
  T: i32, B: i32, In: i32, H: i32,
): void {
  const G = 4 * H;
  const rows = T * B;
  const rowBytes: usize = <usize>G << 2;
  const dgates1 = dgates + <usize>B * rowBytes; // rows of t ≥ 1, the ones h_{t−1} exists for
  if (<usize>rows * G > PACK_ABOVE_FLOATS) {
    // dgates is too large to stay in cache while the products walk its columns: pack it into strips.
    packStrips(gateStrips, dgates, rows, G);
    const stripStep: usize = <usize>rows << 4;
    if (T > 1) addTransposedProduct(dwhh, dgates1, h, G, H, (T - 1) * B, gateStrips + (<usize>B << 4), stripStep, 16, panel, panelFloats);
    addTransposedProduct(dwih, dgates, x, G, In, rows, gateStrips, stripStep, 16, panel, panelFloats);
  } else {
    if (T > 1) addTransposedProduct(dwhh, dgates1, h, G, H, (T - 1) * B, dgates1, 16, rowBytes, panel, panelFloats);
    addTransposedProduct(dwih, dgates, x, G, In, rows, dgates, 16, rowBytes, panel, panelFloats);
  }
}
