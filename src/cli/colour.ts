// Whether the output is coloured, decided once before a command runs: `--no-color`, then FORCE_COLOR,
// then NO_COLOR (https://no-color.org), else chalk's own terminal detection. chalk 5 ignores NO_COLOR.
import chalk, { supportsColor, type ColorSupportLevel } from 'chalk';

/**
 * The colour level for a run. `flag` is false under `--no-color`. FORCE_COLOR beats NO_COLOR, as in
 * Node's own tty.getColorDepth; chalk has already read FORCE_COLOR (0–3, "true", "false") into
 * `detected`. NO_COLOR counts only when non-empty, as no-color.org asks.
 */
export function colourLevel(flag: boolean, env: NodeJS.ProcessEnv, detected: ColorSupportLevel): ColorSupportLevel {
  if (!flag) return 0;
  if (env.FORCE_COLOR !== undefined) return detected;
  if (env.NO_COLOR) return 0;
  return detected;
}

/** Set chalk's level (shared by every module that imports chalk) for the rest of the process. */
export function applyColour(flag: boolean): void {
  const detected = supportsColor === false ? 0 : supportsColor.level;
  chalk.level = colourLevel(flag, process.env, detected);
}
