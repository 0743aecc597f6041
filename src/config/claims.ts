// zod schema of an experiment's `claims`: structured, validated statements about its results that
// `radam-run reproduce` checks (and CI keeps checked). Data, not code.
import { z } from 'zod';
import { quote } from '../base/quote.js';

export const METRICS = {
  final_train_loss: 'lower',
  last_train_loss: 'lower',
  best_train_loss: 'lower',
  final_val_loss: 'lower',
  best_val_loss: 'lower',
  final_val_accuracy: 'higher',
  final_train_accuracy: 'higher',
  final_test_loss: 'lower',
  final_test_accuracy: 'higher',
  diverged: 'lower',
  first_adaptive_step: 'lower',
  lr_robustness: 'higher',
  lr_spread: 'lower',
} as const;
export type Metric = keyof typeof METRICS;

export const Claim = z
  .strictObject({
    name: z.string().optional().describe('a title for the claim (default: generated from its fields)'),
    metric: z
      .enum(Object.keys(METRICS) as [Metric, ...Metric[]])
      .describe(
        'per run: final/last/best train loss, final/best val loss, final val/train accuracy, final test loss/accuracy (eval.test), diverged (1/0), first_adaptive_step; per optimizer over a sweep: lr_robustness (number of lrs within `within`× of the best loss), lr_spread (worst/best mean loss over lrs)',
      ),
    optimizer: z.string().describe('optimizer name the claim is about'),
    better_than: z.string().optional().describe('another optimizer name: `optimizer` must be better on the metric'),
    below: z.number().optional().describe('the value must be < this'),
    above: z.number().optional().describe('the value must be > this'),
    equals: z.union([z.boolean(), z.number()], { error: 'a boolean or a number' }).optional().describe('the value must equal this (true/false for diverged: every seed / no seed)'),
    by: z
      .number()
      .gt(-1)
      .default(0)
      .describe('better_than: relative margin (0.05 = at least 5% better; negative = a tolerance: −0.05 = less than 5% worse)'),
    by_abs: z.number().default(0).describe('better_than: absolute margin (negative = a tolerance: −0.005 = less than 0.005 worse)'),
    over_seeds: z
      .enum(['mean', 'median', 'min', 'max', 'all'])
      .default('mean')
      .describe('how seeds are combined; "all": the claim must hold for every seed (paired by seed for better_than)'),
    confidence: z
      .number()
      .gt(0.5)
      .lt(1)
      .optional()
      .describe('better_than with over_seeds mean: require a one-sided Welch t-test at this confidence (needs ≥ 2 seeds each)'),
    point: z.record(z.string(), z.unknown()).optional().describe('sweeps: the point to judge (e.g. {lr: 0.01}); default: each optimizer\'s best point'),
    within: z.number().gt(1).default(2).describe('lr_robustness: a lr counts when its mean loss ≤ within × the best loss of any optimizer'),
  })
  .superRefine((c, ctx) => {
    const given = (['better_than', 'below', 'above', 'equals'] as const).filter((k) => c[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({ code: 'custom', path: [], message: `expected exactly one of better_than, below, above, equals, got ${given.length ? given.join(' and ') : 'none'}` });
    }
    if (c.confidence !== undefined && (c.better_than === undefined || c.over_seeds !== 'mean')) {
      ctx.addIssue({ code: 'custom', path: ['confidence'], message: 'expected confidence only with better_than and over_seeds: mean' });
    }
    if ((c.by < 0 && c.by_abs !== 0) || (c.by_abs < 0 && c.by !== 0)) {
      ctx.addIssue({ code: 'custom', path: [c.by < 0 ? 'by_abs' : 'by'], message: 'expected a tolerance (a negative margin) alone, got both by and by_abs' });
    }
    if (c.better_than !== undefined && c.better_than === c.optimizer) {
      ctx.addIssue({ code: 'custom', path: ['better_than'], message: `expected another optimizer than ${quote(c.optimizer)} itself` });
    }
  });
export type Claim = z.output<typeof Claim>;
