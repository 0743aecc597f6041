// zod schema of an experiment's `sweep` section: which config paths to vary, how (grid or random),
// and over which seeds. Paths are resolved and checked against the experiment schema when planning.
import { z } from 'zod';

/** The first value that occurs twice in `values`, or undefined (for "expected distinct seeds"). */
export function firstRepeated<T>(values: readonly T[]): T | undefined {
  const seen = new Set<T>();
  for (const v of values) {
    if (seen.has(v)) return v;
    seen.add(v);
  }
  return undefined;
}

const LogUniform = z.strictObject({ log_uniform: z.tuple([z.number().positive(), z.number().positive()]).describe('[low, high], sampled uniformly in log space') });
const Uniform = z.strictObject({ uniform: z.tuple([z.number(), z.number()]).describe('[low, high]') });
const IntUniform = z.strictObject({ int_uniform: z.tuple([z.number().int(), z.number().int()]).describe('[low, high], inclusive') });
const Choice = z.strictObject({ choice: z.array(z.unknown()).min(1).describe('values to pick from uniformly') });

/** A swept value set: a list (grid axis, or uniform choice when random) or a distribution (random). */
export const SweepValues = z.union([z.array(z.unknown()).min(1), LogUniform, Uniform, IntUniform, Choice], {
  error: 'a list of values, {log_uniform: [low, high]}, {uniform: [low, high]}, {int_uniform: [low, high]} or {choice: [values]}',
});
export type SweepValues = z.output<typeof SweepValues>;

export const SweepSpec = z
  .strictObject({
    method: z.enum(['grid', 'random']).default('grid').describe('grid: every combination; random: `samples` seeded draws'),
    samples: z.number().int().positive().optional().describe('number of random points (random only)'),
    seed: z.number().int().nonnegative().default(0).describe('seed of the random draws (random only)'),
    params: z
      .record(z.string(), SweepValues)
      .describe('config path → values: `lr` (every optimizer), `optimizers.adam.schedule.steps` (one by name), `model.hidden`, `steps` …'),
    seeds: z.array(z.number().int().nonnegative()).min(1).optional().describe('seeds per point (default: the top-level seeds)'),
  })
  .superRefine((s, ctx) => {
    if (s.method === 'random' && s.samples === undefined) {
      ctx.addIssue({ code: 'custom', path: ['samples'], message: 'expected a number of samples for method "random", got nothing' });
    }
    if (s.method === 'grid' && s.samples !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['samples'], message: 'expected no samples for method "grid" (a grid takes every combination)' });
    }
    for (const [path, values] of Object.entries(s.params)) {
      if (s.method === 'grid' && !Array.isArray(values) && !('choice' in values)) {
        ctx.addIssue({ code: 'custom', path: ['params', path], message: 'expected a list of values for a grid, got a distribution (use method: random)' });
      }
    }
    const repeated = s.seeds && firstRepeated(s.seeds);
    if (repeated !== undefined) ctx.addIssue({ code: 'custom', path: ['seeds'], message: `expected distinct seeds, got ${repeated} more than once` });
  })
  .describe('hyperparameter sweep (radam-run sweep)');
export type SweepSpec = z.output<typeof SweepSpec>;
