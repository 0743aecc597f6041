// Analytic objectives as Tasks: Rosenbrock, separable quadratics and Rastrigin. Exact gradients plus
// optional seeded Gaussian noise (the stochastic setting of RAdam's analysis). With noise 0 nothing
// is random, so a trace can be checked by hand.
import type { Arena } from '../nn/arena.js';
import type { ModelSpec } from '../config/models.js';
import { Rng } from '../base/rng.js';
import type { LossResult, Task } from './task.js';

type AnalyticSpec = Extract<ModelSpec, { kind: 'rosenbrock' | 'quadratic' | 'rastrigin' }>;

/** f(θ) and ∇f(θ) written into `grad`. */
type Objective = (x: Float32Array, grad: Float32Array) => number;

export function buildAnalytic(spec: AnalyticSpec, arena: Arena, seed: number): Task {
  const init: readonly number[] = spec.init;
  const p = arena.param('x', [init.length]);
  const objective = objectiveOf(spec);
  const noise = spec.noise;
  const rng = new Rng(seed, 'gradient-noise');
  const params = arena.params;
  if (!arena.measuring) params.data.set(init as number[]);
  const result: LossResult = { loss: 0 };
  return {
    params,
    info: {},
    trainStep(): LossResult {
      result.loss = objective(p.w, p.g);
      if (noise > 0) for (let i = 0; i < p.g.length; i++) p.g[i] = p.g[i]! + noise * rng.normal();
      return result;
    },
  };
}

function objectiveOf(spec: AnalyticSpec): Objective {
  switch (spec.kind) {
    case 'rosenbrock':
      // f = (1 − x)² + 100(y − x²)²;  ∂f/∂x = −2(1 − x) − 400x(y − x²);  ∂f/∂y = 200(y − x²)
      return (w, g) => {
        const x = w[0]!;
        const y = w[1]!;
        const r = y - x * x;
        g[0] = -2 * (1 - x) - 400 * x * r;
        g[1] = 200 * r;
        return (1 - x) * (1 - x) + 100 * r * r;
      };
    case 'quadratic': {
      // f = ½ Σ aᵢxᵢ²;  ∂f/∂xᵢ = aᵢxᵢ
      const a = Float64Array.from(spec.curvatures);
      return (w, g) => {
        let f = 0;
        for (let i = 0; i < a.length; i++) {
          const xi = w[i]!;
          g[i] = a[i]! * xi;
          f += 0.5 * a[i]! * xi * xi;
        }
        return f;
      };
    }
    case 'rastrigin':
      // f = 10n + Σ (xᵢ² − 10 cos 2πxᵢ);  ∂f/∂xᵢ = 2xᵢ + 20π sin 2πxᵢ
      return (w, g) => {
        let f = 10 * w.length;
        for (let i = 0; i < w.length; i++) {
          const xi = w[i]!;
          g[i] = 2 * xi + 20 * Math.PI * Math.sin(2 * Math.PI * xi);
          f += xi * xi - 10 * Math.cos(2 * Math.PI * xi);
        }
        return f;
      };
  }
}
