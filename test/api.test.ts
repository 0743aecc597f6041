// The programmatic API as a user imports it: `import { loadConfig, planRuns, runSweep } from 'radam-run'`
// (resolved through package.json "exports", as from an installed package).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, planRuns, runSweep, ConfigError, rhoT, rectification } from 'radam-run';

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
