// `radam-run rho`: RAdam's ρ_t, r_t and phase per step, as a table or CSV.
import { stringify } from 'csv-stringify/sync';
import { ConfigError } from '../base/errors.js';
import { rectify, rhoInf } from '../optim/rectify.js';

export async function rhoCommand(flags: { beta2: number; steps: number; threshold: number; csv?: boolean }): Promise<void> {
  const { beta2, steps, threshold } = flags;
  if (!(beta2 > 0 && beta2 < 1)) throw new ConfigError(`--beta2: expected a number in (0, 1), got ${beta2}`);
  if (!(threshold >= 4)) throw new ConfigError(`--threshold: expected a number ≥ 4 (r_t is undefined for ρ_t ≤ 4), got ${threshold}`);
  if (steps > 1_000_000) throw new ConfigError(`--steps: expected at most 1000000, got ${steps}`);
  const rows: [number, number, number, string][] = [];
  for (let t = 1; t <= steps; t++) {
    const r = rectify(beta2, t, threshold);
    rows.push([t, r.rhoT, r.rect, r.rectified ? 'rectified' : 'un-rectified']);
  }
  if (flags.csv) {
    process.stdout.write(stringify([['t', 'rho_t', 'r_t', 'phase'], ...rows], { record_delimiter: 'unix' }));
    return;
  }
  process.stdout.write(`β₂ = ${beta2}, ρ_∞ = ${rhoInf(beta2)}, threshold ρ_t > ${threshold}\n`);
  process.stdout.write(`${'t'.padStart(6)}  ${'rho_t'.padStart(12)}  ${'r_t'.padStart(10)}  phase\n`);
  for (const [t, rho, rect, phase] of rows) {
    process.stdout.write(`${String(t).padStart(6)}  ${rho.toFixed(6).padStart(12)}  ${rect.toFixed(6).padStart(10)}  ${phase}\n`);
  }
}
