// conv2d's im2col, col2im and per-channel bias loops: src/nn/conv2d.ts's, bit for bit (im2col copies;
// col2im and the bias add add each float32 once, in the same order, and an f32 add equals the TS float64
// add rounded to f32; the bias gradient sums each plane in float64, sequentially, as the TS loop).
// Stride 1 rows are contiguous: im2col copies them and col2im adds them in f32x4. The rows are short
// (Wo floats: 14 in DeepOBS 2c2d's second conv), so the copies and fills are inline loops: a
// memory.copy / memory.fill per row costs more in call overhead than it moves.
// Pointers are byte offsets; x / dx already point at the image, except in the whole-layer kernels at
// the end (src/nn/conv2d.ts conv2dForward/Backward from these loops and ./matmul, over a range of
// images or of dW's columns: a thread's part), which take the batch and go image by image.
import { residualForward } from './elementwise';
import { matmulDotsColumns, matmulRows } from './matmul';

// Output columns [lo, hi) whose input column ow·s − padLeft + kj lies inside [0, W).
function firstInside(Wo: i32, stride: i32, padLeft: i32, kj: i32): i32 {
  const num = padLeft - kj;
  const lo = num <= 0 ? 0 : (num + stride - 1) / stride;
  return min(Wo, lo);
}
function endInside(W: i32, Wo: i32, stride: i32, padLeft: i32, kj: i32, lo: i32): i32 {
  const num = W - 1 + padLeft - kj;
  const last = num < 0 ? -1 : num / stride;
  return max(lo, min(Wo, last + 1));
}

/** row[from, to) = 0 */
@inline
function zeros(row: usize, from: i32, to: i32): void {
  let i = from;
  for (; i + 4 <= to; i += 4) v128.store(row + (<usize>i << 2), f32x4.splat(0));
  for (; i < to; i++) store<f32>(row + (<usize>i << 2), 0);
}

/** dst[from, to) = src[from, to) */
@inline
function copy(dst: usize, src: usize, from: i32, to: i32): void {
  let i = from;
  for (; i + 4 <= to; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < to; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

export function im2col(cols: usize, x: usize, C: i32, H: i32, W: i32, k: i32, stride: i32, Ho: i32, Wo: i32, padTop: i32, padLeft: i32): void {
  im2colRows(cols, x, C, H, W, k, stride, Ho, Wo, padTop, padLeft, 0, C * k * k);
}

/** Rows [rowBegin, rowEnd) of im2col's cols (row (c·k + ki)·k + kj): a part of a weight gradient's unrolling (conv2dWeightGradColumns); each row is a copy of its own. */
export function im2colRows(cols: usize, x: usize, C: i32, H: i32, W: i32, k: i32, stride: i32, Ho: i32, Wo: i32, padTop: i32, padLeft: i32, rowBegin: i32, rowEnd: i32): void {
  for (let row = rowBegin; row < rowEnd; row++) {
    const c = row / (k * k);
    const ki = (row / k) % k;
    const kj = row % k;
    const lo = firstInside(Wo, stride, padLeft, kj);
    const hi = endInside(W, Wo, stride, padLeft, kj, lo);
    if (stride == 1 && W == Wo && lo < hi) {
      im2colRowBlock(cols + (<usize>(row * Ho * Wo) << 2), x + (<usize>(c * H * W) << 2), H, W, ki, kj, Ho, padTop, padLeft, lo, hi);
      continue;
    }
    for (let oh = 0; oh < Ho; oh++) {
      const dst = cols + (<usize>((row * Ho + oh) * Wo) << 2);
      const ih = oh * stride - padTop + ki;
      if (ih < 0 || ih >= H) {
        zeros(dst, 0, Wo);
        continue;
      }
      const src = x + (<usize>((c * H + ih) * W - padLeft + kj) << 2);
      zeros(dst, 0, lo);
      if (stride == 1) {
        copy(dst, src, lo, hi);
      } else {
        for (let ow = lo; ow < hi; ow++) store<f32>(dst + (<usize>ow << 2), load<f32>(src + (<usize>(ow * stride) << 2)));
      }
      zeros(dst, hi, Wo);
    }
  }
}

/**
 * One row (c, ki, kj) of cols when stride is 1 and W = Wo ('same'): the output rows that read the
 * image then read consecutive input rows W floats apart, and are themselves W floats apart, so they
 * are one contiguous copy, from the first row's column lo to the last row's column hi. That copy also
 * writes each row's padding columns [0, lo) and [hi, W) with neighbouring pixels, which the zeros
 * after it overwrite: the result is the row-by-row loop's, and every read stays inside the image.
 */
function im2colRowBlock(dst: usize, plane: usize, H: i32, W: i32, ki: i32, kj: i32, Ho: i32, padTop: i32, padLeft: i32, lo: i32, hi: i32): void {
  const first = min(Ho, max(0, padTop - ki)); // output rows [first, end) read input rows oh − padTop + ki
  const end = max(first, min(Ho, H + padTop - ki));
  zeros(dst, 0, first * W);
  zeros(dst, end * W, Ho * W);
  if (first == end) return;
  const rows = dst + (<usize>(first * W) << 2);
  copy(rows, plane + (<usize>((first - padTop + ki) * W - padLeft + kj) << 2), lo, (end - first - 1) * W + hi);
  for (let r = 0; r < end - first; r++) {
    const at = rows + (<usize>(r * W) << 2);
    zeros(at, 0, lo);
    zeros(at, hi, W);
  }
}

/** dx += col2im(dcols): each channel's rows of dcols add into that channel's plane of dx, in order. */
export function col2im(dx: usize, dcols: usize, C: i32, H: i32, W: i32, k: i32, stride: i32, Ho: i32, Wo: i32, padTop: i32, padLeft: i32): void {
  let row = 0;
  for (let c = 0; c < C; c++) {
    for (let ki = 0; ki < k; ki++) {
      for (let kj = 0; kj < k; kj++, row++) {
        const lo = firstInside(Wo, stride, padLeft, kj);
        const hi = endInside(W, Wo, stride, padLeft, kj, lo);
        for (let oh = 0; oh < Ho; oh++) {
          const ih = oh * stride - padTop + ki;
          if (ih < 0 || ih >= H) continue;
          const src = dcols + (<usize>((row * Ho + oh) * Wo) << 2);
          const dst = dx + (<usize>((c * H + ih) * W - padLeft + kj) << 2);
          let ow = lo;
          if (stride == 1) {
            for (; ow + 4 <= hi; ow += 4) {
              const at = dst + (<usize>ow << 2);
              v128.store(at, f32x4.add(v128.load(at), v128.load(src + (<usize>ow << 2))));
            }
          }
          for (; ow < hi; ow++) {
            const at = dst + (<usize>(ow * stride) << 2);
            store<f32>(at, load<f32>(at) + load<f32>(src + (<usize>ow << 2)));
          }
        }
      }
    }
  }
}

/** out[(b·C + c)·plane + i] += bias[c] */
export function addChannelBias(out: usize, bias: usize, B: i32, C: i32, plane: i32): void {
  if (plane == 1) return addRowBias(out, bias, B, C);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const at = out + (<usize>((b * C + c) * plane) << 2);
      const bc = load<f32>(bias + (<usize>c << 2));
      const bv = f32x4.splat(bc);
      let i = 0;
      for (; i + 4 <= plane; i += 4) {
        const p = at + (<usize>i << 2);
        v128.store(p, f32x4.add(v128.load(p), bv));
      }
      for (; i < plane; i++) {
        const p = at + (<usize>i << 2);
        store<f32>(p, load<f32>(p) + bc);
      }
    }
  }
}

/**
 * dbias[c] += Σ_i dout[(b·C + c)·plane + i] for c in [cBegin, cEnd) (a thread's part: each channel's
 * float is the same whoever sums it): each plane's sum in float64, in order (lanes would reassociate
 * it). Four planes are summed side by side: four independent chains of adds instead of one waiting on
 * each add's latency; each chain is still one plane in order.
 */
export function addChannelSums(dbias: usize, dout: usize, B: i32, C: i32, plane: i32, cBegin: i32, cEnd: i32): void {
  if (plane == 1) return addRowSums(dbias, dout, B, C, cBegin, cEnd);
  const planeBytes = <usize>plane << 2;
  for (let b = 0; b < B; b++) {
    const image = dout + (<usize>(b * C) * planeBytes);
    let c = cBegin;
    for (; c + 4 <= cEnd; c += 4) {
      const p0 = image + <usize>c * planeBytes;
      const p1 = p0 + planeBytes, p2 = p1 + planeBytes, p3 = p2 + planeBytes;
      let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0;
      for (let o: usize = 0; o < planeBytes; o += 4) {
        s0 += <f64>load<f32>(p0 + o);
        s1 += <f64>load<f32>(p1 + o);
        s2 += <f64>load<f32>(p2 + o);
        s3 += <f64>load<f32>(p3 + o);
      }
      addTo(dbias, c, s0); addTo(dbias, c + 1, s1); addTo(dbias, c + 2, s2); addTo(dbias, c + 3, s3);
    }
    for (; c < cEnd; c++) {
      const p0 = image + <usize>c * planeBytes;
      let s0: f64 = 0;
      for (let o: usize = 0; o < planeBytes; o += 4) s0 += <f64>load<f32>(p0 + o);
      addTo(dbias, c, s0);
    }
  }
}

/** dbias[c] ← f32(dbias[c] + sum), the TS float64 add rounded once. */
@inline
function addTo(dbias: usize, c: i32, sum: f64): void {
  const p = dbias + (<usize>c << 2);
  store<f32>(p, <f32>(<f64>load<f32>(p) + sum));
}

// Planes of one value (a linear layer's bias over B rows of C): one pass along each row in f32x4
// lanes, as the residual add. The sums stay exact: a plane's float64 sum is its one float32 value,
// and dbias[c] + it, rounded once, is the float32 add; rows are still added in order.

/** out[b·C + c] += bias[c] */
function addRowBias(out: usize, bias: usize, B: i32, C: i32): void {
  for (let b = 0; b < B; b++) {
    const row = out + (<usize>(b * C) << 2);
    residualForward(row, row, bias, C);
  }
}

/** dbias[c] += dout[b·C + c] for c in [cBegin, cEnd), b in order */
function addRowSums(dbias: usize, dout: usize, B: i32, C: i32, cBegin: i32, cEnd: i32): void {
  const at = dbias + (<usize>cBegin << 2);
  for (let b = 0; b < B; b++) residualForward(at, at, dout + (<usize>(b * C + cBegin) << 2), cEnd - cBegin);
}

// ---- The layer: src/nn/conv2d.ts's conv2dForward and conv2dBackward over a range of the work -----------
// One call runs a whole layer on one thread, or one part of it on each (src/wasm/jobs.ts): the forward
// and the input gradient by images, the weight gradient by columns of dW, each part unrolling only the
// rows of cols its columns read, image after image in order. Every float is computed by the same
// instructions as on one thread, so any split gives the same bits. x, out, dout, dx point at the batch
// (image 0). cols and dcols (one image's, C·k·k × Ho·Wo) are this instance's lane: a region of the
// shared memory no other thread uses, past its packing scratch, as large as the run's largest conv
// layer needs (set by the TS side right after instantiation, as setScratch; a module global is per
// instance, so each thread's instance sees its own).
let lane: usize = 0;

export function setConvLane(at: usize): void {
  lane = at;
}

/** Images [bBegin, bEnd): cols = im2col(x[b]); out[b] = W·cols; out[b] += bias (per channel). */
export function conv2dForwardImages(
  out: usize, weight: usize, bias: usize, x: usize,
  C: i32, H: i32, W: i32, k: i32, stride: i32, Ho: i32, Wo: i32, padTop: i32, padLeft: i32, Cout: i32,
  bBegin: i32, bEnd: i32,
): void {
  const CKK = C * k * k, HWo = Ho * Wo;
  const cols = lane;
  for (let b = bBegin; b < bEnd; b++) {
    im2colRows(cols, x + (<usize>(b * C * H * W) << 2), C, H, W, k, stride, Ho, Wo, padTop, padLeft, 0, CKK);
    const image = out + (<usize>(b * Cout * HWo) << 2);
    matmulRows(image, weight, cols, Cout, HWo, CKK, false, false, false, 0, Cout);
    addChannelBias(image, bias, 1, Cout, HWo);
  }
}

/**
 * Columns [jBegin, jEnd) of dW += Σ_b dout[b]·im2col(x[b])ᵀ, b = 0 … B−1 in order (jBegin a multiple of
 * 4, jEnd one or C·k·k: see matmulDotsColumns): per image, rows [jBegin, jEnd) of cols, then those columns.
 */
export function conv2dWeightGradColumns(
  dW: usize, dout: usize, x: usize,
  C: i32, H: i32, W: i32, k: i32, stride: i32, Ho: i32, Wo: i32, padTop: i32, padLeft: i32, Cout: i32,
  B: i32, jBegin: i32, jEnd: i32,
): void {
  const CKK = C * k * k, HWo = Ho * Wo;
  const cols = lane;
  for (let b = 0; b < B; b++) {
    im2colRows(cols, x + (<usize>(b * C * H * W) << 2), C, H, W, k, stride, Ho, Wo, padTop, padLeft, jBegin, jEnd);
    matmulDotsColumns(dW, dout + (<usize>(b * Cout * HWo) << 2), cols, Cout, CKK, HWo, true, jBegin, jEnd);
  }
}

/** Images [bBegin, bEnd): dcols = Wᵀ·dout[b]; dx[b] += col2im(dcols). */
export function conv2dInputGradImages(
  dx: usize, weight: usize, dout: usize,
  C: i32, H: i32, W: i32, k: i32, stride: i32, Ho: i32, Wo: i32, padTop: i32, padLeft: i32, Cout: i32,
  bBegin: i32, bEnd: i32,
): void {
  const CKK = C * k * k, HWo = Ho * Wo;
  const dcols = lane;
  for (let b = bBegin; b < bEnd; b++) {
    matmulRows(dcols, weight, dout + (<usize>(b * Cout * HWo) << 2), CKK, HWo, Cout, true, false, false, 0, CKK);
    col2im(dx + (<usize>(b * C * H * W) << 2), dcols, C, H, W, k, stride, Ho, Wo, padTop, padLeft);
  }
}
