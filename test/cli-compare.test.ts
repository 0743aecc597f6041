// End-to-end: the built CLI on shipped configs — files, columns, values, exit codes, determinism.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { repoRoot, assertClose } from './helpers.js';

const root = repoRoot();
const bin = join(root, 'bin', 'radam-run.js');

function cli(args: string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'radam-run-test-'));
}

type Row = Record<string, string>;
function readCsv(file: string): { header: string[]; rows: Row[] } {
  const text = readFileSync(file, 'utf8');
  const header = text.slice(0, text.indexOf('\n')).split(',');
  return { header, rows: parse(text, { columns: true }) as Row[] };
}

test('compare on configs/rosenbrock.yaml writes the five contract files with the contract columns', () => {
  const out = join(tmp(), 'out');
  const r = cli(['compare', 'configs/rosenbrock.yaml', '--out', out, '--steps', '40', '--set', 'log_every=1', '-q']);
  assert.equal(r.code, 0, r.stderr);
  // and live/, the runs' live metrics (test/live.test.ts)
  assert.deepEqual(readdirSync(out).sort(), ['curves.csv', 'live', 'manifest.json', 'summary.csv', 'summary.json', 'trace.csv']);
  const curves = readCsv(join(out, 'curves.csv'));
  assert.deepEqual(curves.header, ['run', 'optimizer', 'seed', 'step', 'split', 'loss', 'accuracy']);
  const trace = readCsv(join(out, 'trace.csv'));
  assert.deepEqual(trace.header.slice(0, 10), ['run', 'optimizer', 'seed', 'step', 'lr', 'rho_t', 'r_t', 'adaptive', 'grad_norm', 'update_norm']);
  // 3 optimizers × 40 logged steps, numbered from 1
  assert.equal(curves.rows.length, 120);
  assert.deepEqual(curves.rows.filter((x) => x.optimizer === 'adam').map((x) => Number(x.step)), Array.from({ length: 40 }, (_, i) => i + 1));
  // the first train loss is f(-1.5, 2) = (1+1.5)² + 100(2 − 2.25)² = 6.25 + 6.25 = 12.5 for every optimizer
  for (const row of curves.rows.filter((x) => x.step === '1')) assert.equal(Number(row.loss), 12.5);
  // ‖∇f(-1.5, 2)‖: ∂x = −2(2.5) − 400(−1.5)(−0.25) = −155, ∂y = 200(−0.25) = −50
  for (const row of trace.rows.filter((x) => x.step === '1')) assertClose(Number(row.grad_norm), Math.hypot(155, 50), 1e-12);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.config.steps, 40);
  assert.equal(manifest.config.optimizers[2].rho_threshold, 5);
});

test('trace.csv fills rho_t and r_t on RAdam rows only, with r_t = 0 and adaptive = 0 until ρ_t > 5', () => {
  const out = join(tmp(), 'out');
  const r = cli(['compare', 'configs/rosenbrock.yaml', '--out', out, '--steps', '8', '--set', 'log_every=1', '-q']);
  assert.equal(r.code, 0, r.stderr);
  const { rows } = readCsv(join(out, 'trace.csv'));
  for (const row of rows.filter((x) => x.optimizer !== 'radam')) {
    assert.equal(row.rho_t, '');
    assert.equal(row.r_t, '');
  }
  const radam = rows.filter((x) => x.optimizer === 'radam');
  const rhoInf = 2 / (1 - 0.999) - 1;
  for (const row of radam) {
    const t = Number(row.step);
    const rho = rhoInf - (2 * t * 0.999 ** t) / (1 - 0.999 ** t);
    assertClose(Number(row.rho_t), rho, 1e-12, 0, `rho_${t}`);
    assert.equal(row.adaptive, t >= 6 ? '1' : '0', `adaptive at t=${t}`);
    if (t < 6) assert.equal(Number(row.r_t), 0);
    else assertClose(Number(row.r_t), Math.sqrt(((rho - 4) * (rho - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rho)), 1e-12);
  }
  // the shipped config uses unrectified: skip, so RAdam does not move before step 6
  for (const row of radam.filter((x) => Number(x.step) < 6)) assert.equal(Number(row.update_norm), 0);
});

test('the same config and seeds give byte-identical curves.csv and trace.csv with 1 or 2 workers', () => {
  const dir = tmp();
  const a = cli(['compare', 'configs/quadratic-noisy.yaml', '--out', join(dir, 'a'), '--steps', '300', '--workers', '1', '-q']);
  const b = cli(['compare', 'configs/quadratic-noisy.yaml', '--out', join(dir, 'b'), '--steps', '300', '--workers', '2', '-q']);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  for (const f of ['curves.csv', 'trace.csv']) {
    assert.equal(readFileSync(join(dir, 'a', f), 'utf8'), readFileSync(join(dir, 'b', f), 'utf8'), f);
  }
  // and different seeds really give different noisy curves
  const curves = readCsv(join(dir, 'a', 'curves.csv')).rows.filter((x) => x.optimizer === 'adam' && x.step === '300');
  assert.equal(new Set(curves.map((x) => x.loss)).size, 3);
});

test('a diverging run is marked at its step, the others finish, and --fail-on-diverge exits 1', () => {
  const dir = tmp();
  // torch's default un-rectified phase takes lr·m̂ steps; with ‖g‖ ≈ 162 and lr 0.02 it blows up
  const args = ['compare', 'configs/rosenbrock.yaml', '--steps', '200', '--set', 'optimizers.radam.unrectified=momentum', '-q', '--json'];
  const ok = cli([...args, '--out', join(dir, 'a')]);
  assert.equal(ok.code, 0, ok.stderr);
  const summary = JSON.parse(ok.stdout);
  const radam = summary.runs.find((x: Row) => x.optimizer === 'radam');
  assert.equal(radam.diverged, true);
  assert.ok(radam.diverged_at > 1 && radam.diverged_at <= 10, `diverged_at ${radam.diverged_at}`);
  // the loss explodes (finite in float64) before the float32 parameters overflow
  assert.match(radam.diverged_reason, /^loss \S+ > 1e4 × initial 12\.5$/);
  for (const other of summary.runs.filter((x: Row) => x.optimizer !== 'radam')) {
    assert.equal(other.diverged, false);
    assert.equal(other.steps, 200);
  }
  const failing = cli([...args, '--out', join(dir, 'b'), '--fail-on-diverge']);
  assert.equal(failing.code, 1);
  assert.match(failing.stderr, /1 run\(s\) diverged: radam-s0/);
});

// f = ½x² from x₀ = 2: SGD at lr 2.5 multiplies x by −1.5 per step, so the loss of step t is
// 2·2.25^{t−1}, finite for ~200 steps; it first exceeds 1e4 × the initial loss 2 at t = 13
// (2.25¹¹ ≈ 7.5e3 < 1e4 < 2.25¹² ≈ 1.7e4). SGD at lr 0.5 halves x per step and converges.
const BLOWUP_CONFIG = [
  'name: blowup',
  'steps: 100',
  'seeds: [0]',
  'model: { kind: quadratic, curvatures: [1], init: [2] }',
  'optimizers:',
  '  - { kind: sgd, name: fast, lr: 2.5 }',
  '  - { kind: sgd, name: slow, lr: 0.5 }',
  'claims:',
  '  - { metric: diverged, optimizer: fast, equals: true }',
  '  - { metric: diverged, optimizer: slow, equals: false }',
].join('\n');

test('a loss that explodes but stays finite is divergence: summary says where and why, --fail-on-diverge exits 1', () => {
  const dir = tmp();
  const cfg = join(dir, 'blowup.yaml');
  writeFileSync(cfg, BLOWUP_CONFIG);
  const failing = cli(['compare', cfg, '--out', join(dir, 'a'), '--fail-on-diverge', '-q']);
  assert.equal(failing.code, 1, failing.stderr);
  const lines = failing.stderr.trim().split('\n');
  assert.ok(lines.includes('radam-run: 1 run(s) diverged: fast-s0 at step 13: loss 3.37e4 > 1e4 × initial 2'), failing.stderr);
  assert.doesNotMatch(failing.stderr, /\n\s+at /);
  // the reason follows the older columns, where they were; the test-set columns (eval.test) come after it
  const { header, rows } = readCsv(join(dir, 'a', 'summary.csv'));
  assert.deepEqual(header, [
    'run', 'optimizer', 'kind', 'seed', 'params', 'steps', 'final_train_loss', 'last_train_loss', 'best_train_loss', 'best_step',
    'final_train_accuracy', 'final_val_loss', 'best_val_loss', 'final_val_accuracy', 'diverged', 'diverged_at', 'first_adaptive_step',
    'entropy_rate', 'wall_seconds', 'steps_per_second', 'diverged_reason', 'final_test_loss', 'final_test_accuracy',
  ]);
  const fast = rows.find((x) => x.run === 'fast-s0')!;
  const slow = rows.find((x) => x.run === 'slow-s0')!;
  assert.deepEqual([fast.diverged, fast.diverged_at, fast.diverged_reason, fast.steps], ['1', '13', 'loss 3.37e4 > 1e4 × initial 2', '12']);
  assert.deepEqual([slow.diverged, slow.diverged_at, slow.diverged_reason, slow.steps], ['0', '', '', '100']);
  const json = JSON.parse(readFileSync(join(dir, 'a', 'summary.json'), 'utf8'));
  assert.deepEqual(json.runs.map((r: Row) => r.diverged_reason), ['loss 3.37e4 > 1e4 × initial 2', null]);
  // curves.csv ends the diverged run at step 13, with its loss 2·2.25¹²
  const curves = readCsv(join(dir, 'a', 'curves.csv')).rows.filter((x) => x.run === 'fast-s0');
  assert.equal(curves[curves.length - 1]!.step, '13');
  assert.equal(Number(curves[curves.length - 1]!.loss), 2 * 2.25 ** 12);
  // without the flag a diverged run is recorded, not an error
  assert.equal(cli(['compare', cfg, '--out', join(dir, 'b'), '-q']).code, 0);
});

test('claims about divergence see a finite blow-up: reproduce passes "fast diverged" and "slow did not"', () => {
  const dir = tmp();
  const cfg = join(dir, 'blowup.yaml');
  writeFileSync(cfg, BLOWUP_CONFIG);
  const r = cli(['reproduce', cfg, '--out', join(dir, 'out'), '-q']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const claims = readCsv(join(dir, 'out', 'claims.csv')).rows;
  assert.deepEqual(claims.map((c) => [c.optimizer, c.status, Number(c.observed)]), [['fast', 'PASS', 1], ['slow', 'PASS', 0]]);
});

test('config errors are all reported at once, one line each, exit 2, no stack trace and no output directory', () => {
  const dir = tmp();
  const cfg = join(dir, 'bad.yaml');
  writeFileSync(
    cfg,
    ['name: bad', 'steps: ten', 'modle: {}', 'model: { kind: rosenbrock }', 'optimizers:', '  - { kind: adm }', '  - { kind: radam, betas: [0.9, 1.5], rho_treshold: 4 }'].join('\n'),
  );
  const out = join(dir, 'out');
  const r = cli(['compare', cfg, '--out', out]);
  assert.equal(r.code, 2);
  const lines = r.stderr.trim().split('\n');
  assert.ok(lines.includes('radam-run: steps: expected number, got "ten"'), r.stderr);
  assert.ok(lines.some((l) => l.startsWith('radam-run: optimizers[0].kind: expected one of "sgd" | "adam" | "adamw" | "radam", got "adm" (did you mean "adam"?)')), r.stderr);
  assert.ok(lines.some((l) => l.startsWith('radam-run: optimizers[1].betas[1]: expected a number < 1, got 1.5')), r.stderr);
  assert.ok(lines.some((l) => l.includes('optimizers[1].rho_treshold') && l.includes('did you mean "rho_threshold"')), r.stderr);
  assert.ok(lines.some((l) => l.includes('modle') && l.includes('did you mean "model"')), r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.equal(existsSync(out), false);
  assert.deepEqual(readdirSync(dir).sort(), ['bad.yaml']);
});

test('a missing file, a bad --set path and a non-empty --out are clear one-line errors with exit 2', () => {
  const dir = tmp();
  const missing = cli(['compare', join(dir, 'nope.yaml')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.yaml: expected a readable config file, got no such file/);
  const badSet = cli(['compare', 'configs/rosenbrock.yaml', '--set', 'optimizers.radm.lr=1', '--out', join(dir, 'x')]);
  assert.equal(badSet.code, 2);
  assert.match(badSet.stderr, /--set optimizers\.radm\.lr: expected an item of optimizers named one of "sgd", "adam", "radam"/);
  mkdirSync(join(dir, 'full'));
  writeFileSync(join(dir, 'full', 'keep.txt'), 'x');
  const full = cli(['compare', 'configs/rosenbrock.yaml', '--steps', '5', '--out', join(dir, 'full')]);
  assert.equal(full.code, 2);
  assert.match(full.stderr, /expected a new or empty directory/);
  assert.equal(readFileSync(join(dir, 'full', 'keep.txt'), 'utf8'), 'x');
  const badFlag = cli(['compare', 'configs/rosenbrock.yaml', '--steps', 'many']);
  assert.equal(badFlag.code, 2);
});

test('guarded inputs: --set into __proto__, rho thresholds below 4, nesterov without momentum, oversized models', () => {
  const dir = tmp();
  const proto = cli(['validate', 'configs/rosenbrock.yaml', '--set', '__proto__.polluted=1']);
  assert.equal(proto.code, 2);
  assert.match(proto.stderr, /--set __proto__\.polluted: expected config field names, got "__proto__"/);
  const rho = cli(['rho', '--threshold', '3']);
  assert.equal(rho.code, 2);
  assert.match(rho.stderr, /--threshold: expected a number ≥ 4/);
  const nesterov = cli(['validate', 'configs/rosenbrock.yaml', '--set', 'optimizers.sgd.nesterov=true', '--set', 'optimizers.sgd.momentum=0']);
  assert.equal(nesterov.code, 2);
  assert.match(nesterov.stderr, /optimizers\[0\]\.nesterov: expected momentum > 0 and dampening 0/);
  const huge = cli(['compare', 'configs/mlp.yaml', '--set', 'model.hidden=[100000,100000]', '--out', join(dir, 'huge')]);
  assert.equal(huge.code, 2, huge.stderr);
  assert.match(huge.stderr, /^radam-run: model\.hidden: expected a model of at most 2 GiB per run/);
  assert.equal(existsSync(join(dir, 'huge')), false);
});

test('--set addresses optimizers by name and changes the run', () => {
  const out = join(tmp(), 'out');
  const r = cli(['compare', 'configs/rosenbrock.yaml', '--out', out, '--steps', '3', '--set', 'optimizers.adam.lr=0.5', '--set', 'log_every=1', '-q']);
  assert.equal(r.code, 0, r.stderr);
  const adam = readCsv(join(out, 'trace.csv')).rows.filter((x) => x.optimizer === 'adam');
  assert.deepEqual(adam.map((x) => Number(x.lr)), [0.5, 0.5, 0.5]);
  // Adam's first step moves every coordinate by lr·sign(g) (m̂/√v̂ = ±1 up to ε): norm 0.5·√2
  assertClose(Number(adam[0]!.update_norm), 0.5 * Math.SQRT2, 1e-6);
});

test('validate prints the resolved config with defaults filled in', () => {
  const r = cli(['validate', 'configs/rosenbrock.yaml', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const exp = JSON.parse(r.stdout);
  const adam = exp.optimizers.find((o: Row) => o.name === 'adam');
  assert.deepEqual(adam.betas, [0.9, 0.999]);
  assert.equal(adam.eps, 1e-8);
  assert.equal(adam.weight_decay, 0);
  assert.deepEqual(adam.schedule, { kind: 'constant' });
  assert.match(r.stderr, /valid \(3 runs/);
});

test('rho --csv prints the paper facts: ρ_1 = 1, ρ_5 ≈ 4.995998, first rectified step 6 (threshold 5) or 5 (threshold 4)', () => {
  const r = cli(['rho', '--steps', '7', '--csv']);
  assert.equal(r.code, 0, r.stderr);
  const rows = parse(r.stdout, { columns: true }) as Row[];
  assert.equal(Number(rows[0]!.rho_t), 1);
  assertClose(Number(rows[4]!.rho_t), 4.995998, 0, 1e-6);
  assertClose(Number(rows[5]!.r_t), 0.025821, 0, 1e-6);
  assert.deepEqual(rows.map((x) => x.phase), ['un-rectified', 'un-rectified', 'un-rectified', 'un-rectified', 'un-rectified', 'rectified', 'rectified']);
  const four = parse(cli(['rho', '--steps', '6', '--csv', '--threshold', '4']).stdout, { columns: true }) as Row[];
  assert.equal(four.findIndex((x) => x.phase === 'rectified') + 1, 5);
  assertClose(Number(four[4]!.r_t), 0.017312, 0, 1e-6);
});

test('list shows every optimizer, model and schedule with defaults from the schema', () => {
  const r = cli(['list']);
  assert.equal(r.code, 0, r.stderr);
  for (const word of ['sgd', 'adam', 'adamw', 'radam', 'rosenbrock', 'quadratic', 'rastrigin', 'linear-warmup', 'untuned-warmup', 'exp-warmup', 'cosine', 'step']) {
    assert.match(r.stdout, new RegExp(`\\b${word}\\b`), word);
  }
  assert.match(r.stdout, /rho_threshold\s+number ≥ 4\s+default 5/);
});
