// Preloaded (`node --import`) into a CLI process by tests that interrupt it: the process sends itself
// SIGINT right after it writes the first stderr line matching $RADAM_TEST_SIGINT_AFTER, so the
// interrupt lands in a known state ("one run finished, the next just started"). A test that sent the
// signal when it read that line would race the child: on a busy machine the child can finish all its
// work before the test process gets to read the pipe.
const pattern = new RegExp(process.env.RADAM_TEST_SIGINT_AFTER ?? '(?!)', 'm');
const write = process.stderr.write.bind(process.stderr) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
let sent = false;
process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
  const ok = write(chunk, ...rest);
  if (!sent && pattern.test(String(chunk))) {
    sent = true;
    process.kill(process.pid, 'SIGINT');
  }
  return ok;
}) as typeof process.stderr.write;
