// Parameter initialisation for the neural models: PyTorch's module defaults, so a run here starts
// where the same model written with torch.nn would start (in distribution, not bit for bit):
//   nn.Linear(in, out):  W, b ~ U(−1/√in, 1/√in)        (kaiming_uniform with a = √5, and its bias rule)
//   nn.LSTM(hidden H):   every weight and bias ~ U(−1/√H, 1/√H)
//   nn.Embedding:        N(0, 1)
//   nn.LayerNorm:        weight 1, bias 0
// or, when a linear/mlp/cnn spec asks for it, DeepOBS's (TensorFlow's):
//   weights ~ tf.truncated_normal(σ): N(0, σ²) with draws outside ±2σ redrawn;  biases: a constant
// Every draw comes from one stream per run, Rng(seed, "init"), consumed in declaration order.
import type { Param } from '../nn/arena.js';
import type { Rng } from '../base/rng.js';
import type { InitSpec } from '../config/models.js';

export function initUniform(p: Param, bound: number, rng: Rng): void {
  const w = p.w;
  for (let i = 0; i < w.length; i++) w[i] = (2 * rng.uniform() - 1) * bound;
}

export function initNormal(p: Param, std: number, rng: Rng): void {
  const w = p.w;
  for (let i = 0; i < w.length; i++) w[i] = std * rng.normal();
}

export function initConstant(p: Param, value: number): void {
  p.w.fill(value);
}

/** nn.Linear's default for a layer with `fanIn` inputs (weight and bias alike). */
export function initLinear(weight: Param, bias: Param | null, fanIn: number, rng: Rng): void {
  const bound = 1 / Math.sqrt(fanIn);
  initUniform(weight, bound, rng);
  if (bias !== null) initUniform(bias, bound, rng);
}

/** N(0, std²) truncated at ±2·std by redrawing, as tf.truncated_normal. */
export function initTruncatedNormal(p: Param, std: number, rng: Rng): void {
  const w = p.w;
  for (let i = 0; i < w.length; i++) {
    let z = rng.normal();
    while (Math.abs(z) > 2) z = rng.normal();
    w[i] = std * z;
  }
}

/**
 * A layer's weight and bias (conv or linear) with `fanIn` inputs per output, as `spec` says: PyTorch's
 * default (nn.Linear's and nn.Conv2d's are the same rule) or a truncated normal and a constant bias.
 */
export function initLayer(weight: Param, bias: Param, fanIn: number, rng: Rng, spec: InitSpec): void {
  if (spec === undefined || spec.kind === 'pytorch') {
    initLinear(weight, bias, fanIn, rng);
    return;
  }
  initTruncatedNormal(weight, spec.std, rng);
  initConstant(bias, spec.bias);
}
