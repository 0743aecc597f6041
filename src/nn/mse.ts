// Mean squared error for regression heads, as torch.nn.MSELoss: mean over all n = B·K values of
// (pred − target)² (no ½).

export function mseForward(pred: Float32Array, target: Float32Array, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = pred[i]! - target[i]!;
    sum += d * d;
  }
  return sum / n;
}

/** dpred += scale·2(pred − target)/n; scale = 1 for the loss itself. */
export function mseBackward(dpred: Float32Array, pred: Float32Array, target: Float32Array, n: number, scale: number): void {
  const k = (2 * scale) / n;
  for (let i = 0; i < n; i++) dpred[i] = dpred[i]! + k * (pred[i]! - target[i]!);
}
