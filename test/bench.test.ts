// `npm run bench` starts, prints its header and a table, and writes its JSON — in --quick mode, one
// section, without the TensorFlow.js peers. Smoke only: no timing is asserted here, ever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './helpers.js';

const root = repoRoot();
const bench = join(root, 'dist', 'bench', 'bench.js');

function run(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bench, ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('bench --quick --no-peers --only optim prints the header and the optimizer table and writes JSON', { skip: !existsSync(bench) && 'dist/bench/bench.js not built' }, () => {
  const json = join(mkdtempSync(join(tmpdir(), 'radam-run-bench-')), 'results.json');
  const r = run(['--quick', '--no-peers', '--only', 'optim', '--json', json]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.startsWith('# radam-run bench (--quick)\n'), r.stdout.slice(0, 200));
  assert.match(r.stdout, /## Optimizer step: ns per parameter/);
  assert.doesNotMatch(r.stdout, /## matmul/);
  const results = JSON.parse(readFileSync(json, 'utf8')) as { meta: { quick: boolean }; optimizers: { optimizer: string; params: number; ours: Record<string, { nsPerParam: number }> }[] };
  assert.equal(results.meta.quick, true);
  // 4 optimizers × 3 sizes, each with a positive, finite time for the js kernels
  assert.equal(results.optimizers.length, 12);
  for (const row of results.optimizers) {
    const ns = row.ours['js']!.nsPerParam;
    assert.ok(Number.isFinite(ns) && ns > 0, `${row.optimizer} at ${row.params}: ${ns}`);
  }
});

test('bench rejects an unknown kernel implementation by listing the known ones', { skip: !existsSync(bench) && 'dist/bench/bench.js not built' }, () => {
  const r = run(['--kernels', 'gpu', '--no-peers']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--kernels: expected some of js(, wasm)?, got "gpu"/);
});
