// Ctrl-C (SIGINT) and SIGTERM for long commands: the first signal aborts the work cleanly — a sweep
// keeps its finished runs, a compare writes nothing, no staging directory survives — and the command
// then says what was kept and exits with 128 + the signal number. A second signal ends the process
// at once (its leftovers are recognisably ours and removed by the next run).
import type { StopSignal } from '../base/errors.js';

export async function withInterrupt<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const handlers = new Map<StopSignal, () => void>();
  const remove = (): void => {
    for (const [name, handler] of handlers) process.removeListener(name, handler);
  };
  for (const name of ['SIGINT', 'SIGTERM'] as const) {
    handlers.set(name, () => {
      process.stderr.write(`\nradam-run: ${name === 'SIGINT' ? 'interrupted' : 'terminated'}; stopping… (again to stop at once)\n`);
      remove();
      controller.abort(name);
    });
  }
  for (const [name, handler] of handlers) process.once(name, handler);
  try {
    return await work(controller.signal);
  } finally {
    remove();
  }
}
