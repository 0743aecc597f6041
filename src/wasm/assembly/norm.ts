// The gradient norm's Σx² and clipping's x·factor: src/optim/clip.ts's loops, bit for bit. Scalar and
// in order on purpose: trace.csv prints ‖g‖₂ at full precision and these are the default kernels, so
// the sum adds float64 squares sequentially (f32x4 lanes would reassociate it) and each scaled value is
// the float64 product rounded once to float32, exactly as the TS loops over a Float32Array compute.

export function sumOfSquares(x: usize, n: i32): f64 {
  let sum: f64 = 0;
  for (let i = 0; i < n; i++) {
    const xi = <f64>load<f32>(x + (<usize>i << 2));
    sum += xi * xi;
  }
  return sum;
}

export function scaleInPlace(x: usize, n: i32, factor: f64): void {
  for (let i = 0; i < n; i++) {
    const at = x + (<usize>i << 2);
    store<f32>(at, <f32>(<f64>load<f32>(at) * factor));
  }
}
