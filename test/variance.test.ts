// The variance simulation against closed forms: the paper's approximation for large t, divergence
// for t ≤ 2, and the CLI's CSV.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulateVariance, varianceApprox } from '../src/optim/variance.js';
import { rectification, rhoInf, rhoT } from '../src/optim/rectify.js';
import { repoRoot, assertClose } from './helpers.js';

test('the approximation ρ/(2(ρ−2)(ρ−4)) gives r_t = √(Var[ψ_∞]/Var[ψ_t]) exactly', () => {
  for (const t of [6, 10, 100, 1000]) {
    const ratio = Math.sqrt(varianceApprox(rhoInf(0.999)) / varianceApprox(rhoT(0.999, t)));
    assertClose(ratio, rectification(0.999, t), 1e-9, 0, `t=${t}`);
  }
  assert.ok(Number.isNaN(varianceApprox(4)));
});

const sim = simulateVariance({ beta2: 0.99, steps: 2000, samples: 8000, seed: 3 });

test('for large t the simulated Var[ψ_t] agrees with the approximation within a few percent (β₂ = 0.99)', () => {
  for (const t of [1000, 1500, 2000]) {
    const row = sim.rows[t - 1]!;
    assertClose(row.varSim, row.varApprox, 0.06, 0, `t=${t}`);
  }
  // and with the delta method for the EMA's stationary law: Var[ψ_∞] ≈ ¼·Var[v_∞] = (1−β₂)/(2(1+β₂))
  assertClose(sim.varInf, 0.01 / (2 * 1.99), 0.06);
});

test('for t ≤ 2 the simulated variance is huge (E[1/g²] diverges), for t = 3 already moderate', () => {
  assert.ok(sim.rows[0]!.varSim > 100, `t=1: ${sim.rows[0]!.varSim}`);
  assert.ok(sim.rows[1]!.varSim > 2, `t=2: ${sim.rows[1]!.varSim}`);
  assert.ok(sim.rows[0]!.varSim > 1e4 * sim.rows[999]!.varSim);
  assert.ok(Number.isNaN(sim.rows[0]!.varApprox) && Number.isNaN(sim.rows[0]!.rT));
});

test('the simulated variance decreases with t and r_sim tracks r_t once ρ_t is large', () => {
  for (const [a, b] of [[3, 10], [10, 100], [100, 1000]] as const) assert.ok(sim.rows[a - 1]!.varSim > sim.rows[b - 1]!.varSim);
  assertClose(sim.rows[499]!.rSim, sim.rows[499]!.rT, 0.05);
  assertClose(sim.rows[1999]!.rSim, 1, 1e-12);
});

test('the same seed gives the same simulation; another seed a different one', () => {
  const a = simulateVariance({ beta2: 0.9, steps: 50, samples: 500, seed: 1 });
  const b = simulateVariance({ beta2: 0.9, steps: 50, samples: 500, seed: 1 });
  const c = simulateVariance({ beta2: 0.9, steps: 50, samples: 500, seed: 2 });
  assert.deepEqual(a.rows, b.rows);
  assert.notDeepEqual(a.rows, c.rows);
});

test('radam-run variance writes variance.csv with the documented columns, and a beta2 column for several β₂', () => {
  const dir = mkdtempSync(join(tmpdir(), 'radam-var-'));
  const bin = join(repoRoot(), 'bin', 'radam-run.js');
  const one = spawnSync(process.execPath, [bin, 'variance', '--beta2', '0.9', '--steps', '30', '--samples', '200', '--out', join(dir, 'a')], { encoding: 'utf8' });
  assert.equal(one.status, 0, one.stderr);
  const a = readFileSync(join(dir, 'a', 'variance.csv'), 'utf8').trim().split('\n');
  assert.equal(a[0], 't,rho_t,var_sim,var_approx,r_t,r_sim');
  assert.equal(a.length, 31);
  const two = spawnSync(process.execPath, [bin, 'variance', '--beta2', '0.9,0.99', '--steps', '20', '--samples', '100', '--out', join(dir, 'b')], { encoding: 'utf8' });
  assert.equal(two.status, 0, two.stderr);
  const b = readFileSync(join(dir, 'b', 'variance.csv'), 'utf8').trim().split('\n');
  assert.equal(b[0], 'beta2,t,rho_t,var_sim,var_approx,r_t,r_sim');
  assert.equal(b.length, 41);
  assert.ok(b[21]!.startsWith('0.99,1,1,'));
  const bad = spawnSync(process.execPath, [bin, 'variance', '--beta2', '1.5', '--out', join(dir, 'c')], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--beta2: expected numbers in \(0, 1\)/);
});
