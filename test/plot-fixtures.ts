// Small output directories for the chart and report tests, made by the real CLI (built dist/) in a
// temporary directory: a compare on configs/rosenbrock.yaml, a compare with two RAdam thresholds and
// two seeds, a sweep with a diverging learning rate, a reproduce with claims, and a variance.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { repoRoot } from './helpers.js';

const root = repoRoot();

export function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'radam-run.js'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function run(args: string[]): void {
  const r = cli(args);
  if (r.code !== 0) throw new Error(`radam-run ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
}

export function tmp(prefix = 'radam-plot-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A hash of every file under `dir`, names and contents: equal before and after = nothing changed. */
export function treeHash(dir: string): string {
  const hash = createHash('sha256');
  const walk = (sub: string): void => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = join(sub, entry.name);
      if (entry.isDirectory()) {
        hash.update(`${rel}/\0`);
        walk(rel);
      } else hash.update(`${rel}\0${readFileSync(join(dir, rel), 'utf8')}\0`);
    }
  };
  walk('');
  return hash.digest('hex');
}

/** `compare configs/rosenbrock.yaml --steps 50 --set log_every=1`: sgd, adam, radam (threshold 5), one seed. */
export function rosenbrockOutput(dir = tmp()): string {
  const out = join(dir, 'rosenbrock');
  run(['compare', 'configs/rosenbrock.yaml', '--steps', '50', '--set', 'log_every=1', '--out', out, '-q', '-w', '1']);
  return out;
}

/**
 * A noisy quadratic with two seeds and two RAdams: `radam5` (threshold 5, torch) and `radam4`
 * (threshold 4, the paper), β₂ = 0.999, logged every 3rd step so the first rectified steps (6 and 5)
 * are not logged steps themselves and must come from summary.csv.
 */
export function thresholdsOutput(dir = tmp()): string {
  const config = join(dir, 'thresholds.yaml');
  writeFileSync(
    config,
    stringify({
      name: 'thresholds',
      steps: 40,
      seeds: [0, 1],
      log_every: 3,
      model: { kind: 'quadratic', curvatures: [0.5, 5], init: [2, -2], noise: 0.3 },
      optimizers: [
        { kind: 'adam', lr: 0.05 },
        { kind: 'radam', name: 'radam5', lr: 0.05 },
        { kind: 'radam', name: 'radam4', lr: 0.05, rho_threshold: 4 },
      ],
    }),
  );
  const out = join(dir, 'thresholds');
  run(['compare', config, '--out', out, '-q', '-w', '1']);
  return out;
}

/**
 * A sweep over lr ∈ {0.01, 0.1, 1} of SGD (diverges at 1: momentum 0.9 is stable only for lr·5 < 3.8) and
 * RAdam (does not), two seeds; `extra` adds swept parameters (e.g. steps, for a two-parameter sweep),
 * and the output goes to DIR/`name`.
 */
export function sweepOutput(dir = tmp(), extra: Record<string, unknown[]> = {}, name = 'sweep'): string {
  const config = join(dir, `${name}.yaml`);
  writeFileSync(
    config,
    stringify({
      name: 'qs',
      steps: 60,
      seeds: [0, 1],
      log_every: 5,
      model: { kind: 'quadratic', curvatures: [0.5, 5], init: [2, -2], noise: 0.3 },
      optimizers: [{ kind: 'sgd', lr: 0.01, momentum: 0.9 }, { kind: 'radam' }],
      sweep: { params: { lr: [0.01, 0.1, 1], ...extra } },
    }),
  );
  const out = join(dir, name);
  run(['sweep', config, '--out', out, '-q', '-w', '1']);
  return out;
}

/**
 * `reproduce` of a small experiment on Rosenbrock (SGD and RAdam, 50 steps) with two claims, one that
 * holds (RAdam rectifies from step 6) and one that does not (RAdam ends 5% lower than SGD): the
 * compare output plus claims.csv in one directory. reproduce exits 1 because a claim fails.
 */
export function reproduceOutput(dir = tmp()): string {
  const config = join(dir, 'claims.yaml');
  writeFileSync(
    config,
    stringify({
      name: 'rosenbrock-claims',
      steps: 50,
      log_every: 1,
      model: { kind: 'rosenbrock' },
      optimizers: [
        { kind: 'sgd', lr: 0.0005, momentum: 0.9 },
        { kind: 'radam', lr: 0.02, unrectified: 'skip' },
      ],
      claims: [
        { metric: 'first_adaptive_step', optimizer: 'radam', equals: 6, name: 'radam rectifies from step 6' },
        { metric: 'final_train_loss', optimizer: 'radam', better_than: 'sgd', by: 0.05, name: 'radam ends lower than sgd, by 5%' },
      ],
    }),
  );
  const out = join(dir, 'reproduce');
  const r = cli(['reproduce', config, '--out', out, '-q', '-w', '1']);
  if (r.code !== 1) throw new Error(`radam-run reproduce: expected exit 1 (one claim fails), got ${r.code}: ${r.stderr}`);
  return out;
}

/** `variance --beta2 0.99,0.999 --steps 200 --samples 500`: variance.csv with a beta2 column. */
export function varianceOutput(dir = tmp()): string {
  const out = join(dir, 'variance');
  run(['variance', '--beta2', '0.99,0.999', '--steps', '200', '--samples', '500', '--out', out]);
  return out;
}

/**
 * SGD with lr 3 on f(x) = ½x² multiplies x by −2 each step, so x_t = (−2)^(t−1) reaches 2¹²⁸, past the
 * largest float32 parameter, at step 129: that run diverges with an `Infinity` loss on its last row
 * (the step it diverged at is always written); RAdam finishes. Logged every 100 steps.
 */
export function divergedOutput(dir = tmp()): string {
  const config = join(dir, 'blow-up.yaml');
  writeFileSync(
    config,
    stringify({
      name: 'blow-up',
      steps: 600,
      log_every: 100,
      model: { kind: 'quadratic', curvatures: [1], init: [1] },
      // sgd: the first update overflows float32 (update_norm Infinity); fast: the loss grows 4× a
      // step and passes 1e4 × the initial 0.5 (floor 1) at step 9, a finite explosion
      optimizers: [
        { kind: 'sgd', lr: 1e39 },
        { kind: 'sgd', name: 'fast', lr: 3 },
        { kind: 'radam', lr: 0.1 },
      ],
    }),
  );
  const out = join(dir, 'blow-up');
  run(['compare', config, '--out', out, '-q', '-w', '1']);
  return out;
}
