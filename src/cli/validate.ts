// `radam-run validate CONFIG`: the resolved config with defaults, or every error in it.
import { stringify } from 'yaml';
import { loadExperiment } from '../config/load.js';
import { planCompare } from '../run/plan.js';

export async function validateCommand(file: string, flags: { set: string[]; json?: boolean }): Promise<void> {
  const { experiment } = loadExperiment(file, { set: flags.set });
  process.stdout.write(flags.json ? JSON.stringify(experiment, null, 2) + '\n' : stringify(experiment));
  const runs = planCompare(experiment).length;
  process.stderr.write(`${file}: valid (${runs} run${runs === 1 ? '' : 's'}: ${experiment.optimizers.length} optimizer(s) × ${experiment.seeds.length} seed(s))\n`);
}
