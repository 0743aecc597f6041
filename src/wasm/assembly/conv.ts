// conv2d's im2col and col2im: src/nn/conv2d.ts's loops, bit for bit (im2col copies; col2im adds each
// float32 once per read, in the same order, and an f32 add equals the TS float64 add rounded to f32).
// Stride 1 rows are contiguous: im2col copies them with memory.copy, col2im adds them in f32x4.
// Pointers are byte offsets; x / dx already point at the image.

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

export function im2col(cols: usize, x: usize, C: i32, H: i32, W: i32, k: i32, stride: i32, Ho: i32, Wo: i32, padTop: i32, padLeft: i32): void {
  let row = 0;
  for (let c = 0; c < C; c++) {
    for (let ki = 0; ki < k; ki++) {
      for (let kj = 0; kj < k; kj++, row++) {
        const lo = firstInside(Wo, stride, padLeft, kj);
        const hi = endInside(W, Wo, stride, padLeft, kj, lo);
        for (let oh = 0; oh < Ho; oh++) {
          const dst = cols + (<usize>((row * Ho + oh) * Wo) << 2);
          const ih = oh * stride - padTop + ki;
          if (ih < 0 || ih >= H) {
            memory.fill(dst, 0, <usize>Wo << 2);
            continue;
          }
          const src = x + (<usize>((c * H + ih) * W - padLeft + kj) << 2);
          if (lo > 0) memory.fill(dst, 0, <usize>lo << 2);
          if (stride == 1) {
            memory.copy(dst + (<usize>lo << 2), src + (<usize>lo << 2), <usize>(hi - lo) << 2);
          } else {
            for (let ow = lo; ow < hi; ow++) store<f32>(dst + (<usize>ow << 2), load<f32>(src + (<usize>(ow * stride) << 2)));
          }
          if (hi < Wo) memory.fill(dst + (<usize>hi << 2), 0, <usize>(Wo - hi) << 2);
        }
      }
    }
  }
}

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
