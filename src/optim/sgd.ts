// SGD with momentum, dampening, Nesterov and L2 weight decay, as torch.optim.SGD:
//   d_t = g_t + wd·θ_{t−1}
//   b_t = d_t (first step) | μ·b_{t−1} + (1 − dampening)·d_t
//   θ_t = θ_{t−1} − lr·(nesterov ? d_t + μ·b_t : b_t)        (no momentum: θ_t = θ_{t−1} − lr·d_t)
// One fused loop over the flat parameter buffer; the branches test loop-invariant flags only.
import type { SgdSpec } from '../config/optimizers.js';
import type { SgdScalars } from '../nn/kernels.js';
import { SUM_CHUNK } from './chunks.js';

/** The scalars of step t (from 1) at learning rate lr; written into `out` when given (an optimizer refills its own). */
export function sgdScalars(spec: SgdSpec, t: number, lr: number, out: SgdScalars = { lr: 0, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, firstStep: false }): SgdScalars {
  out.lr = lr;
  out.momentum = spec.momentum;
  out.dampening = spec.dampening;
  out.nesterov = spec.nesterov;
  out.weightDecay = spec.weight_decay;
  out.firstStep = t === 1;
  return out;
}

/** One SGD step in place. Returns Σ(θ_t − θ_{t−1})² for the trace's update norm, chunked as ./chunks.ts. */
export function sgdStep(p: Float32Array, g: Float32Array, buf: Float32Array, n: number, s: SgdScalars): number {
  let sumSq = 0;
  for (let begin = 0; begin < n; begin += SUM_CHUNK) sumSq += sgdChunk(p, g, buf, begin, Math.min(n, begin + SUM_CHUNK), s);
  return sumSq;
}

/** The SGD step of parameters [begin, end) (one chunk): their Σ(θ_t − θ_{t−1})², in order. */
function sgdChunk(p: Float32Array, g: Float32Array, buf: Float32Array, begin: number, end: number, s: SgdScalars): number {
  const { lr, momentum, weightDecay, nesterov, firstStep } = s;
  const keep = 1 - s.dampening;
  const useMomentum = momentum !== 0;
  let sumSq = 0;
  for (let i = begin; i < end; i++) {
    const old = p[i]!;
    let d = g[i]! + weightDecay * old;
    if (useMomentum) {
      const b = firstStep ? d : momentum * buf[i]! + keep * d;
      buf[i] = b;
      d = nesterov ? d + momentum * b : b;
    }
    p[i] = old - lr * d;
    const delta = p[i]! - old;
    sumSq += delta * delta;
  }
  return sumSq;
}
