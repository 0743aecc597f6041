// Finite-difference gradient checking for the float32 layers and models (a helper, not a test file).
//
// Method: central differences, ∂f/∂xᵢ ≈ (f(x + δeᵢ) − f(x − δeᵢ)) / (x⁺ᵢ − x⁻ᵢ), where x±ᵢ are the
// float32 values actually stored (fround(xᵢ ± δ)), so rounding of the perturbed input costs nothing.
// f is evaluated in float64 on top of float32 buffers; outputs the perturbation does not reach are
// recomputed bit-identically and cancel, so the noise is the float32 rounding of the affected values
// divided by 2δ (≈1e-5 relative at δ = 1e-2), and the truncation error is O(δ²·f''') ≈ 1e-5.
//
// Acceptance per element: |fd − analytic| ≤ atol + rtol·max(|fd|, |analytic|), with the defaults
// rtol = 1e-2 and atol = 1e-3·(largest |analytic| in the tensor) + 1e-6. A wrong sign, a missing term
// or a transposed index produces errors of the order of the gradient itself (≫ 1%), see the
// "would catch" tests in nn-layers.test.ts. GRADCHECK_LOG=1 prints every check's worst ratio (the margin).
import assert from 'node:assert/strict';
import { Rng } from '../src/base/rng.js';

export interface GradCheckOptions {
  /** Perturbation δ. */
  eps?: number;
  rtol?: number;
  /** Absolute floor, as a fraction of the largest analytic |gradient| in the tensor. */
  atolScale?: number;
  /** Check at most this many entries (spread evenly); all by default. */
  maxEntries?: number;
}

export interface GradCheckResult {
  /** Largest |fd − analytic| / (atol + rtol·max(|fd|, |analytic|)); ≤ 1 passes. */
  worstRatio: number;
  worstIndex: number;
  worstFd: number;
  worstAnalytic: number;
  checked: number;
}

/** Compare `analytic` (∂f/∂x, computed beforehand) with central differences of `f` over `x` in place. */
export function gradCheck(
  x: Float32Array,
  analytic: ArrayLike<number>,
  f: () => number,
  opts: GradCheckOptions = {},
): GradCheckResult {
  const eps = opts.eps ?? 1e-2;
  const rtol = opts.rtol ?? 1e-2;
  let maxAbs = 0;
  for (let i = 0; i < x.length; i++) maxAbs = Math.max(maxAbs, Math.abs(analytic[i]!));
  const atol = (opts.atolScale ?? 1e-3) * maxAbs + 1e-6;
  const stride = opts.maxEntries !== undefined && x.length > opts.maxEntries ? x.length / opts.maxEntries : 1;
  const result: GradCheckResult = { worstRatio: 0, worstIndex: -1, worstFd: 0, worstAnalytic: 0, checked: 0 };
  for (let pos = 0; Math.floor(pos) < x.length; pos += stride) {
    const i = Math.floor(pos);
    const orig = x[i]!;
    x[i] = orig + eps;
    const xPlus = x[i]!;
    const fPlus = f();
    x[i] = orig - eps;
    const xMinus = x[i]!;
    const fMinus = f();
    x[i] = orig;
    const fd = (fPlus - fMinus) / (xPlus - xMinus);
    const an = analytic[i]!;
    const ratio = Math.abs(fd - an) / (atol + rtol * Math.max(Math.abs(fd), Math.abs(an)));
    result.checked++;
    if (!(ratio <= result.worstRatio)) {
      result.worstRatio = ratio;
      result.worstIndex = i;
      result.worstFd = fd;
      result.worstAnalytic = an;
    }
  }
  f(); // leave the forward buffers as they were at x
  return result;
}

export function assertGradient(
  what: string,
  x: Float32Array,
  analytic: ArrayLike<number>,
  f: () => number,
  opts: GradCheckOptions = {},
): GradCheckResult {
  const r = gradCheck(x, analytic, f, opts);
  assert.ok(r.checked > 0, `${what}: nothing checked`);
  assert.ok(
    r.worstRatio <= 1,
    `${what}: gradient mismatch at [${r.worstIndex}]: finite difference ${r.worstFd}, analytic ${r.worstAnalytic} (${r.worstRatio.toFixed(2)}× the tolerance)`,
  );
  if (process.env.GRADCHECK_LOG) console.error(`${what}: worst ratio ${r.worstRatio.toFixed(3)} over ${r.checked}`);
  return r;
}

export function randomFloats(n: number, rng: Rng, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng.uniform() * 2 - 1) * scale;
  return out;
}

/** Σᵢ rᵢ·yᵢ in float64: a scalar loss whose gradient with respect to y is exactly r. */
export function project(y: Float32Array, r: Float32Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += r[i]! * y[i]!;
  return s;
}
