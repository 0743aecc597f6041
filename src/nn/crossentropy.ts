// Fused softmax + cross-entropy over rows of logits (the classifier / language-model head): the JS
// kernels' (src/nn/kernels.ts) and the reference of the wasm ones (src/wasm/assembly/loss.ts, bit for bit).
// N = rows (batch, or batch·seq_len), V = classes (vocabulary). The loss is the mean over rows.
// Stable for any finite logits: the row maximum is subtracted before exp, and the loss is taken as
// logΣexp − logit[target] instead of −log(prob), so a vanishing probability never becomes log(0).

/** Fills probs[N×V] with softmax(logits) per row and returns mean_n −log p[n, targets[n]]. */
export function softmaxCrossEntropyForward(
  probs: Float32Array,
  logits: Float32Array,
  targets: Int32Array,
  N: number,
  V: number,
): number {
  let lossSum = 0;
  for (let n = 0; n < N; n++) {
    const row = n * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) if (logits[row + v]! > max) max = logits[row + v]!;
    let sum = 0;
    for (let v = 0; v < V; v++) {
      const e = Math.exp(logits[row + v]! - max);
      probs[row + v] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let v = 0; v < V; v++) probs[row + v] = probs[row + v]! * inv;
    lossSum += Math.log(sum) + max - logits[row + targets[n]!]!;
  }
  return lossSum / N;
}

/** dlogits += scale·(probs − onehot(targets)); scale = dLoss/dMeanLoss / N, i.e. 1/N for the mean. */
export function softmaxCrossEntropyBackward(
  dlogits: Float32Array,
  probs: Float32Array,
  targets: Int32Array,
  N: number,
  V: number,
  scale: number,
): void {
  for (let n = 0; n < N; n++) {
    const row = n * V;
    for (let v = 0; v < V; v++) dlogits[row + v] = dlogits[row + v]! + scale * probs[row + v]!;
    const t = row + targets[n]!;
    dlogits[t] = dlogits[t]! - scale;
  }
}

/** Rows whose arg-max logit (first on ties) is the target. */
export function countCorrect(logits: Float32Array, targets: Int32Array, N: number, V: number): number {
  let correct = 0;
  for (let n = 0; n < N; n++) {
    const row = n * V;
    let best = 0;
    let bestValue = logits[row]!;
    for (let v = 1; v < V; v++) {
      if (logits[row + v]! > bestValue) {
        bestValue = logits[row + v]!;
        best = v;
      }
    }
    if (best === targets[n]) correct++;
  }
  return correct;
}
