// A training worker: receives RunSpecs, trains each, streams records back in batches (500 records,
// or what ~1 s of training logged, so live files keep up) and progress ticks at most every 100 ms.
// Only the main thread writes files or draws progress.
import { parentPort } from 'node:worker_threads';
import { ConfigError } from '../base/errors.js';
import { train, type EvalRecord, type StepRecord } from '../train/train.js';
import type { FromWorker, ToWorker } from './messages.js';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

const FLUSH_RECORDS = 500;
const TICK_MS = 100;
/** Records are sent at least this often: when they arrive changes, never what they are. */
const FLUSH_MS = 1000;

function post(msg: FromWorker): void {
  port!.postMessage(msg);
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'exit') {
    port.close();
    return;
  }
  const { index, spec } = msg;
  let steps: StepRecord[] = [];
  let evals: EvalRecord[] = [];
  let lastTick = 0;
  let lastFlush = performance.now();
  const flush = (): void => {
    lastFlush = performance.now();
    if (steps.length === 0 && evals.length === 0) return;
    post({ type: 'records', index, steps, evals });
    steps = [];
    evals = [];
  };
  try {
    const summary = train(spec, {
      step(record) {
        steps.push(record);
        if (steps.length >= FLUSH_RECORDS) flush();
      },
      eval(record) {
        evals.push(record);
      },
      tick(step, loss) {
        const now = performance.now();
        if (now - lastFlush >= FLUSH_MS) flush();
        if (now - lastTick >= TICK_MS || step === spec.steps) {
          lastTick = now;
          post({ type: 'tick', index, step, loss });
        }
      },
    });
    flush();
    post({ type: 'done', index, summary });
  } catch (err) {
    const e = err as Error;
    post({ type: 'error', index, message: e.message, stack: e.stack, configError: err instanceof ConfigError });
  }
});
