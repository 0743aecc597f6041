// One run on several threads (RunSpec.threads, --threads): whole runs of an MLP and a CNN write
// byte-identical curves.csv and trace.csv on 1, 2 and 3 threads (and the threaded runs really split their
// products); the default threads per run is the cores divided among the runs that go at once; threads
// are not part of run ids, so a sweep resumes across --threads; and helper threads never keep the
// process alive.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadExperiment } from '../src/config/load.js';
import { planCompare } from '../src/run/plan.js';
import { poolShape } from '../src/run/execute.js';
import { buildRun, trainingStep } from '../src/train/train.js';
import { WasmKernels } from '../src/wasm/wasm-kernels.js';
import { writeSquaresIdx } from './idx-fixtures.js';
import { repoRoot, spawnCli } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'radam-threads-'));
after(() => rmSync(root, { recursive: true, force: true }));
const data = writeSquaresIdx(join(root, 'squares'), 300, 20);

// Big enough that some of their jobs split (checked below): the first layer of the mlp (2·16·784·192
// flops) and the conv layers, each pass over the batch of 16 one job (2·16·25·784·16 and
// 2·32·400·196·16 flops); the small ones stay on the run thread, as in real runs.
const MODELS = {
  mlp: 'model: { kind: mlp, hidden: [192, 32], activation: relu }',
  cnn: 'model: { kind: cnn, conv: [{ channels: 16, kernel: 5 }, { channels: 32, kernel: 5 }], dense: [32] }',
};

function writeConfig(name: keyof typeof MODELS): string {
  const file = join(root, `${name}.yaml`);
  writeFileSync(
    file,
    [
      `name: threads-${name}`,
      'steps: 12',
      'seeds: [0]',
      'log_every: 1',
      MODELS[name],
      `data: { kind: fashion-mnist, batch: 16, path: ${JSON.stringify(data)} }`,
      'eval: { every: 6, batches: 2 }',
      'optimizers: [{ kind: adam, lr: 0.003 }, { kind: radam, lr: 0.003 }]',
    ].join('\n'),
  );
  return file;
}

for (const name of ['mlp', 'cnn'] as const) {
  test(`${name}: compare --threads 2 and 3 write the same curves.csv and trace.csv as --threads 1, byte for byte`, () => {
    const config = writeConfig(name);
    const out = (t: number): string => join(root, `${name}-t${t}`);
    for (const t of [1, 2, 3]) {
      const r = spawnCli(['compare', config, '--out', out(t), '--threads', String(t), '--workers', '1', '--quiet']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(readFileSync(join(out(t), 'manifest.json'), 'utf8')).threads, t, 'manifest.json records the threads');
    }
    for (const file of ['curves.csv', 'trace.csv']) {
      const [one, two, three] = [1, 2, 3].map((t) => readFileSync(join(out(t), file)));
      assert.ok(one!.length > 500, `${file}: a real result`);
      assert.ok(one!.equals(two!), `${name} ${file} differs between 1 and 2 threads`);
      assert.ok(one!.equals(three!), `${name} ${file} differs between 1 and 3 threads`);
    }
  });

  test(`${name}: a run on 2 threads splits its large products (so the comparison above tests threads)`, () => {
    const spec = planCompare(loadExperiment(writeConfig(name)).experiment, { kernels: 'wasm' })[0]!;
    const run = buildRun({ ...spec, threads: 2 });
    try {
      for (let t = 1; t <= 2; t++) trainingStep(run, t);
      const kernels = run.kernels as WasmKernels;
      assert.equal(kernels.threads, 2);
      assert.ok(kernels.splitJobs > 0, `no job was split in two steps of the ${name}`);
    } finally {
      run.kernels.dispose?.();
    }
  });
}

test('threads per run: the cores divided among the runs that go at once, at least 1; --threads and --workers win', () => {
  assert.deepEqual(poolShape(1, {}, 2), { workers: 1, threads: 2 }, 'one run on 2 cores: both');
  assert.deepEqual(poolShape(3, {}, 2), { workers: 2, threads: 1 }, 'three runs on 2 cores: one each');
  assert.deepEqual(poolShape(2, {}, 8), { workers: 2, threads: 4 });
  assert.deepEqual(poolShape(3, {}, 8), { workers: 3, threads: 2 }, '8 cores ÷ 3 runs, rounded down');
  assert.deepEqual(poolShape(5, { workers: 1 }, 8), { workers: 1, threads: 8 }, 'one worker at a time takes every core');
  assert.deepEqual(poolShape(1, { threads: 3 }, 2), { workers: 1, threads: 3 }, '--threads is taken as given');
  assert.deepEqual(poolShape(0, {}, 4), { workers: 1, threads: 4 });
});

test('--threads takes an integer from 1 to 256 (each thread is a worker with its own instance)', () => {
  for (const bad of ['0', '257', '1000']) {
    const r = spawnCli(['compare', writeConfig('mlp'), '--threads', bad, '--out', join(root, 'never')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`--threads <n>.*expected an integer from 1 to 256, got "${bad}"`));
    assert.equal(existsSync(join(root, 'never')), false);
  }
});

test('threads are not part of run ids: a sweep run on 1 thread is complete for the same sweep on 2', () => {
  const config = join(root, 'sweep.yaml');
  writeFileSync(
    config,
    ['name: threads-sweep', 'steps: 5', 'seeds: [0]', MODELS.mlp, `data: { kind: fashion-mnist, batch: 16, path: ${JSON.stringify(data)} }`, 'optimizers: [{ kind: adam }]', 'sweep: { params: { optimizers.adam.lr: [0.001, 0.01] } }'].join('\n'),
  );
  const out = join(root, 'sweep');
  const first = spawnCli(['sweep', config, '--out', out, '--threads', '1', '--quiet']);
  assert.equal(first.code, 0, first.stderr);
  const again = spawnCli(['sweep', config, '--out', out, '--threads', '2', '--quiet']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /2 of 2 runs already complete/);
  assert.match(again.stderr, /ran 0, skipped 2/);
});

test('helper threads never keep the process alive: a threaded run left undisposed still lets node exit', () => {
  // A child process builds a 2-thread run, trains it, and ends without dispose: the helpers are
  // unref'd, so node exits on its own (a helper that held it would hit the timeout: status null).
  const url = (path: string): string => pathToFileURL(join(repoRoot(), 'dist', path)).href;
  const script = [
    `const { loadExperiment } = await import(${JSON.stringify(url('src/config/load.js'))});`,
    `const { planCompare } = await import(${JSON.stringify(url('src/run/plan.js'))});`,
    `const { buildRun, trainingStep } = await import(${JSON.stringify(url('src/train/train.js'))});`,
    `const spec = planCompare(loadExperiment(${JSON.stringify(writeConfig('mlp'))}).experiment, { kernels: 'wasm' })[0];`,
    'const run = buildRun({ ...spec, threads: 2 });',
    'trainingStep(run, 1);',
    "console.log('split', run.kernels.splitJobs);",
  ].join('\n');
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.signal, null, 'the child did not exit by itself');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^split [1-9]/);
});
