// The radam-run command line: commander wiring and the one top-level error handler. Each command lives
// in its own module, imported lazily so `--help` starts fast. Only this entry point exits: an error a
// command throws becomes its message and exit code here (report); a command that finished but failed a
// check (a crashed run, a failed claim) sets process.exitCode itself.
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ConfigError, EXIT_BAD_INPUT, EXIT_FAILED_CHECK, EXIT_SIGINT, EXIT_SIGTERM, InterruptedError } from '../base/errors.js';
import { errnoText, SaveError } from '../results/fs-errors.js';
import { toolVersion } from '../base/version.js';
import { examplesHelpText } from './help-examples.js';
import type { Shell } from './completion.js';

function intArg(min = 1, max = Infinity) {
  const expected = max === Infinity ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max) throw new InvalidArgumentError(`expected ${expected}, got "${value}"`);
    return Number(value);
  };
}

/**
 * The most threads one run takes: each is a worker thread with its own wasm instance, so a slip like
 * `--threads 1000` would start a thousand of them; no machine this runs on has more cores than this.
 */
const MAX_THREADS = 256;

function numberArg(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x)) throw new InvalidArgumentError(`expected a number, got "${value}"`);
  return x;
}

function seedsArg(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.some((p) => !/^\d+$/.test(p))) throw new InvalidArgumentError(`expected comma-separated non-negative integers like 1,2,3, got "${value}"`);
  return parts.map(Number);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function kernelsOption(): Option {
  return new Option('--kernels <set>', 'kernels for optimizer steps and layers: wasm (SIMD) or js (the reference)').choices(['js', 'wasm']).default('wasm');
}

function threadsOption(): Option {
  return new Option('--threads <n>', 'threads per run for its large matrix products (wasm kernels; results are identical for any n) (default: cores ÷ runs at once, at least 1)').argParser(intArg(1, MAX_THREADS));
}

/** The radam-run program: every command with its options, in the order --help lists them. */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('radam-run')
    .description('Compare SGD, Adam, AdamW and RAdam side by side: exact update rules, loss curves and ρ_t / r_t traces.')
    .version(toolVersion(), '-V, --version')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str.startsWith('error:') ? `radam-run: ${str.trimEnd()} (see --help)\n` : str) });
  for (const add of [addCompare, addSweep, addMerge, addReproduce, addVariance, addValidate, addPlot, addRho, addList]) add(program);
  addGlobalOptions(program);
  addExamples(program);
  addCompletion(program);
  addHelpExamples(program);
  return program;
}

function addExamples(program: Command): void {
  program
    .command('examples')
    .description('the configs and experiments shipped with radam-run, usable by name (compare lstm, reproduce warmup-ablation)')
    .option('--json', 'print name, file and summary of each as JSON')
    .action(async (opts) => (await import('./examples.js')).examplesCommand(opts));
}

function addCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script for bash, zsh or fish (commands, options, config files and shipped names)')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish']))
    .action(async (shell: Shell) => (await import('./completion.js')).completionCommand(shell, program));
}

/** Worked examples at the end of the program's --help and of each command's (help-examples.ts). */
function addHelpExamples(program: Command): void {
  for (const command of [program, ...program.commands]) {
    const text = examplesHelpText(command === program ? '' : command.name());
    if (text) command.addHelpText('after', text);
  }
}

/** Options of the program itself, accepted before or after the command; colour is set before any command runs. */
function addGlobalOptions(program: Command): void {
  program.option('--no-color', 'no colours in the output (as NO_COLOR=1); FORCE_COLOR=1 forces them, also into a pipe');
  program.hook('preAction', async () => (await import('./colour.js')).applyColour(program.opts().color !== false));
}

function addCompare(program: Command): void {
  program
    .command('compare')
    .description('train the experiment with every optimizer it lists, concurrently, and write curves and traces')
    .argument('<config>', 'experiment config (.yaml, .yml or .json)')
    .option('-o, --out <dir>', 'output directory (default: runs/<name>-<time>)')
    .option('--steps <n>', 'override the number of steps', intArg())
    .option('--seeds <list>', 'override the seeds, e.g. 1,2,3', seedsArg)
    .option('--set <path=value>', 'override any config field, e.g. optimizers.radam.lr=3e-3 (repeatable)', collect, [])
    .option('-w, --workers <n>', 'worker threads (default: number of cores)', intArg())
    .option('--json', 'print the summary as JSON on stdout instead of a table')
    .option('--fail-on-diverge', 'exit with code 1 if any run diverged')
    .option('--force', 'replace --out if it holds an earlier compare result (and only radam-run\'s files)')
    .option('--chart', 'print a terminal chart of the training loss even when stdout is not a terminal')
    .option('--report', 'also write report.html and SVG charts into the output directory')
    .addOption(kernelsOption())
    .addOption(threadsOption())
    .option('-q, --quiet', 'no progress output')
    .action(async (config: string, opts) => (await import('./compare.js')).compareCommand(config, opts));
}

function addSweep(program: Command): void {
  program
    .command('sweep')
    .description('run a hyperparameter sweep (the config\'s `sweep` section): resumable, shardable, aggregated over seeds')
    .argument('<config>', 'experiment config with a sweep section')
    .option('-o, --out <dir>', 'output directory; rerunning into it resumes (default: runs/<name>-sweep)')
    .option('-w, --workers <n>', 'worker threads (default: number of cores)', intArg())
    .option('--shard <K/N>', 'run only the K-th of N deterministic shares of the runs (1-based)')
    .option('--dry-run', 'list the planned runs and their ids, run nothing')
    .option('--force', 'take over --out when it holds another sweep (runs the two share are reused; nothing is deleted)')
    .option('--set <path=value>', 'override a config field (repeatable)', collect, [])
    .option('--json', 'print the aggregate as JSON on stdout')
    .option('--report', 'also write report.html and SVG charts into the output directory')
    .addOption(kernelsOption())
    .addOption(threadsOption())
    .option('-q, --quiet', 'no progress output')
    .action(async (config: string, opts) => (await import('./sweep.js')).sweepCommand(config, opts));
}

function addMerge(program: Command): void {
  program
    .command('merge')
    .description('combine the outputs of shards of one sweep and aggregate them')
    .argument('<dirs...>', 'sweep output directories (one per shard)')
    .requiredOption('-o, --out <dir>', 'merged output directory')
    .option('--json', 'print the aggregate as JSON on stdout')
    .action(async (dirs: string[], opts) => (await import('./sweep.js')).mergeCommand(dirs, opts));
}

function addReproduce(program: Command): void {
  program
    .command('reproduce')
    .description('run an experiment with claims (experiments/*.yaml), check each claim, exit 0 only if all hold')
    .argument('<experiment>', 'experiment file with a claims section')
    .option('-o, --out <dir>', 'output directory (default: runs/<name>-<time>, or runs/<name>-sweep for sweeps)')
    .option('--junit <file>', 'also write the claims as JUnit XML test cases')
    .option('-w, --workers <n>', 'worker threads (default: number of cores)', intArg())
    .option('--set <path=value>', 'override a config field (repeatable)', collect, [])
    .option('--force', 'replace --out if it holds an earlier reproduce result; for sweep experiments, take over --out from another sweep')
    .option('--report', 'also write report.html and SVG charts into the output directory')
    .addOption(kernelsOption())
    .addOption(threadsOption())
    .option('-q, --quiet', 'no progress output')
    .action(async (file: string, opts) => (await import('./reproduce.js')).reproduceCommand(file, opts));
}

function addVariance(program: Command): void {
  program
    .command('variance')
    .description("Monte Carlo of the adaptive learning rate's variance Var[ψ_t] vs the paper's approximation")
    .option('--beta2 <list>', 'β₂, or several separated by commas', '0.999')
    .option('--steps <n>', 'steps t to simulate', intArg(), 1000)
    .option('--samples <n>', 'simulated gradient sequences', intArg(2), 10000)
    .option('--seed <s>', 'random seed', intArg(0), 0)
    .option('-o, --out <dir>', 'output directory (default: runs/variance-<time>)')
    .option('--force', 'replace --out if it holds an earlier variance result (and only radam-run\'s files)')
    .action(async (opts) => (await import('./variance.js')).varianceCommand(opts));
}

function addValidate(program: Command): void {
  program
    .command('validate')
    .description('print the resolved config with every default filled in, or every error in it')
    .argument('<config>', 'experiment config (.yaml, .yml or .json)')
    .option('--set <path=value>', 'override a config field (repeatable)', collect, [])
    .option('--json', 'print JSON instead of YAML')
    .action(async (config: string, opts) => (await import('./validate.js')).validateCommand(config, opts));
}

function addPlot(program: Command): void {
  program
    .command('plot')
    .description('charts (SVG) and a self-contained report.html from the output of compare, sweep, reproduce or variance')
    .argument('<dir...>', 'output directory; several are overlaid in one report, runs labelled by directory')
    .option('-o, --out <file>', 'HTML report to write (default: DIR/report.html; required for several directories); SVGs go to plots/ beside it')
    .option('--metric <name>', 'loss or accuracy', 'loss')
    .option('--smooth <w>', 'weight of the debiased EMA of the training curves (default 0.6, as TensorBoard; 0: off)', numberArg)
    .option('--log-y', 'log y axes (default: log when values span two decades)')
    .option('--log-steps', 'log step axes, to see the early steps where RAdam and Adam differ')
    .action(async (dirs: string[], opts) => (await import('./plot.js')).plotCommand(dirs, opts));
}

function addRho(program: Command): void {
  program
    .command('rho')
    .description("RAdam's ρ_t, r_t and phase per step (no model needed)")
    .option('--beta2 <b>', 'β₂', numberArg, 0.999)
    .option('--steps <n>', 'number of steps', intArg(), 20)
    .option('--threshold <x>', 'rectify when ρ_t > threshold (torch 5, paper 4)', numberArg, 5)
    .option('--csv', 'print CSV instead of a table')
    .action(async (opts) => (await import('./rho.js')).rhoCommand(opts));
}

function addList(program: Command): void {
  program
    .command('list')
    .description('models, datasets, optimizers and schedules with their options and defaults')
    .addOption(new Option('--json', 'print the JSON schema of the config'))
    .action(async (opts) => (await import('./list.js')).listCommand(opts));
}

/** Map an error a command threw to its message and exit code. */
function report(err: unknown): number {
  if (err instanceof ConfigError) {
    for (const problem of err.problems) process.stderr.write(`radam-run: ${problem}\n`);
    return EXIT_BAD_INPUT;
  }
  if (err instanceof InterruptedError) {
    process.stderr.write(`radam-run: ${err.signal === 'SIGTERM' ? 'terminated' : 'interrupted'}: ${err.message}\n`);
    return err.signal === 'SIGTERM' ? EXIT_SIGTERM : EXIT_SIGINT;
  }
  if (err instanceof SaveError) {
    process.stderr.write(`radam-run: ${err.message}\n`);
    return EXIT_FAILED_CHECK;
  }
  // a file-system failure outside the paths checked up front (a disk filling up, a directory
  // removed under us): the user's environment, not a bug
  const text = errnoText(err);
  const path = (err as NodeJS.ErrnoException | undefined)?.path;
  if (text !== undefined) {
    process.stderr.write(`radam-run: ${path ?? 'a file operation'}: ${text}\n`);
    return EXIT_BAD_INPUT;
  }
  const e = err as Error;
  process.stderr.write(`radam-run: internal error: ${e?.message ?? String(err)}\n`);
  if (process.env.RADAM_RUN_DEBUG) process.stderr.write(`${e?.stack ?? ''}\n`);
  else process.stderr.write('radam-run: (set RADAM_RUN_DEBUG=1 to see the stack trace; please report it)\n');
  return EXIT_FAILED_CHECK;
}

/**
 * A reader that stops early (`radam-run list --json | head`) closes our stdout: the rest of the output
 * is dropped quietly, as Unix tools do, and the command's files are still written. Any other failure
 * to write stdout (a redirect onto a full disk) is one line on stderr and exit code 2.
 */
function guardOutputStreams(): void {
  for (const [name, stream] of [['stdout', process.stdout], ['stderr', process.stderr]] as const) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') return;
      if (name === 'stdout') process.stderr.write(`radam-run: stdout: could not write (${errnoText(err) ?? err.message})\n`);
      process.exitCode = EXIT_BAD_INPUT;
    });
  }
}

export async function main(argv: string[]): Promise<number> {
  guardOutputStreams();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      // `radam-run` with no command prints the help to stderr with a non-zero code (commander.help): a usage error
      return err.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    }
    return report(err);
  }
}

/** Run the command line of this process (bin/radam-run.js calls this; importing the module runs nothing). */
export async function run(): Promise<void> {
  const code = await main(process.argv);
  // a failed write to stdout may have set a code meanwhile (guardOutputStreams)
  if (!process.exitCode) process.exitCode = code;
}
