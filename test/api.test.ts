// The programmatic API as a user imports it: `import { loadConfig, planRuns, runSweep } from 'radam-run'`
// (resolved through package.json "exports", as from an installed package).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, planRuns, runSweep, ConfigError, rhoT, rectification, Arena, createKernels, createOptimizer, OptimizerSpec } from 'radam-run';

test('the package entry exports a working loadConfig → planRuns → runSweep pipeline', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'radam-api-'));
  const file = join(dir, 's.yaml');
  writeFileSync(
    file,
    ['name: api', 'steps: 30', 'model: { kind: quadratic, curvatures: [1, 4], init: [1, 1] }', 'optimizers: [{ kind: sgd, lr: 0.1 }, { kind: radam }]', 'sweep: { params: { lr: [0.01, 0.1] } }'].join('\n'),
  );
  const loaded = loadConfig(file, { set: ['steps=20'] });
  assert.equal(loaded.experiment.steps, 20);
  const plan = planRuns(loaded);
  assert.equal(plan.runs.length, 4);
  const result = await runSweep(loaded, { out: join(dir, 'out'), workers: 1 });
  assert.equal(result.complete, 4);
  assert.deepEqual(result.aggregate.best.map((b) => b.optimizer), ['sgd', 'radam']);
  // the closed forms are exported too
  assert.ok(Math.abs(rhoT(0.999, 5) - 4.995998) < 1e-6);
  assert.ok(Math.abs(rectification(0.999, 6) - 0.025821) < 1e-6);
  assert.throws(() => loadConfig(join(dir, 'missing.yaml')), ConfigError);
});

test('the package entry lets a user step an optimizer of the core on their own parameters', () => {
  // SGD with momentum 0.9 on θ = [1, −2] with a constant gradient g = [2, 4], lr 0.1 (torch.optim.SGD):
  //   step 1: b = g,            θ = [1 − 0.2, −2 − 0.4]            = [0.8, −2.4]
  //   step 2: b = 0.9·g + g,    θ = [0.8 − 0.1·3.8, −2.4 − 0.1·7.6] = [0.42, −3.16]
  const spec = OptimizerSpec.parse({ kind: 'sgd', lr: 0.1, momentum: 0.9 });
  const { value, arena } = Arena.build((a) => {
    const { w, g } = a.param('theta', [2]);
    return { w, g, optimizer: createOptimizer(spec, 2, a) };
  }, createKernels('js'));
  assert.equal(arena.byteLength > 0, true);
  value.w.set([1, -2]);
  for (const t of [1, 2]) {
    value.g.set([2, 4]);
    value.optimizer.step(value.w, value.g, t, 0.1);
  }
  assert.ok(Math.abs(value.w[0]! - 0.42) < 1e-6 && Math.abs(value.w[1]! + 3.16) < 1e-6, `got ${value.w}`);
});
