// Sweeps: deterministic plans, disjoint covering shards, resume after an interrupt, corrupt entries,
// merge == unsharded byte for byte, and aggregation checked against a hand computation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { stringify } from 'yaml';
import { loadExperiment } from '../src/config/load.js';
import { ConfigError } from '../src/base/errors.js';
import { planRuns, shardRuns, parseShard } from '../src/run/sweep-plan.js';
import { runSweep } from '../src/run/sweep.js';
import { mergeSweeps } from '../src/run/merge.js';
import { aggregate, type RunOutcome } from '../src/results/aggregate.js';
import { repoRoot, assertClose } from './helpers.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'radam-sweep-'));
}

const base = {
  name: 'qs',
  steps: 60,
  seeds: [0, 1],
  log_every: 20,
  model: { kind: 'quadratic', curvatures: [0.5, 5], init: [2, -2], noise: 0.3 },
  optimizers: [{ kind: 'sgd', lr: 0.01, momentum: 0.9 }, { kind: 'adam' }, { kind: 'radam' }],
};

function writeConfig(dir: string, extra: Record<string, unknown>): string {
  const file = join(dir, 'sweep.yaml');
  writeFileSync(file, stringify({ ...base, ...extra }));
  return file;
}

const grid = { sweep: { method: 'grid', params: { lr: [0.01, 0.1], 'optimizers.adam.eps': [1e-8, 1e-4] } } };

test('a grid plan is deterministic, crosses the axes and runs a point that does not touch an optimizer once', () => {
  const file = writeConfig(tmp(), grid);
  const a = planRuns(loadExperiment(file));
  const b = planRuns(loadExperiment(file));
  assert.deepEqual(a.runs.map((r) => r.id), b.runs.map((r) => r.id));
  assert.equal(a.points, 4);
  // per lr: sgd × 2 seeds, adam × 2 eps × 2 seeds, radam × 2 seeds = 8 distinct runs; 2 lrs → 16
  assert.equal(a.runs.length, 16);
  assert.equal(new Set(a.runs.map((r) => r.id)).size, 16);
  const adam = a.runs.filter((r) => r.optimizer === 'adam');
  assert.deepEqual(new Set(adam.map((r) => `${r.spec.optimizer.lr}/${(r.spec.optimizer as { eps: number }).eps}`)), new Set(['0.01/1e-8', '0.01/0.0001', '0.1/1e-8', '0.1/0.0001']));
  // the adam-only axis is not part of the sgd runs' points
  assert.deepEqual(Object.keys(a.runs.find((r) => r.optimizer === 'sgd')!.point), ['lr']);
});

test('a sweep with claims about the sweep (lr_spread, points) plans like one without them', () => {
  const dir = tmp();
  const withClaims = planRuns(
    loadExperiment(
      writeConfig(dir, {
        ...grid,
        claims: [
          { metric: 'lr_spread', optimizer: 'radam', better_than: 'adam' },
          { metric: 'final_train_loss', optimizer: 'radam', better_than: 'adam', point: { lr: 0.1 } },
        ],
      }),
    ),
  );
  const without = planRuns(loadExperiment(writeConfig(dir, grid)));
  assert.deepEqual(withClaims.runs.map((r) => r.id), without.runs.map((r) => r.id));
});

test('run ids of a text-file sweep do not depend on where the checkout lives', () => {
  const ids = ['a', 'b'].map((where) => {
    const dir = join(tmp(), where, 'project');
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(join(dir, 'data', 'corpus.txt'), 'the quick brown fox jumps over the lazy dog. '.repeat(40));
    const file = join(dir, 'exp.yaml');
    writeFileSync(
      file,
      stringify({
        name: 't',
        steps: 5,
        model: { kind: 'lstm', embed: 4, hidden: 4 },
        data: { kind: 'text-file', path: 'data/corpus.txt', seq_len: 8, batch: 2 },
        optimizers: [{ kind: 'adam' }],
        sweep: { params: { lr: [0.01, 0.1] } },
      }),
    );
    return planRuns(loadExperiment(file)).runs.map((r) => r.id);
  });
  assert.deepEqual(ids[0], ids[1]);
});

test('changing one value changes only the ids of the runs it touches', () => {
  const dir = tmp();
  const before = planRuns(loadExperiment(writeConfig(dir, grid)));
  const after = planRuns(loadExperiment(writeConfig(dir, { sweep: { method: 'grid', params: { lr: [0.01, 0.1], 'optimizers.adam.eps': [1e-8, 1e-3] } } })));
  const changed = after.runs.filter((r) => !before.runs.some((b) => b.id === r.id));
  assert.equal(changed.length, 4); // adam × eps=1e-3 × 2 lr × 2 seeds
  assert.ok(changed.every((r) => r.optimizer === 'adam' && r.point['optimizers.adam.eps'] === 1e-3));
});

test('a random plan is a seeded function of sweep.seed, with log-uniform draws inside their bounds', () => {
  const dir = tmp();
  const cfg = (seed: number) => writeConfig(dir, { sweep: { method: 'random', samples: 5, seed, params: { lr: { log_uniform: [1e-4, 1e-1] }, 'optimizers.radam.rho_threshold': { choice: [4, 5] } } } });
  const a = planRuns(loadExperiment(cfg(7)));
  const b = planRuns(loadExperiment(cfg(7)));
  const c = planRuns(loadExperiment(cfg(8)));
  assert.deepEqual(a.runs.map((r) => r.id), b.runs.map((r) => r.id));
  assert.notDeepEqual(a.runs.map((r) => r.id), c.runs.map((r) => r.id));
  for (const r of a.runs) {
    const lr = r.point.lr as number;
    assert.ok(lr >= 1e-4 && lr <= 1e-1, `lr ${lr}`);
  }
  assert.equal(new Set(a.runs.map((r) => r.point.lr)).size, 5);
});

test('shards are disjoint, cover the sweep, and are balanced', () => {
  const plan = planRuns(loadExperiment(writeConfig(tmp(), grid)));
  for (const n of [1, 2, 3, 5, 16]) {
    const shards = Array.from({ length: n }, (_, k) => shardRuns(plan, { index: k + 1, count: n }).map((r) => r.id));
    const all = shards.flat();
    assert.equal(all.length, plan.runs.length, `n=${n}`);
    assert.deepEqual(new Set(all), new Set(plan.runs.map((r) => r.id)));
    const sizes = shards.map((s) => s.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `n=${n}: ${sizes}`);
  }
});

test('bad sweeps are clear errors: unknown path, empty grid, too many shards, malformed --shard', () => {
  const dir = tmp();
  const unknown = writeConfig(dir, { sweep: { params: { lrr: [0.1] } } });
  assert.throws(() => planRuns(loadExperiment(unknown)), (e: unknown) => e instanceof ConfigError && /sweep\.params\."lrr".*did you mean "lr"/.test(e.message));
  const badOpt = writeConfig(dir, { sweep: { params: { 'optimizers.adm.lr': [0.1] } } });
  assert.throws(() => planRuns(loadExperiment(badOpt)), (e: unknown) => e instanceof ConfigError && /optimizers\.adm\.lr.*did you mean "adam"/.test(e.message));
  const empty = writeConfig(dir, { sweep: { params: { lr: [] } } });
  assert.throws(() => loadExperiment(empty), (e: unknown) => e instanceof ConfigError && /sweep\.params\.lr/.test(e.message));
  const invalidValue = writeConfig(dir, { sweep: { params: { lr: [-1] } } });
  assert.throws(() => planRuns(loadExperiment(invalidValue)), (e: unknown) => e instanceof ConfigError && /lr: expected a number > 0, got -1/.test(e.message));
  const plan = planRuns(loadExperiment(writeConfig(dir, grid)));
  assert.throws(() => shardRuns(plan, { index: 1, count: 17 }), /expected at most 16 shards/);
  assert.throws(() => parseShard('0/3'), ConfigError);
  assert.throws(() => parseShard('4/3'), ConfigError);
  assert.deepEqual(parseShard('2/3'), { index: 2, count: 3 });
});

function aggregateFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of ['runs.csv', 'sweep_summary.csv', 'sweep_summary.json', 'lr_robustness.csv', 'sweep.json']) out[f] = readFileSync(join(dir, f), 'utf8');
  for (const id of readdirSync(join(dir, 'runs'))) {
    for (const f of ['curves.csv', 'trace.csv', 'spec.json']) out[`runs/${id}/${f}`] = readFileSync(join(dir, 'runs', id, f), 'utf8');
    const summary = JSON.parse(readFileSync(join(dir, 'runs', id, 'summary.json'), 'utf8'));
    delete summary.summary.wall_seconds;
    delete summary.summary.steps_per_second;
    out[`runs/${id}/summary.json`] = JSON.stringify(summary);
  }
  return out;
}

test('merging all shards reproduces the unsharded sweep byte for byte (timings aside)', async () => {
  const dir = tmp();
  const file = writeConfig(dir, grid);
  const loaded = loadExperiment(file);
  await runSweep(loaded, { out: join(dir, 'whole'), workers: 2 });
  for (const k of [1, 2, 3]) await runSweep(loaded, { out: join(dir, `shard${k}`), shard: { index: k, count: 3 }, workers: 1 });
  const merged = mergeSweeps([1, 2, 3].map((k) => join(dir, `shard${k}`)), join(dir, 'merged'));
  assert.equal(merged.complete, 16);
  assert.deepEqual(aggregateFiles(join(dir, 'merged')), aggregateFiles(join(dir, 'whole')));
});

test('two shards running at the same time into one --out leave complete aggregates', async () => {
  const dir = tmp();
  const loaded = loadExperiment(writeConfig(dir, grid));
  const out = join(dir, 'shared');
  await Promise.all([runSweep(loaded, { out, shard: { index: 1, count: 2 }, workers: 1 }), runSweep(loaded, { out, shard: { index: 2, count: 2 }, workers: 1 })]);
  const summary = JSON.parse(readFileSync(join(out, 'sweep_summary.json'), 'utf8'));
  assert.equal(summary.runs_complete, 16);
  assert.equal(readFileSync(join(out, 'runs.csv'), 'utf8').trim().split('\n').length, 17);
});

test('merge refuses outputs of different sweeps', async () => {
  const dir = tmp();
  await runSweep(loadExperiment(writeConfig(dir, { ...grid, steps: 5 })), { out: join(dir, 'a'), shard: { index: 1, count: 8 } });
  await runSweep(loadExperiment(writeConfig(dir, { ...grid, steps: 6 })), { out: join(dir, 'b'), shard: { index: 1, count: 8 } });
  assert.throws(() => mergeSweeps([join(dir, 'a'), join(dir, 'b')], join(dir, 'm')), (e: unknown) => e instanceof ConfigError && /different sweeps cannot be merged/.test(e.message));
});

test('an interrupted sweep resumes: finished runs are kept and not redone, the result equals an uninterrupted run', async () => {
  const dir = tmp();
  const loaded = loadExperiment(writeConfig(dir, grid));
  const controller = new AbortController();
  let finished = 0;
  const first = await runSweep(loaded, {
    out: join(dir, 'resumed'),
    workers: 1,
    signal: controller.signal,
    events: {
      finished() {
        if (++finished === 5) controller.abort();
      },
    },
  });
  assert.equal(first.interrupted, true);
  assert.equal(first.complete, 5);
  assert.equal(first.remaining, 11);
  assert.equal(readdirSync(join(dir, 'resumed', 'runs')).filter((e) => !e.startsWith('.')).length, 5);
  const second = await runSweep(loaded, { out: join(dir, 'resumed'), workers: 2 });
  assert.equal(second.skipped, 5);
  assert.equal(second.ran, 11);
  assert.equal(second.complete, 16);
  await runSweep(loaded, { out: join(dir, 'straight'), workers: 2 });
  assert.deepEqual(aggregateFiles(join(dir, 'resumed')), aggregateFiles(join(dir, 'straight')));
});

test('a corrupt run directory and a foreign file in runs/ are reported and do not crash the resume', async () => {
  const dir = tmp();
  const loaded = loadExperiment(writeConfig(dir, grid));
  const out = join(dir, 'out');
  await runSweep(loaded, { out, shard: { index: 1, count: 4 } });
  const victim = readdirSync(join(out, 'runs'))[0]!;
  writeFileSync(join(out, 'runs', victim, 'summary.json'), '{ not json');
  writeFileSync(join(out, 'runs', 'stray.txt'), 'hello');
  mkdirSync(join(out, 'runs', 'deadbeef0000'));
  const notices: string[] = [];
  const result = await runSweep(loaded, { out, events: { notice: (m) => notices.push(m) } });
  assert.equal(result.complete, 16);
  assert.ok(notices.some((n) => n.includes(`runs/${victim}: incomplete or corrupt`)), notices.join('\n'));
  assert.ok(notices.some((n) => n.includes('2 entries in runs/ not part of this sweep')), notices.join('\n'));
  assert.equal(result.skipped, 3); // shard 1/4 held 4 runs, one of them corrupted
  assert.ok(JSON.parse(readFileSync(join(out, 'runs', victim, 'summary.json'), 'utf8')).id === victim);
});

test('a summary.json with intact checksums but a field of the wrong kind is redone, not trusted', async () => {
  const dir = tmp();
  const loaded = loadExperiment(writeConfig(dir, grid));
  const out = join(dir, 'out');
  await runSweep(loaded, { out, shard: { index: 1, count: 8 } });
  const victim = readdirSync(join(out, 'runs'))[0]!;
  const file = join(out, 'runs', victim, 'summary.json');
  const stored = JSON.parse(readFileSync(file, 'utf8'));
  // the checksums of the CSVs still match; the loss the aggregates read is now text
  writeFileSync(file, JSON.stringify({ ...stored, summary: { ...stored.summary, final_train_loss: '0.5' } }, null, 2) + '\n');
  const notices: string[] = [];
  const result = await runSweep(loaded, { out, shard: { index: 1, count: 8 }, events: { notice: (m) => notices.push(m) } });
  assert.ok(notices.includes(`runs/${victim}: incomplete or corrupt (summary.json is not a run summary (summary.final_train_loss)); it will be redone`), notices.join('\n'));
  assert.equal(result.ran, 1);
  assert.equal(typeof JSON.parse(readFileSync(file, 'utf8')).summary.final_train_loss, 'number');
});

test('merge refuses a shard whose sweep.json names a run by a path instead of an id', async () => {
  const dir = tmp();
  const loaded = loadExperiment(writeConfig(dir, grid));
  const shard = join(dir, 'shard');
  await runSweep(loaded, { out: shard, shard: { index: 1, count: 8 } });
  const plan = JSON.parse(readFileSync(join(shard, 'sweep.json'), 'utf8'));
  plan.runs[0].id = '../../elsewhere';
  writeFileSync(join(shard, 'sweep.json'), JSON.stringify(plan, null, 2) + '\n');
  assert.throws(
    () => mergeSweeps([shard], join(dir, 'merged')),
    (e: unknown) => e instanceof ConfigError && e.message === `${shard}/sweep.json: runs[0].id: expected a run id (letters, digits, - and _), got "../../elsewhere"`,
  );
  assert.equal(existsSync(join(dir, 'merged')), false);
});

test('aggregation matches a hand computation: mean, sample std, min, max over seeds; diverged runs counted, not averaged', () => {
  const o = (optimizer: string, lr: number, seed: number, loss: number | null, diverged = false): RunOutcome => ({
    id: `${optimizer}${lr}${seed}`,
    optimizer,
    seed,
    lr,
    point: { lr },
    finalTrainLoss: loss,
    bestValLoss: loss === null ? null : loss + 1,
    finalValAccuracy: null,
    finalTestAccuracy: null,
    diverged,
    failed: false,
  });
  const agg = aggregate([o('adam', 0.1, 0, 1), o('adam', 0.1, 1, 2), o('adam', 0.1, 2, 4), o('adam', 1, 0, 0.5), o('adam', 1, 1, null, true), o('sgd', 0.1, 0, 3)]);
  const p = agg.points.find((x) => x.optimizer === 'adam' && x.lr === 0.1)!;
  // mean (1+2+4)/3 = 7/3; deviations −4/3, −1/3, 5/3 → Σ² = (16+1+25)/9 = 42/9; / (n−1=2) = 7/3; std √(7/3)
  assertClose(p.final_train_loss_mean!, 7 / 3, 1e-15);
  assertClose(p.final_train_loss_std!, Math.sqrt(7 / 3), 1e-15);
  assert.equal(p.final_train_loss_min, 1);
  assert.equal(p.final_train_loss_max, 4);
  assertClose(p.best_val_loss_mean!, 7 / 3 + 1, 1e-15);
  const q = agg.points.find((x) => x.optimizer === 'adam' && x.lr === 1)!;
  assert.equal(q.diverged, 1);
  assert.equal(q.final_train_loss_mean, 0.5);
  assert.equal(q.final_train_loss_std, null);
  // best point skips points with diverged runs: adam's best is lr 0.1 (7/3), not lr 1 (0.5 but one seed diverged)
  assert.equal(agg.best.find((b) => b.optimizer === 'adam')!.lr, 0.1);
  const rob = agg.lr_robustness.filter((r) => r.optimizer === 'adam');
  assert.deepEqual(rob.map((r) => [r.lr, r.final_train_loss_mean, r.diverged_points]), [[0.1, 7 / 3, 0], [1, null, 1]]);
});

test('a sweep point whose loss explodes (finitely) is diverged: status, reason, and out of the best point and lr robustness', async () => {
  // f = ½x² from x₀ = 2, SGD: x_t = (1 − lr)·x_{t−1}. lr 0.5 and 1.2 converge (|1 − lr| = 0.5, 0.2: 1.2 is the best point); lr 2.5
  // grows the loss 2.25× per step, 2·2.25^{t−1}, past 1e4 × the initial 2 at step 13 (2.25¹² ≈ 1.7e4),
  // though it stays finite far beyond the 30 steps run here
  const dir = tmp();
  const file = writeConfig(dir, {
    steps: 30,
    seeds: [0],
    model: { kind: 'quadratic', curvatures: [1], init: [2] },
    optimizers: [{ kind: 'sgd', lr: 0.5 }],
    sweep: { method: 'grid', params: { lr: [0.5, 1.2, 2.5] } },
  });
  const out = join(dir, 'out');
  await runSweep(loadExperiment(file), { out, workers: 1 });
  const runs = readFileSync(join(out, 'runs.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  // columns: id, optimizer, seed, lr, effective_lr, status, …
  assert.deepEqual(runs.map((r) => [r[3], r[5]]), [['0.5', 'ok'], ['1.2', 'ok'], ['2.5', 'diverged']]);
  const id = runs[2]![0]!;
  const stored = JSON.parse(readFileSync(join(out, 'runs', id, 'summary.json'), 'utf8'));
  assert.equal(stored.status, 'diverged');
  assert.deepEqual([stored.summary.diverged_at, stored.summary.diverged_reason], [13, 'loss 3.37e4 > 1e4 × initial 2']);
  const agg = JSON.parse(readFileSync(join(out, 'sweep_summary.json'), 'utf8'));
  assert.deepEqual(agg.best.map((b: { lr: number }) => b.lr), [1.2]);
  assert.deepEqual(
    agg.lr_robustness.map((r: { lr: number; final_train_loss_mean: number | null; diverged_points: number }) => [r.lr, r.final_train_loss_mean === null, r.diverged_points]),
    [[0.5, false, 0], [1.2, false, 0], [2.5, true, 1]],
  );
});

test('Ctrl-C on the CLI keeps finished runs, says how many remain, and the rerun resumes', async () => {
  const dir = tmp();
  const file = writeConfig(dir, { ...grid, steps: 20000 });
  const out = join(dir, 'out');
  const bin = join(repoRoot(), 'bin', 'radam-run.js');
  // the CLI interrupts itself right after it reports its first finished run (see sigint-after.ts):
  // sent from here on reading that line, the signal could come after all 16 runs were done
  const hook = new URL('./sigint-after.js', import.meta.url).href;
  const env = { ...process.env, NO_COLOR: '1', RADAM_TEST_SIGINT_AFTER: '^\\[ ?1/16\\]' };
  const child = spawn(process.execPath, ['--import', hook, bin, 'sweep', file, '--out', out, '--workers', '1'], { env });
  let stderr = '';
  const code = await new Promise<number | null>((resolve) => {
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (c) => resolve(c));
  });
  assert.match(stderr, /^\[ ?1\/16\]/m);
  assert.equal(code, 130, stderr);
  const kept = readdirSync(join(out, 'runs')).filter((e) => !e.startsWith('.'));
  assert.ok(kept.length >= 1 && kept.length < 16, `kept ${kept.length}`);
  assert.match(stderr, new RegExp(`interrupted: ${kept.length}/16 runs complete .*; ${16 - kept.length} run\\(s\\) of this shard remain`));
  assert.equal(existsSync(join(out, 'sweep.json')), true);
  const rerun = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const again = spawn(process.execPath, [bin, 'sweep', file, '--out', out, '-q'], { env: { ...process.env, NO_COLOR: '1' } });
    let err = '';
    again.stderr.on('data', (d: Buffer) => (err += d.toString()));
    again.on('exit', (c) => resolve({ code: c, stderr: err }));
  });
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stderr, new RegExp(`${kept.length} of 16 runs already complete`));
  assert.match(rerun.stderr, /16\/16 runs complete/);
});

test('a summary.json that is not an object, or whose checksums are not numbers, is called what it is when redone', async () => {
  const dir = tmp();
  const loaded = loadExperiment(writeConfig(dir, grid));
  const out = join(dir, 'out');
  await runSweep(loaded, { out, shard: { index: 1, count: 8 } });
  const [first, second] = readdirSync(join(out, 'runs'));
  writeFileSync(join(out, 'runs', first!, 'summary.json'), 'null\n');
  const file = join(out, 'runs', second!, 'summary.json');
  const stored = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, JSON.stringify({ ...stored, files: { ...stored.files, 'curves.csv': { ...stored.files['curves.csv'], rows: 'x' } } }));
  const notices: string[] = [];
  const result = await runSweep(loaded, { out, shard: { index: 1, count: 8 }, events: { notice: (m) => notices.push(m) } });
  // neither names another run: one has no fields at all, the other a row count that is text
  assert.ok(notices.includes(`runs/${first}: incomplete or corrupt (summary.json is not a run summary (its shape)); it will be redone`), notices.join('\n'));
  assert.ok(notices.includes(`runs/${second}: incomplete or corrupt (summary.json is not a run summary (files.curves.csv.rows)); it will be redone`), notices.join('\n'));
  assert.equal(result.ran, 2);
});
