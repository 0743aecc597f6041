// The worked examples at the end of `--help`, of the program and of each command: each a command line
// that runs as written (the tests parse every one) and what it does.

/** Example = [command line, what it does]. Key '' is the program's own --help. */
export const HELP_EXAMPLES: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  '': [
    ['radam-run compare lstm --out runs/lstm', 'train the shipped char-LSTM config with SGD, Adam and RAdam'],
    ['radam-run plot runs/lstm', 'charts and a report.html of that result'],
    ['radam-run examples', 'every shipped config and experiment, usable by name'],
  ],
  compare: [
    ['radam-run compare lstm --out runs/lstm', 'a shipped config by name (a local file of that name wins)'],
    ['radam-run compare my.yaml --steps 500 --seeds 1,2,3 --report', 'your own config: shorter, three seeds, with charts'],
    ['radam-run compare mlp --set optimizers.radam.lr=3e-3 --json', 'override one field; the summary as JSON on stdout'],
  ],
  sweep: [
    ['radam-run sweep lr-sweep --dry-run', 'list the planned runs and their ids'],
    ['radam-run sweep lr-sweep --out sweeps/lr', 'run it (Ctrl-C and run again to resume)'],
    ['radam-run sweep lr-sweep --shard 1/4 --out shard-1', 'the first of four shares, e.g. on another machine'],
  ],
  merge: [
    ['radam-run merge shard-1 shard-2 shard-3 shard-4 --out sweeps/lr', 'combine the shards of one sweep'],
    ['radam-run merge shard-* --out sweeps/lr --json', 'the same through a shell glob, the aggregate as JSON'],
  ],
  reproduce: [
    ['radam-run reproduce warmup-ablation --junit junit.xml', 'check the warmup claims; exit 0 only if all hold'],
    ['radam-run reproduce lr-robustness --report', 'a sweep experiment, with an HTML report'],
  ],
  variance: [
    ['radam-run variance --beta2 0.99,0.999 --steps 2000', "Var[ψ_t] against the paper's approximation for two β₂"],
    ['radam-run variance --samples 100000 --out runs/variance', 'more samples, a fixed output directory'],
  ],
  validate: [
    ['radam-run validate transformer', 'the shipped config with every default filled in'],
    ['radam-run validate my.yaml --set optimizers.adam.lr=1e-2 --json', 'check an override, print JSON'],
  ],
  plot: [
    ['radam-run plot runs/lstm', 'charts and runs/lstm/report.html'],
    ['radam-run plot runs/lstm --metric accuracy --smooth 5 --out lstm.html', 'accuracy, smoothed, into another file'],
  ],
  rho: [
    ['radam-run rho --steps 10', 'ρ_t and r_t of the first ten steps for β₂ = 0.999'],
    ['radam-run rho --beta2 0.99 --threshold 4 --csv', "the paper's threshold, as CSV"],
  ],
  list: [
    ['radam-run list', 'every model, dataset, optimizer and schedule with its options'],
    ['radam-run list --json', 'the JSON schema of a config (for an editor)'],
  ],
  completion: [
    ['radam-run completion bash > ~/.local/share/bash-completion/completions/radam-run', 'bash: completed in new shells'],
    ['radam-run completion zsh > ~/.zfunc/_radam-run', 'zsh: with ~/.zfunc on $fpath before compinit'],
    ['radam-run completion fish > ~/.config/fish/completions/radam-run.fish', 'fish'],
  ],
  examples: [
    ['radam-run examples', 'the shipped configs and experiments with a line on each'],
    ['radam-run examples --json', 'the same as JSON, with the path of each file'],
  ],
};

/** The text commander prints after a command's help: "Examples:" and one `$ line` + comment per example. */
export function examplesHelpText(name: string): string | undefined {
  const examples = HELP_EXAMPLES[name];
  if (!examples) return undefined;
  const lines = examples.map(([cmd, what]) => `  $ ${cmd}\n      ${what}`);
  return `\nExamples:\n${lines.join('\n')}\n`;
}
