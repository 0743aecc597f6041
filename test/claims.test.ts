// Claims: pass, fail, margins, seeds, confidence, bad claims; and `reproduce` end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Claim } from '../src/config/claims.js';
import { evaluateClaim, type ClaimData, type JudgedRun } from '../src/run/claims.js';
import { welchGreater, studentTQuantile } from '../src/run/stats.js';
import { loadExperiment } from '../src/config/load.js';
import { ConfigError } from '../src/base/errors.js';
import { repoRoot, assertClose } from './helpers.js';

function run(optimizer: string, seed: number, record: Record<string, unknown>, point: Record<string, unknown> = {}, lr = 0.01): JudgedRun {
  return { optimizer, seed, lr, point, record: { diverged: false, ...record } };
}
const data: ClaimData = {
  runs: [
    run('radam', 0, { final_train_loss: 1.0 }),
    run('radam', 1, { final_train_loss: 1.2 }),
    run('radam', 2, { final_train_loss: 1.1 }),
    run('adam', 0, { final_train_loss: 2.0 }),
    run('adam', 1, { final_train_loss: 1.15 }),
    run('adam', 2, { final_train_loss: 2.2 }),
    run('adam-nw', 0, { final_train_loss: null, diverged: true }),
    run('adam-nw', 1, { final_train_loss: null, diverged: true }),
    run('adam-nw', 2, { final_train_loss: 5, diverged: false }),
  ],
};
const claim = (c: Record<string, unknown>) => Claim.parse(c);

test('better_than on the mean: holds with the margin b(1 − by) − a, fails when the margin is too large', () => {
  // radam mean 1.1, adam mean (2 + 1.15 + 2.2)/3 = 1.78333…
  const ok = evaluateClaim(claim({ metric: 'final_train_loss', optimizer: 'radam', better_than: 'adam', by: 0.3 }), data);
  assert.equal(ok.status, 'PASS');
  assertClose(ok.observed, 1.1, 1e-12);
  assertClose(ok.baselineValue!, 5.35 / 3, 1e-12);
  assertClose(ok.margin, (5.35 / 3) * 0.7 - 1.1, 1e-12); // 1.24833 − 1.1 = 0.14833
  const tooMuch = evaluateClaim(claim({ metric: 'final_train_loss', optimizer: 'radam', better_than: 'adam', by: 0.5 }), data);
  assert.equal(tooMuch.status, 'FAIL');
  assertClose(tooMuch.margin, (5.35 / 3) * 0.5 - 1.1, 1e-12); // negative
  assert.equal(evaluateClaim(claim({ metric: 'final_train_loss', optimizer: 'adam', better_than: 'radam' }), data).status, 'FAIL');
});

test('over_seeds: all pairs seeds and fails on the worst one', () => {
  // seed 1: radam 1.2 vs adam 1.15 — radam is worse there
  const r = evaluateClaim(claim({ metric: 'final_train_loss', optimizer: 'radam', better_than: 'adam', over_seeds: 'all' }), data);
  assert.equal(r.status, 'FAIL');
  assertClose(r.margin, 1.15 - 1.2, 1e-12);
  assert.match(r.expected, /worst: seed 1/);
  const median = evaluateClaim(claim({ metric: 'final_train_loss', optimizer: 'radam', better_than: 'adam', over_seeds: 'median' }), data);
  assertClose(median.observed, 1.1, 1e-12);
  assertClose(median.baselineValue!, 2.0, 1e-12);
});

test('confidence: a one-sided Welch t-test must also pass', () => {
  // the means differ by 0.68 but adam's spread is large: t = 0.683/√(0.01/3 + 0.2358/3) ≈ 2.39 on df ≈ 2.2
  const c = evaluateClaim(claim({ metric: 'final_train_loss', optimizer: 'radam', better_than: 'adam', confidence: 0.95 }), data);
  const w = welchGreater([2.0, 1.15, 2.2], [1.0, 1.2, 1.1], 0.95);
  assert.equal(c.status, w.holds ? 'PASS' : 'FAIL');
  assert.equal(w.holds, false);
  assert.ok(w.t > 2 && w.t < 2.6, `t ${w.t}`);
  assert.ok(w.critical > 2.5, `critical ${w.critical}`);
  assert.match(c.detail, /Welch t = /);
  const loose = welchGreater([2.0, 1.15, 2.2], [1.0, 1.2, 1.1], 0.8);
  assert.equal(loose.holds, true);
});

test('Student t quantiles match tables (df 1, 4, 10 and ∞)', () => {
  assertClose(studentTQuantile(0.95, 1), 6.3138, 1e-4);
  assertClose(studentTQuantile(0.95, 4), 2.1318, 1e-4);
  assertClose(studentTQuantile(0.975, 10), 2.2281, 1e-4);
  assertClose(studentTQuantile(0.95, 1e7), 1.6449, 1e-4);
});

test('diverged: equals true means every seed diverged; a diverged run counts as +∞ loss', () => {
  const all = evaluateClaim(claim({ metric: 'diverged', optimizer: 'adam-nw', equals: true }), data);
  assert.equal(all.status, 'FAIL');
  assertClose(all.observed, 2 / 3, 1e-12);
  assert.equal(evaluateClaim(claim({ metric: 'diverged', optimizer: 'adam-nw', above: 0.5 }), data).status, 'PASS');
  assert.equal(evaluateClaim(claim({ metric: 'diverged', optimizer: 'radam', equals: false }), data).status, 'PASS');
  const loss = evaluateClaim(claim({ metric: 'final_train_loss', optimizer: 'radam', better_than: 'adam-nw' }), data);
  assert.equal(loss.status, 'PASS');
  assert.equal(loss.baselineValue, Infinity);
});

test('below/above thresholds and min/max over seeds', () => {
  assert.equal(evaluateClaim(claim({ metric: 'final_train_loss', optimizer: 'radam', below: 1.15, over_seeds: 'mean' }), data).status, 'PASS');
  assert.equal(evaluateClaim(claim({ metric: 'final_train_loss', optimizer: 'radam', below: 1.15, over_seeds: 'max' }), data).status, 'FAIL');
  assert.equal(evaluateClaim(claim({ metric: 'final_train_loss', optimizer: 'radam', below: 1.15, over_seeds: 'all' }), data).status, 'FAIL');
  assert.equal(evaluateClaim(claim({ metric: 'final_train_loss', optimizer: 'radam', above: 0.99, over_seeds: 'min' }), data).status, 'PASS');
});

test('a metric the runs did not record fails with a reason instead of passing vacuously', () => {
  const r = evaluateClaim(claim({ metric: 'final_val_accuracy', optimizer: 'radam', above: 0.5 }), data);
  assert.equal(r.status, 'FAIL');
  assert.match(r.detail, /not recorded/);
});

test('test-set metrics (eval.test): accuracy is higher-is-better, loss lower-is-better, averaged over seeds', () => {
  const tested: ClaimData = {
    runs: [
      run('adam', 0, { final_test_accuracy: 0.912, final_test_loss: 0.26 }),
      run('adam', 1, { final_test_accuracy: 0.906, final_test_loss: 0.27 }),
      run('radam', 0, { final_test_accuracy: 0.915, final_test_loss: 0.25 }),
      run('radam', 1, { final_test_accuracy: 0.909, final_test_loss: 0.28 }),
    ],
  };
  // adam's mean accuracy (0.912 + 0.906) / 2 = 0.909: above 0.908, not above 0.91
  assert.equal(evaluateClaim(claim({ metric: 'final_test_accuracy', optimizer: 'adam', above: 0.908 }), tested).status, 'PASS');
  assert.equal(evaluateClaim(claim({ metric: 'final_test_accuracy', optimizer: 'adam', above: 0.91 }), tested).status, 'FAIL');
  // radam's mean 0.912 > adam's 0.909: better, since accuracy is higher-is-better
  assert.equal(evaluateClaim(claim({ metric: 'final_test_accuracy', optimizer: 'radam', better_than: 'adam' }), tested).status, 'PASS');
  assert.equal(evaluateClaim(claim({ metric: 'final_test_accuracy', optimizer: 'adam', better_than: 'radam' }), tested).status, 'FAIL');
  // radam's mean test loss (0.25 + 0.28) / 2 = 0.265: below 0.2651, not below 0.2649
  assert.equal(evaluateClaim(claim({ metric: 'final_test_loss', optimizer: 'radam', below: 0.2651 }), tested).status, 'PASS');
  assert.equal(evaluateClaim(claim({ metric: 'final_test_loss', optimizer: 'radam', below: 0.2649 }), tested).status, 'FAIL');
});

test('a negative margin is a tolerance: "less than this much worse" (non-inferiority)', () => {
  const tested: ClaimData = {
    runs: [run('adam', 0, { final_test_accuracy: 0.92 }), run('radam', 0, { final_test_accuracy: 0.917 })],
  };
  // radam 0.917 is 0.003 below adam 0.92: within a tolerance of 0.005 (0.917 > 0.92 − 0.005 = 0.915),
  // outside one of 0.002 (0.917 < 0.918)
  const within = evaluateClaim(claim({ metric: 'final_test_accuracy', optimizer: 'radam', better_than: 'adam', by_abs: -0.005 }), tested);
  assert.equal(within.status, 'PASS');
  assert.equal(within.claim, 'radam final_test_accuracy less than 0.005 worse than adam');
  assertClose(within.margin, 0.002, 1e-12);
  assert.equal(evaluateClaim(claim({ metric: 'final_test_accuracy', optimizer: 'radam', better_than: 'adam', by_abs: -0.002 }), tested).status, 'FAIL');
  // relative, for a loss: radam 1.1 vs adam 1.0 is 10% worse: within −15%, not within −5%
  const losses: ClaimData = { runs: [run('adam', 0, { final_train_loss: 1.0 }), run('radam', 0, { final_train_loss: 1.1 })] };
  const relative = evaluateClaim(claim({ metric: 'final_train_loss', optimizer: 'radam', better_than: 'adam', by: -0.15 }), losses);
  assert.equal(relative.status, 'PASS');
  assert.equal(relative.claim, 'radam final_train_loss less than 15% worse than adam');
  assert.equal(evaluateClaim(claim({ metric: 'final_train_loss', optimizer: 'radam', better_than: 'adam', by: -0.05 }), losses).status, 'FAIL');
  assert.throws(() => claim({ metric: 'final_train_loss', optimizer: 'radam', better_than: 'adam', by: -1 }), /by/);
  // exactly at the tolerance is not "less than" it: radam 0.915 against adam 0.92 − 0.005 fails
  const edge: ClaimData = { runs: [run('adam', 0, { final_test_accuracy: 0.92 }), run('radam', 0, { final_test_accuracy: 0.915 })] };
  assert.equal(evaluateClaim(claim({ metric: 'final_test_accuracy', optimizer: 'radam', better_than: 'adam', by_abs: -0.005 }), edge).status, 'FAIL');
  // a tolerance mixed with a margin of the other kind would be ambiguous: a config error
  assert.throws(() => claim({ metric: 'final_train_loss', optimizer: 'radam', better_than: 'adam', by: 0.05, by_abs: -0.01 }), /tolerance.*alone/);
  assert.throws(() => claim({ metric: 'final_train_loss', optimizer: 'radam', better_than: 'adam', by: -0.05, by_abs: 0.01 }), /tolerance.*alone/);
  // two positive margins both show in the title
  assert.equal(evaluateClaim(claim({ metric: 'final_train_loss', optimizer: 'radam', better_than: 'adam', by: 0.05, by_abs: 0.01 }), losses).claim, 'radam final_train_loss better than adam by 5% and 0.01');
});

test('a test metric without eval.test fails and says where test metrics come from', () => {
  const r = evaluateClaim(claim({ metric: 'final_test_accuracy', optimizer: 'radam', above: 0.5 }), data);
  assert.equal(r.status, 'FAIL');
  assert.match(r.detail, /not recorded.*eval\.test/);
});

test('lr_robustness counts the lrs within `within`× of the best loss of any optimizer', () => {
  const robustness = [
    { optimizer: 'adam', lr: 0.001, final_train_loss_mean: 0.5, points: 1, diverged_points: 0 },
    { optimizer: 'adam', lr: 0.01, final_train_loss_mean: 0.2, points: 1, diverged_points: 0 },
    { optimizer: 'adam', lr: 0.1, final_train_loss_mean: null, points: 1, diverged_points: 1 },
    { optimizer: 'radam', lr: 0.001, final_train_loss_mean: 0.35, points: 1, diverged_points: 0 },
    { optimizer: 'radam', lr: 0.01, final_train_loss_mean: 0.25, points: 1, diverged_points: 0 },
    { optimizer: 'radam', lr: 0.1, final_train_loss_mean: 0.3, points: 1, diverged_points: 0 },
  ];
  const d: ClaimData = { runs: [], robustness };
  // best 0.2; within 2 → ≤ 0.4: adam {0.2} = 1 lr, radam {0.35, 0.25, 0.3} = 3
  const r = evaluateClaim(claim({ metric: 'lr_robustness', optimizer: 'radam', better_than: 'adam' }), d);
  assert.equal(r.observed, 3);
  assert.equal(r.baselineValue, 1);
  assert.equal(r.status, 'PASS');
  const spread = evaluateClaim(claim({ metric: 'lr_spread', optimizer: 'radam', below: 1.5 }), d);
  assertClose(spread.observed, 0.35 / 0.25, 1e-12);
  assert.equal(evaluateClaim(claim({ metric: 'lr_spread', optimizer: 'adam', below: 100 }), d).observed, Infinity);
});

test('bad claims are config errors naming the claim field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'radam-claims-'));
  const base = { name: 'c', steps: 5, model: { kind: 'rosenbrock' }, optimizers: [{ kind: 'adam' }, { kind: 'radam' }] };
  const write = (claims: unknown[], extra = {}) => {
    const f = join(dir, 'e.yaml');
    writeFileSync(f, stringify({ ...base, ...extra, claims }));
    return f;
  };
  const expectError = (file: string, pattern: RegExp) =>
    assert.throws(() => loadExperiment(file), (e: unknown) => e instanceof ConfigError && e.problems.some((p) => pattern.test(p)), pattern.source);
  expectError(write([{ metric: 'final_train_loss', optimizer: 'radam', better_than: 'adm' }]), /claims\[0\]\.better_than: expected one of the optimizers "adam", "radam", got "adm"/);
  expectError(write([{ metric: 'final_train_loss', optimizer: 'radam' }]), /claims\[0\]: expected exactly one of better_than, below, above, equals, got none/);
  expectError(write([{ metric: 'final_train_loss', optimizer: 'radam', below: 1, above: 0 }]), /got below and above/);
  expectError(write([{ metric: 'final_los', optimizer: 'radam', below: 1 }]), /claims\[0\]\.metric: expected one of .*got "final_los" \(did you mean "final_train_loss"\?\)|claims\[0\]\.metric: expected one of/);
  expectError(write([{ metric: 'lr_robustness', optimizer: 'radam', better_than: 'adam' }]), /claims\[0\]\.metric: expected a sweep section/);
  expectError(write([{ metric: 'final_train_loss', optimizer: 'radam', below: 1, confidence: 0.95 }]), /claims\[0\]\.confidence/);
});

test('reproduce runs the experiment, prints PASS/FAIL, writes claims.csv and JUnit, exits 1 when a claim fails', () => {
  const dir = mkdtempSync(join(tmpdir(), 'radam-repro-'));
  const exp = {
    name: 'repro',
    steps: 200,
    seeds: [0, 1],
    model: { kind: 'quadratic', curvatures: [1, 10], init: [1, 1] },
    optimizers: [{ kind: 'sgd', lr: 0.01 }, { kind: 'adam', lr: 0.01 }],
    claims: [
      // SGD on ½(x² + 10y²) with lr 0.01: x_t = 0.99ᵗ, y_t = 0.9ᵗ → f_200 ≈ ½·0.99⁴⁰⁰ ≈ 0.009 — it cannot reach 1e-6
      { metric: 'final_train_loss', optimizer: 'sgd', above: 1e-6 },
      { metric: 'diverged', optimizer: 'adam', equals: false },
      { name: 'an impossible claim', metric: 'final_train_loss', optimizer: 'adam', below: 0 },
    ],
  };
  const file = join(dir, 'exp.yaml');
  writeFileSync(file, stringify(exp));
  const bin = join(repoRoot(), 'bin', 'radam-run.js');
  const r = spawnSync(process.execPath, [bin, 'reproduce', file, '--out', join(dir, 'out'), '--junit', join(dir, 'junit.xml'), '-q'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /PASS {2}sgd final_train_loss above 0.000001: observed 0.0111/);
  assert.match(r.stdout, /FAIL {2}an impossible claim/);
  assert.match(r.stdout, /2\/3 claims hold/);
  const csv = readFileSync(join(dir, 'out', 'claims.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'claim,metric,optimizer,baseline,comparison,observed,expected,margin,status');
  assert.equal(csv.length, 4);
  assert.ok(csv[3]!.endsWith(',FAIL'));
  const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
  assert.match(junit, /<testsuite name="repro" tests="3" failures="1"/);
  assert.equal((junit.match(/<testcase /g) ?? []).length, 3);
  assert.equal((junit.match(/<failure /g) ?? []).length, 1);
  const bad = spawnSync(process.execPath, [bin, 'reproduce', join(repoRoot(), 'configs', 'rosenbrock.yaml')], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /expected a claims section/);
});
