// zod schemas for models (`model.kind`) and datasets (`data.kind`).
// Analytic objectives need no data; neural models need a dataset whose shape they accept.
import { z } from 'zod';

const vector = z.array(z.number()).min(1);
const noise = z.number().nonnegative().default(0).describe('σ of seeded Gaussian noise added to the gradient');

export const Rosenbrock = z
  .strictObject({
    kind: z.literal('rosenbrock'),
    init: z.tuple([z.number(), z.number()]).default([-1.5, 2]).describe('starting point [x, y]'),
    noise,
  })
  .describe('f(x, y) = (1 − x)² + 100(y − x²)², minimum 0 at (1, 1)');

export const Quadratic = z
  .strictObject({
    kind: z.literal('quadratic'),
    curvatures: z.array(z.number().positive()).min(1).describe('aᵢ > 0'),
    init: vector.describe('starting point, same length as curvatures'),
    noise,
  })
  .describe('f(x) = ½ Σ aᵢ xᵢ², minimum 0 at the origin')
  .refine((q) => q.curvatures.length === q.init.length, {
    message: 'expected as many values as curvatures',
    path: ['init'],
  });

export const Rastrigin = z
  .strictObject({
    kind: z.literal('rastrigin'),
    init: vector.describe('starting point (any dimension)'),
    noise,
  })
  .describe('f(x) = 10n + Σ (xᵢ² − 10 cos 2πxᵢ), minimum 0 at the origin');

export const ANALYTIC_KINDS = ['rosenbrock', 'quadratic', 'rastrigin'] as const;

export const ModelSpec = z.discriminatedUnion('kind', [Rosenbrock, Quadratic, Rastrigin]);
export type ModelSpec = z.output<typeof ModelSpec>;

/** Which data kinds a model kind accepts; analytic models take none. */
export function acceptedData(modelKind: ModelSpec['kind']): readonly string[] {
  switch (modelKind) {
    case 'rosenbrock':
    case 'quadratic':
    case 'rastrigin':
      return [];
  }
}
