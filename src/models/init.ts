// Parameter initialisation for the neural models: PyTorch's module defaults, so a run here starts
// where the same model written with torch.nn would start (in distribution, not bit for bit):
//   nn.Linear(in, out):  W, b ~ U(−1/√in, 1/√in)        (kaiming_uniform with a = √5, and its bias rule)
//   nn.LSTM(hidden H):   every weight and bias ~ U(−1/√H, 1/√H)
//   nn.Embedding:        N(0, 1)
//   nn.LayerNorm:        weight 1, bias 0
// Every draw comes from one stream per run, Rng(seed, "init"), consumed in declaration order.
import type { Param } from '../nn/arena.js';
import type { Rng } from '../base/rng.js';

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
