// `radam-run validate CONFIG`: the resolved config with defaults, or every error in it — including
// what `compare`, `sweep` and `reproduce` would refuse before running (a sweep too large, a model too
// large, an unusable data file), by the same checks.
import { stringify } from 'yaml';
import { loadExperiment } from '../config/load.js';
import { resolveConfigArg } from './shipped.js';
import { planCompare } from '../run/plan.js';
import { planRuns } from '../run/sweep-plan.js';
import { preflight } from '../run/preflight.js';

export async function validateCommand(file: string, flags: { set: string[]; json?: boolean }): Promise<void> {
  const loaded = loadExperiment(resolveConfigArg(file, ['configs', 'experiments']), { set: flags.set });
  const { experiment } = loaded;
  const specs = planCompare(experiment);
  const plan = experiment.sweep ? planRuns(loaded) : undefined;
  preflight([...specs, ...(plan?.runs.map((r) => r.spec) ?? [])]);
  process.stdout.write(flags.json ? JSON.stringify(experiment, null, 2) + '\n' : stringify(experiment));
  const runs = (n: number): string => `${n} run${n === 1 ? '' : 's'}`;
  const what = plan
    ? `sweep of ${runs(plan.runs.length)} at ${plan.points} point(s)`
    : `${runs(specs.length)}: ${experiment.optimizers.length} optimizer(s) × ${experiment.seeds.length} seed(s)`;
  process.stderr.write(`${file}: valid (${what})\n`);
}
