// Typed errors thrown by library code; only the CLI entry point maps them to messages and exit codes.

/** Bad user input (config file, flags, data files). Each problem reads `path: expected …, got …`. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[] | string) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(list.join('\n'));
    this.name = 'ConfigError';
    this.problems = list;
  }
}

/** Exit codes: 0 ok, 1 a run failed a check (diverged with --fail-on-diverge, a claim failed), 2 bad input. */
export const EXIT_FAILED_CHECK = 1;
export const EXIT_BAD_INPUT = 2;
