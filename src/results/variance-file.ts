// variance.csv of `radam-run variance`: one row per step t of each simulated β₂ (a beta2 column only
// when several were simulated), NaN where ρ_t ≤ 4; its writer and its reader.
import type { VarianceRow } from '../optim/variance.js';
import { integer, num, number, numberOrEmpty, toCsv } from './cells.js';
import { readCsv } from './read.js';

/** The rows of one simulated β₂. */
export interface VarianceSimulation {
  beta2: number;
  rows: VarianceRow[];
}

/** A variance.csv row as read back; beta2 is null when the file has no beta2 column (a single β₂). */
export type VarianceFileRow = VarianceRow & { beta2: number | null };

export function varianceCsv(simulations: VarianceSimulation[]): string {
  const multi = simulations.length > 1;
  const header = [...(multi ? ['beta2'] : []), 't', 'rho_t', 'var_sim', 'var_approx', 'r_t', 'r_sim'];
  const rows = simulations.flatMap(({ beta2, rows }) =>
    rows.map((r) => [...(multi ? [beta2] : []), r.t, num(r.rhoT), num(r.varSim), num(r.varApprox), num(r.rT), num(r.rSim)]),
  );
  return toCsv(header, rows);
}

/** variance.csv read back: beta2 only when several β₂ were simulated; NaN where ρ_t ≤ 4. */
const VARIANCE = {
  columns: { t: integer, rho_t: number, var_sim: numberOrEmpty, var_approx: numberOrEmpty, r_t: numberOrEmpty, r_sim: numberOrEmpty },
  optional: { beta2: number },
};

export function readVariance(file: string): VarianceFileRow[] {
  return readCsv(file, VARIANCE).rows.map((r) => ({
    beta2: r.beta2 ?? null,
    t: r.t,
    rhoT: r.rho_t,
    varSim: r.var_sim,
    varApprox: r.var_approx,
    rT: r.r_t,
    rSim: r.r_sim,
  }));
}
