// Residual connection: out = a + b; the gradient flows unchanged into both branches. These loops are
// the JS kernels' (src/nn/kernels.ts) and the reference of the wasm ones (src/wasm/assembly/elementwise.ts).

export function residualForward(out: Float32Array, a: Float32Array, b: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
}

/** da += dout, db += dout. */
export function residualBackward(da: Float32Array, db: Float32Array, dout: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const d = dout[i]!;
    da[i] = da[i]! + d;
    db[i] = db[i]! + d;
  }
}
