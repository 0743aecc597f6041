// Learning-rate schedules: lr_t for each kind, their defaults from the schema, and composition of a
// warmup with a decay, against values worked out by hand. All arithmetic is float64 (rtol 1e-12).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { z } from 'zod';
import { Schedule } from '../src/config/optimizers.js';
import { makeSchedule, type ScheduleContext } from '../src/optim/schedule.js';
import { assertClose } from './helpers.js';

const RTOL = 1e-12;
const CTX: ScheduleContext = { totalSteps: 100, beta2: 0.999 };

function schedule(input: z.input<typeof Schedule>, baseLr = 0.1, ctx: ScheduleContext = CTX): (t: number) => number {
  return makeSchedule(Schedule.parse(input), baseLr, ctx);
}

test('constant: lr_t = lr at every step', () => {
  const lrAt = schedule({ kind: 'constant' });
  for (const t of [1, 2, 50, 100, 1000]) assert.equal(lrAt(t), 0.1);
});

test('linear-warmup: ω_t = t/steps, reaching 1 at t = steps and staying there', () => {
  // steps 4: ω = 0.25, 0.5, 0.75, 1, 1, … times lr 0.1
  const lrAt = schedule({ kind: 'linear-warmup', steps: 4 });
  const expected = [0.025, 0.05, 0.075, 0.1, 0.1, 0.1];
  expected.forEach((lr, k) => assertClose(lrAt(k + 1), lr, RTOL, 0, `t=${k + 1}`));
  assertClose(lrAt(10_000), 0.1, RTOL);
});

test("untuned-warmup: ω_t = min(1, t(1−β₂)/2) with the optimizer's β₂", () => {
  // β₂ 0.999: ω₁ = 0.0005, ω₁₀₀₀ = 0.5, ω₂₀₀₀ = 1 (warmup length 2/(1−β₂) = 2000), ω₃₀₀₀ = 1
  const lrAt = schedule({ kind: 'untuned-warmup' });
  assertClose(lrAt(1), 0.1 * 0.0005, 1e-9);
  assertClose(lrAt(1000), 0.1 * 0.5, 1e-9);
  assertClose(lrAt(1999), 0.1 * 0.9995, 1e-9);
  assertClose(lrAt(2000), 0.1, 1e-9);
  assertClose(lrAt(3000), 0.1, RTOL);
});

test("untuned-warmup: its own beta2 overrides the optimizer's", () => {
  // β₂ 0.99: ω₁ = 0.005, warmup over 200 steps
  const lrAt = schedule({ kind: 'untuned-warmup', beta2: 0.99 });
  assertClose(lrAt(1), 0.1 * 0.005, 1e-9);
  assertClose(lrAt(100), 0.1 * 0.5, 1e-9);
  assertClose(lrAt(200), 0.1, 1e-9);
});

test('exp-warmup: ω_t = 1 − exp(−(1−β₂)t)', () => {
  // β₂ 0.999: ω₁ = 1 − e^(−0.001) = 9.995002e-4; ω₁₀₀₀ = 1 − e^(−1) = 0.6321206
  const lrAt = schedule({ kind: 'exp-warmup' });
  assertClose(lrAt(1), 0.1 * 9.995001666e-4, 1e-9);
  assertClose(lrAt(1000), 0.1 * 0.6321205588, 1e-9);
  assertClose(lrAt(1000), 0.1 * (1 - Math.exp(-1)), 1e-9);
});

test("exp-warmup: its own beta2 overrides the optimizer's", () => {
  // β₂ 0.9: ω₁₀ = 1 − e^(−1)
  const lrAt = schedule({ kind: 'exp-warmup', beta2: 0.9 });
  assertClose(lrAt(10), 0.1 * (1 - Math.exp(-1)), 1e-9);
});

test('untuned and exponential warmups without any β₂ (SGD, none given) are refused', () => {
  const sgd: ScheduleContext = { totalSteps: 100, beta2: undefined };
  assert.throws(() => schedule({ kind: 'untuned-warmup' }, 0.1, sgd), /β₂/);
  assert.throws(() => schedule({ kind: 'exp-warmup' }, 0.1, sgd), /β₂/);
  // with an explicit beta2 they work for SGD too
  assertClose(schedule({ kind: 'untuned-warmup', beta2: 0.999 }, 0.1, sgd)(1000), 0.05, 1e-9);
});

test('cosine: step 1 uses the full lr, step T + 1 reaches min_lr, the midpoint is halfway', () => {
  // T = 10, lr 0.1, min 0.02: lr_t = 0.02 + 0.08·½(1 + cos(π(t−1)/10))
  // t=1 → 0.1;  t=6 → cos(π/2) = 0 → 0.06;  t=11 → cos(π) = −1 → 0.02
  const lrAt = schedule({ kind: 'cosine', total_steps: 10, min_lr: 0.02 });
  assertClose(lrAt(1), 0.1, RTOL);
  assertClose(lrAt(6), 0.06, RTOL);
  assertClose(lrAt(11), 0.02, RTOL);
  // t=3 → ½(1 + cos(π/5)) = ½(1 + 0.809017) = 0.9045085 → 0.02 + 0.08·0.9045085
  assertClose(lrAt(3), 0.02 + 0.08 * 0.9045084972, 1e-9);
});

test('cosine: stays at min_lr after the period instead of rising again', () => {
  const lrAt = schedule({ kind: 'cosine', total_steps: 10, min_lr: 0.02 });
  for (const t of [12, 15, 21, 100]) assertClose(lrAt(t), 0.02, RTOL, 0, `t=${t}`);
});

test('cosine: the period defaults to the run length and min_lr to 0', () => {
  // T = totalSteps = 100: t=51 is the midpoint (lr/2), t=101 reaches 0
  const lrAt = schedule({ kind: 'cosine' });
  assertClose(lrAt(51), 0.05, RTOL);
  assertClose(lrAt(101), 0, 0, 1e-15);
  // the last step of the run, t = 100, is one step short of the end: ½(1 + cos(99π/100))·lr
  assertClose(lrAt(100), 0.1 * 0.5 * (1 + Math.cos((99 * Math.PI) / 100)), RTOL);
});

test('step: lr_t = lr·γ^⌊(t−1)/every⌋, so steps 1…every use the full lr', () => {
  // every 3, γ 0.5: t 1–3 → 0.1, 4–6 → 0.05, 7–9 → 0.025
  const lrAt = schedule({ kind: 'step', every: 3, gamma: 0.5 });
  const expected = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025];
  expected.forEach((lr, k) => assertClose(lrAt(k + 1), lr, RTOL, 0, `t=${k + 1}`));
});

test('step: γ defaults to 0.1', () => {
  const lrAt = schedule({ kind: 'step', every: 2 });
  assertClose(lrAt(3), 0.01, RTOL);
  assertClose(lrAt(5), 0.001, RTOL);
});

test('a warmup composes with a decay by multiplication: ω_t · decay_t', () => {
  // linear-warmup 4 steps × cosine over T = 10 (min 0): t=2 → 0.5·0.1·½(1 + cos(π/10))
  const lrAt = schedule({ kind: 'linear-warmup', steps: 4, decay: { kind: 'cosine', total_steps: 10 } });
  const cosine = (t: number): number => 0.1 * 0.5 * (1 + Math.cos((Math.PI * (t - 1)) / 10));
  assertClose(lrAt(2), 0.5 * cosine(2), RTOL);
  assertClose(lrAt(4), cosine(4), RTOL);
  assertClose(lrAt(6), 0.05, RTOL);
  assertClose(lrAt(11), 0, 0, 1e-15);
});

test('an untuned warmup composes with step decay', () => {
  // β₂ 0.99 (warmup over 200 steps) × step every 100, γ 0.5:
  // t=50 → 0.25·0.1 = 0.025;  t=150 → 0.75·0.05 = 0.0375;  t=250 → 1·0.025
  const lrAt = schedule({ kind: 'untuned-warmup', beta2: 0.99, decay: { kind: 'step', every: 100, gamma: 0.5 } });
  assertClose(lrAt(50), 0.025, 1e-9);
  assertClose(lrAt(150), 0.0375, 1e-9);
  assertClose(lrAt(250), 0.025, 1e-9);
});

test('an exponential warmup composed with a constant decay is the warmup alone', () => {
  const composed = schedule({ kind: 'exp-warmup', decay: { kind: 'constant' } });
  const alone = schedule({ kind: 'exp-warmup' });
  for (const t of [1, 10, 1000]) assertClose(composed(t), alone(t), RTOL, 0, `t=${t}`);
});
