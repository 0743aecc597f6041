// ReLU and max pooling: src/nn/activation.ts's relu loops and src/nn/maxpool2d.ts's loops, bit for bit.
// They only compare, select and copy (and the backwards add one f32 to another, which the TS float64
// add rounds to the same f32), so f32x4 lanes give exactly the scalar results: a comparison with NaN is
// false in both, and selects copy bits (−0 stays −0 where the reference keeps it).
// Pointers are byte offsets; argmax holds element indices into x, as the TS buffers do.

/** out = x > 0 ? x : 0 (NaN and −0 give +0). */
export function reluForward(out: usize, inp: usize, n: i32): void {
  const n4 = n & ~3;
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i < n4; i += 4) {
    const at = <usize>i << 2;
    const x = v128.load(inp + at);
    v128.store(out + at, v128.and(x, f32x4.gt(x, zero)));
  }
  for (; i < n; i++) {
    const x = load<f32>(inp + (<usize>i << 2));
    store<f32>(out + (<usize>i << 2), x > 0 ? x : 0);
  }
}

/** dinp += dout where inp > 0; elsewhere dinp is left as is (a select, not a masked add: −0 + 0 would be +0). */
export function reluBackward(dinp: usize, dout: usize, inp: usize, n: i32): void {
  const n4 = n & ~3;
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i < n4; i += 4) {
    const at = <usize>i << 2;
    const d = v128.load(dinp + at);
    const mask = f32x4.gt(v128.load(inp + at), zero);
    v128.store(dinp + at, v128.bitselect(f32x4.add(d, v128.load(dout + at)), d, mask));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    if (load<f32>(inp + at) > 0) store<f32>(dinp + at, load<f32>(dinp + at) + load<f32>(dout + at));
  }
}

/**
 * out[o] = the maximum of window o of x (B·C planes of H×W), argmax[o] = its index; ties and NaN keep
 * the earlier value in scan order (only a strictly greater value replaces the best), as the TS loop.
 * Planes [planeBegin, planeEnd) only (a thread's part; argmax stays an index into the whole x).
 */
export function maxPool2dForward(out: usize, argmax: usize, x: usize, planeBegin: i32, planeEnd: i32, H: i32, W: i32, k: i32, stride: i32, Ho: i32, Wo: i32): void {
  let o: usize = <usize>planeBegin * Ho * Wo;
  for (let plane = planeBegin; plane < planeEnd; plane++) {
    const base = plane * H * W;
    for (let oh = 0; oh < Ho; oh++) {
      const rowCorner = base + oh * stride * W;
      let ow = 0;
      // Stride 2: four windows at once; one 8-float load per window row and column holds their four
      // values in its even lanes. Only where all 8 floats lie inside the input row (the last lane is read, unused).
      if (stride == 2) {
        for (; ow + 4 <= Wo && 2 * ow + k + 7 <= W; ow += 4, o += 4) {
          poolFour(out + (o << 2), argmax + (o << 2), x, rowCorner + 2 * ow, W, k);
        }
      }
      for (; ow < Wo; ow++, o++) {
        const corner = rowCorner + ow * stride;
        let best = corner;
        let bestValue = load<f32>(x + (<usize>corner << 2));
        for (let ki = 0; ki < k; ki++) {
          for (let kj = 0; kj < k; kj++) {
            const i = corner + ki * W + kj;
            const v = load<f32>(x + (<usize>i << 2));
            if (v > bestValue) {
              bestValue = v;
              best = i;
            }
          }
        }
        store<f32>(out + (o << 2), bestValue);
        store<i32>(argmax + (o << 2), best);
      }
    }
  }
}

/** Four stride-2 windows whose corners are x[corner + 2j], j < 4: the scalar loop's scan in lanes. */
@inline
function poolFour(out: usize, argmax: usize, x: usize, corner: i32, W: i32, k: i32): void {
  const offsets = i32x4(0, 2, 4, 6);
  let best = i32x4.add(i32x4.splat(corner), offsets);
  let bestValue = evenLanes(x + (<usize>corner << 2));
  for (let ki = 0; ki < k; ki++) {
    for (let kj = 0; kj < k; kj++) {
      const i = corner + ki * W + kj;
      const v = evenLanes(x + (<usize>i << 2));
      const greater = f32x4.gt(v, bestValue);
      bestValue = v128.bitselect(v, bestValue, greater);
      best = v128.bitselect(i32x4.add(i32x4.splat(i), offsets), best, greater);
    }
  }
  v128.store(out, bestValue);
  v128.store(argmax, best);
}

/** [p[0], p[2], p[4], p[6]] of the floats at p. */
@inline
function evenLanes(p: usize): v128 {
  return v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6);
}

/** dx[argmax[o]] += dout[o], in order of o (overlapping windows add to one input in that order). */
export function maxPool2dBackward(dx: usize, dout: usize, argmax: usize, n: i32): void {
  for (let o = 0; o < n; o++) {
    const at = dx + (<usize>load<i32>(argmax + (<usize>o << 2)) << 2);
    store<f32>(at, load<f32>(at) + load<f32>(dout + (<usize>o << 2)));
  }
}
