// Ctrl-C for long commands: the first SIGINT aborts the work cleanly — a sweep keeps its finished runs,
// a compare writes nothing — and the command then reports what remains.
export async function withInterrupt<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = (): void => {
    process.stderr.write('\nradam-run: interrupting…\n');
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    return await work(controller.signal);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
