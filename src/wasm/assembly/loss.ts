// Softmax cross-entropy and the arg-max count: src/nn/crossentropy.ts's loops, bit for bit. The TS
// loops work in float64 on float32 inputs and round to float32 where they store; so does this, with
// ./ieee754's exp and log in place of Math.exp and Math.log (the same bits). The order of every
// float64 operation is the TS order. Pointers are byte offsets; N = rows, V = classes.
import { ieeeExp, ieeeExp2, ieeeLog } from './ieee754';

/** Fills probs[N×V] with softmax(logits) per row and returns mean_n −log p[n, targets[n]]. */
export function softmaxCrossEntropyForward(probs: usize, logits: usize, targets: usize, N: i32, V: i32): f64 {
  const rowBytes = <usize>V << 2;
  let lossSum: f64 = 0;
  for (let n = 0; n < N; n++) {
    const lg = logits + <usize>n * rowBytes;
    const pr = probs + <usize>n * rowBytes;
    let max: f64 = -Infinity;
    for (let v: usize = 0; v < rowBytes; v += 4) {
      const x = <f64>load<f32>(lg + v);
      if (x > max) max = x;
    }
    // two exponentials at a time; the sum still adds them one by one in order
    const maxV = f64x2.splat(max);
    let sum: f64 = 0;
    let v: usize = 0;
    for (; v + 8 <= rowBytes; v += 8) {
      const e = ieeeExp2(f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(lg + v)), maxV));
      v128.store64_lane(pr + v, f32x4.demote_f64x2_zero(e), 0);
      sum += f64x2.extract_lane(e, 0);
      sum += f64x2.extract_lane(e, 1);
    }
    if (v < rowBytes) {
      const e = ieeeExp(<f64>load<f32>(lg + v) - max);
      store<f32>(pr + v, <f32>e);
      sum += e;
    }
    const inv = 1 / sum;
    for (let v: usize = 0; v < rowBytes; v += 4) store<f32>(pr + v, <f32>(<f64>load<f32>(pr + v) * inv));
    const target = <usize>load<i32>(targets + (<usize>n << 2));
    lossSum += ieeeLog(sum) + max - <f64>load<f32>(lg + (target << 2));
  }
  return lossSum / <f64>N;
}

/** dlogits += scale·(probs − onehot(targets)), each element in float64 rounded once, as the TS loop. */
export function softmaxCrossEntropyBackward(dlogits: usize, probs: usize, targets: usize, N: i32, V: i32, scale: f64): void {
  const rowBytes = <usize>V << 2;
  for (let n = 0; n < N; n++) {
    const d = dlogits + <usize>n * rowBytes;
    const pr = probs + <usize>n * rowBytes;
    for (let v: usize = 0; v < rowBytes; v += 4) store<f32>(d + v, <f32>(<f64>load<f32>(d + v) + scale * <f64>load<f32>(pr + v)));
    const t = d + (<usize>load<i32>(targets + (<usize>n << 2)) << 2);
    store<f32>(t, <f32>(<f64>load<f32>(t) - scale));
  }
}

/** Rows whose arg-max logit (first on ties; a NaN never wins, as the TS `>`) is the target. */
export function countCorrect(logits: usize, targets: usize, N: i32, V: i32): i32 {
  const rowBytes = <usize>V << 2;
  let correct = 0;
  for (let n = 0; n < N; n++) {
    const lg = logits + <usize>n * rowBytes;
    let best = 0;
    let bestValue = load<f32>(lg);
    for (let v = 1; v < V; v++) {
      const x = load<f32>(lg + (<usize>v << 2));
      if (x > bestValue) {
        bestValue = x;
        best = v;
      }
    }
    if (best == load<i32>(targets + (<usize>n << 2))) correct++;
  }
  return correct;
}
