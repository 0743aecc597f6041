// `radam-run variance`: Monte Carlo of the adaptive learning rate's variance (the paper's Fig. 3)
// written to DIR/variance.csv, with a short table on stdout.
import cliProgress from 'cli-progress';
import { ConfigError } from '../base/errors.js';
import { formatCount } from '../config/data.js';
import { simulateVariance, simulatedSteps } from '../optim/variance.js';
import { manifestHeader, OutputDir } from '../results/output-dir.js';
import { provenance } from '../results/provenance.js';
import { SaveError } from '../results/fs-errors.js';
import { formatLoss } from '../results/cells.js';
import { varianceCsv, type VarianceSimulation } from '../results/variance-file.js';

export interface VarianceFlags {
  beta2: string;
  steps: number;
  samples: number;
  seed: number;
  out?: string;
  force?: boolean;
}

/** Paths simulated at once: each holds one float64 of state, so 10⁷ paths are 80 MB. */
const MAX_SAMPLES = 10_000_000;
/** Recorded steps: variance.csv (and the rows kept until it is written) has one row per step. */
const MAX_STEPS = 1_000_000;
/** Gradient draws (paths × simulated steps, over every β₂): 10¹⁰ is some minutes of one core. */
const MAX_DRAWS = 1e10;

export async function varianceCommand(flags: VarianceFlags): Promise<void> {
  const betas = flags.beta2.split(',').map((s) => Number(s.trim()));
  for (const [i, b] of betas.entries()) {
    if (!(b > 0 && b < 1)) throw new ConfigError(`--beta2: expected numbers in (0, 1) separated by commas, got "${flags.beta2.split(',')[i]}"`);
  }
  if (flags.samples < 2) throw new ConfigError(`--samples: expected at least 2, got ${flags.samples}`);
  const draws = checkWork(betas, flags.steps, flags.samples);
  const path = flags.out ?? OutputDir.defaultPath('variance');
  // check --out now, but hold it only while writing: the simulation is synchronous, so a signal
  // during it ends the process at once, and then nothing of it is left on disk
  OutputDir.claim(path, 'variance', { force: flags.force }).discard();
  const progress = drawsProgress(draws);
  let out: OutputDir | undefined;
  try {
    const simulations: VarianceSimulation[] = [];
    const lines: string[] = [];
    let drawn = 0;
    for (const beta2 of betas) {
      const tInf = simulatedSteps(beta2, flags.steps);
      const continued = tInf > flags.steps ? ` (rows for t ≤ ${flags.steps}; continued to t = ${tInf}, where β₂ᵗ < 5e-5, for Var[ψ_∞])` : '';
      progress.say(`simulating β₂ = ${beta2}: ${flags.samples} paths × ${tInf} steps${continued}…`);
      const onStep = (t: number): void => progress.update(drawn + t * flags.samples);
      const sim = simulateVariance({ beta2, steps: flags.steps, samples: flags.samples, seed: flags.seed, onStep });
      drawn += tInf * flags.samples;
      simulations.push({ beta2, rows: sim.rows });
      lines.push(...varianceTable(beta2, sim, flags.steps));
    }
    progress.stop();
    out = OutputDir.claim(path, 'variance', { force: flags.force });
    try {
      out.write('variance.csv', varianceCsv(simulations));
      out.write(
        'manifest.json',
        JSON.stringify({ ...manifestHeader('variance'), command: process.argv.slice(1), provenance: provenance(), beta2: betas, steps: flags.steps, samples: flags.samples, seed: flags.seed, files: [...out.written] }, null, 2) + '\n',
      );
      out.commit();
    } catch (err) {
      throw SaveError.from(err, 'the simulation', 'nothing was written') ?? err;
    }
    process.stdout.write(lines.join('\n') + '\n');
    process.stderr.write(`wrote ${out.target}/variance.csv\n`);
  } catch (err) {
    progress.stop();
    out?.discard();
    throw err;
  }
}

/** The stdout table of one β₂: Var[ψ_∞], then ρ_t, both variances and both r_t at a few steps t. */
function varianceTable(beta2: number, sim: ReturnType<typeof simulateVariance>, steps: number): string[] {
  const lines = [`β₂ = ${beta2}  (Var[ψ_∞] simulated at t = ${sim.tInf}: ${formatLoss(sim.varInf)})`];
  lines.push(`${'t'.padStart(7)}  ${'rho_t'.padStart(9)}  ${'var_sim'.padStart(10)}  ${'var_approx'.padStart(10)}  ${'r_t'.padStart(8)}  ${'r_sim'.padStart(8)}`);
  const shown = new Set([1, 2, 3, 5, 6, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, steps].filter((t) => t <= steps));
  for (const r of sim.rows.filter((x) => shown.has(x.t))) {
    lines.push(`${String(r.t).padStart(7)}  ${r.rhoT.toFixed(3).padStart(9)}  ${formatLoss(r.varSim).padStart(10)}  ${formatLoss(r.varApprox).padStart(10)}  ${formatLoss(r.rT).padStart(8)}  ${formatLoss(r.rSim).padStart(8)}`);
  }
  lines.push('');
  return lines;
}

/** Refuses work or memory beyond the limits above, before anything is allocated; returns the draws. */
function checkWork(betas: number[], steps: number, samples: number): number {
  if (samples > MAX_SAMPLES) throw new ConfigError(`--samples: expected at most ${MAX_SAMPLES} paths (8 bytes of state each), got ${samples}`);
  if (steps > MAX_STEPS) throw new ConfigError(`--steps: expected at most ${MAX_STEPS} (variance.csv has a row per step), got ${steps}`);
  const draws = betas.reduce((total, b) => total + samples * simulatedSteps(b, steps), 0);
  if (draws <= MAX_DRAWS) return draws;
  const expected = `expected at most ${formatCount(MAX_DRAWS)} gradient draws (paths × simulated steps, over every β₂)`;
  const slowest = Math.max(...betas);
  if (simulatedSteps(slowest, steps) > steps) {
    // the continuation to t∞ for Var[ψ_∞] is what is too long
    throw new ConfigError(
      `--beta2: ${expected}, got ${formatCount(draws)}: β₂ = ${slowest} is simulated to t = ${simulatedSteps(slowest, steps)} for Var[ψ_∞] (${samples} paths)`,
    );
  }
  throw new ConfigError(`--samples × --steps: ${expected}, got ${samples} × ${steps}${betas.length > 1 ? ` × ${betas.length} β₂` : ''} = ${formatCount(draws)}`);
}

/**
 * Progress of the simulation on stderr: a bar on a terminal, else a line every 5 s. Messages go
 * through `say` so they do not tear the bar.
 */
function drawsProgress(total: number): { say(line: string): void; update(done: number): void; stop(): void } {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: 'gradient draws {bar} {percentage}%  eta {eta_formatted}', barsize: 30, hideCursor: true, stream: process.stderr, clearOnComplete: true },
      cliProgress.Presets.shades_grey,
    );
    let done = 0;
    let running = false;
    return {
      say(line) {
        if (running) bar.stop();
        process.stderr.write(line + '\n');
        bar.start(total, done);
        running = true;
      },
      update(value) {
        done = value;
        bar.update(value);
      },
      stop() {
        if (running) bar.stop();
        running = false;
      },
    };
  }
  let next = performance.now() + 5000;
  return {
    say: (line) => process.stderr.write(line + '\n'),
    update(done) {
      const now = performance.now();
      if (now < next) return;
      next = now + 5000;
      process.stderr.write(`variance: ${((100 * done) / total).toFixed(0)}% of ${formatCount(total)} gradient draws\n`);
    },
    stop() {},
  };
}
