// The end-to-end number of `npm run bench`: wall time of the CLI's `compare` on a shipped config
// (configs/lstm.json: three optimizers on the worker pool) under each kernel set, as a user runs it:
// a fresh `node bin/radam-run.js compare CONFIG --kernels K` process, start to exit, output to a
// temporary directory. One run per kernel set (each takes seconds to minutes), so expect noise.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { KernelSet } from '../src/wasm/kernels.js';
import { num, type Table } from './table.js';

export interface CompareRow {
  config: string;
  steps: number | undefined;
  /** Wall seconds per kernel set. */
  seconds: Record<string, number>;
}

/** Time `compare` of `config` once per kernel set; `steps` overrides the config's (quick runs). */
export function benchCompare(root: string, config: string, kernels: KernelSet[], steps: number | undefined, notes: string[]): { table: Table; row: CompareRow | undefined } {
  const rel = relative(root, config);
  const row: CompareRow = { config: rel, steps, seconds: {} };
  if (!existsSync(config)) {
    notes.push(`compare: ${rel} not found; not timed`);
    return { table: { title: 'compare wall time', columns: ['<config'], rows: [] }, row: undefined };
  }
  const out = mkdtempSync(join(tmpdir(), 'radam-run-bench-compare-'));
  try {
    for (const k of kernels) {
      const args = [join(root, 'bin', 'radam-run.js'), 'compare', config, '--kernels', k, '-q', '--force', '-o', join(out, k)];
      if (steps !== undefined) args.push('--steps', String(steps));
      const started = performance.now();
      const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
      const seconds = (performance.now() - started) / 1000;
      if (r.status !== 0) {
        notes.push(`compare ${rel} --kernels ${k}: exited ${r.status} (${r.stderr.trim().split('\n').pop()})`);
        continue;
      }
      row.seconds[k] = seconds;
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const base = row.seconds['js'];
  return {
    row,
    table: {
      title: `compare ${rel}: wall time of the whole command`,
      columns: ['<config', 'steps', ...kernels.map((k) => `${k} s`), ...kernels.filter((k) => k !== 'js').map((k) => `js ÷ ${k}`)],
      rows: [
        [
          rel,
          steps === undefined ? 'config' : String(steps),
          ...kernels.map((k) => num(row.seconds[k])),
          ...kernels.filter((k) => k !== 'js').map((k) => (base === undefined || row.seconds[k] === undefined ? '–' : `${num(base / row.seconds[k]!)}×`)),
        ],
      ],
      notes: [
        '`node bin/radam-run.js compare CONFIG --kernels K -q` in a fresh process, start to exit (worker pool, every run of the config,',
        '  output files written); one run each, so it moves with the machine\'s load more than the medians above.',
      ],
    },
  };
}
