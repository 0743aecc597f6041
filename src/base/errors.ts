// Typed errors thrown by library code; only the CLI entry point maps them to messages and exit codes.
import { printable } from './quote.js';

/** A problem longer than this is cut: it quotes more of the user's input than anyone reads. */
const MAX_PROBLEM_LENGTH = 1000;

/**
 * Bad user input (config file, flags, data files). Each problem reads `path: expected …, got …` and
 * is printed as one line: a newline or control character quoted from the input is escaped here, so
 * no thrower can break that.
 */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[] | string) {
    const list = (Array.isArray(problems) ? problems : [problems]).map((p) => printable(p, MAX_PROBLEM_LENGTH));
    super(list.join('\n'));
    this.name = 'ConfigError';
    this.problems = list;
  }
}

/** The signals a long command stops cleanly on. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/**
 * The command was stopped by a signal (Ctrl-C or SIGTERM) before its work was complete. Completed
 * work that is kept (a sweep's finished runs) is named in the message.
 */
export class InterruptedError extends Error {
  readonly signal: StopSignal;
  constructor(message: string, signal: StopSignal = 'SIGINT') {
    super(message);
    this.name = 'InterruptedError';
    this.signal = signal;
  }

  /** The signal that aborted `abort` (withInterrupt aborts with the signal's name as the reason). */
  static signalOf(abort: AbortSignal | undefined): StopSignal | undefined {
    if (!abort?.aborted) return undefined;
    return abort.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
  }
}

/** Exit codes: 0 ok, 1 a run failed a check (a crash, divergence with --fail-on-diverge, a claim) or finished work could not be saved, 2 bad input. */
export const EXIT_FAILED_CHECK = 1;
export const EXIT_BAD_INPUT = 2;
/** 128 + the signal number, as shells report a process ended by that signal. */
export const EXIT_SIGINT = 130;
export const EXIT_SIGTERM = 143;
