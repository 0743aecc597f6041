// `radam-run variance`: Monte Carlo of the adaptive learning rate's variance (the paper's Fig. 3)
// written to DIR/variance.csv, with a short table on stdout.
import { stringify } from 'csv-stringify/sync';
import { ConfigError } from '../config/errors.js';
import { simulateVariance } from '../optim/variance.js';
import { manifestHeader, OutputDir } from '../report/output.js';
import { num } from '../report/csv.js';
import { formatLoss } from '../report/table.js';

export interface VarianceFlags {
  beta2: string;
  steps: number;
  samples: number;
  seed: number;
  out?: string;
  force?: boolean;
}

export async function varianceCommand(flags: VarianceFlags): Promise<void> {
  const betas = flags.beta2.split(',').map((s) => Number(s.trim()));
  for (const [i, b] of betas.entries()) {
    if (!(b > 0 && b < 1)) throw new ConfigError(`--beta2: expected numbers in (0, 1) separated by commas, got "${flags.beta2.split(',')[i]}"`);
  }
  if (flags.samples < 2) throw new ConfigError(`--samples: expected at least 2, got ${flags.samples}`);
  const out = OutputDir.claim(flags.out ?? OutputDir.defaultPath('variance'), 'variance', { force: flags.force });
  try {
    const multi = betas.length > 1;
    const header = [...(multi ? ['beta2'] : []), 't', 'rho_t', 'var_sim', 'var_approx', 'r_t', 'r_sim'];
    const rows: (string | number)[][] = [];
    const lines: string[] = [];
    for (const beta2 of betas) {
      process.stderr.write(`simulating β₂ = ${beta2}: ${flags.samples} paths × ${flags.steps} steps…\n`);
      const sim = simulateVariance({ beta2, steps: flags.steps, samples: flags.samples, seed: flags.seed });
      for (const r of sim.rows) rows.push([...(multi ? [beta2] : []), r.t, num(r.rhoT), num(r.varSim), num(r.varApprox), num(r.rT), num(r.rSim)]);
      lines.push(`β₂ = ${beta2}  (Var[ψ_∞] simulated at t = ${sim.tInf}: ${formatLoss(sim.varInf)})`);
      lines.push(`${'t'.padStart(7)}  ${'rho_t'.padStart(9)}  ${'var_sim'.padStart(10)}  ${'var_approx'.padStart(10)}  ${'r_t'.padStart(8)}  ${'r_sim'.padStart(8)}`);
      const shown = new Set([1, 2, 3, 5, 6, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, flags.steps].filter((t) => t <= flags.steps));
      for (const r of sim.rows.filter((x) => shown.has(x.t))) {
        lines.push(`${String(r.t).padStart(7)}  ${r.rhoT.toFixed(3).padStart(9)}  ${formatLoss(r.varSim).padStart(10)}  ${formatLoss(r.varApprox).padStart(10)}  ${formatLoss(r.rT).padStart(8)}  ${formatLoss(r.rSim).padStart(8)}`);
      }
      lines.push('');
    }
    out.write('variance.csv', stringify([header, ...rows], { record_delimiter: 'unix' }));
    out.write(
      'manifest.json',
      JSON.stringify({ ...manifestHeader('variance'), command: process.argv.slice(1), beta2: betas, steps: flags.steps, samples: flags.samples, seed: flags.seed, files: ['variance.csv'] }, null, 2) + '\n',
    );
    out.commit();
    process.stdout.write(lines.join('\n') + '\n');
    process.stderr.write(`wrote ${out.target}/variance.csv\n`);
  } catch (err) {
    out.discard();
    throw err;
  }
}
