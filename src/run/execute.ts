// Run a list of RunSpecs on a pool of worker threads (at most one per core), collecting each run's
// records in memory and reporting progress events. Results come back in spec order, whatever order
// the workers finish in, so outputs are identical for any worker count.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { RunSpec } from '../train/train.js';
import { ConfigError } from '../config/errors.js';
import type { RunEvents, RunResult } from '../results/run-result.js';
import type { FromWorker, ToWorker } from './messages.js';

export interface ExecuteOptions {
  /** Maximum concurrent workers (default: available cores). */
  workers?: number;
  events?: RunEvents;
  /** Abort: terminate workers; unfinished runs come back with error "interrupted". */
  signal?: AbortSignal;
}

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

export async function executeRuns(specs: RunSpec[], options: ExecuteOptions = {}): Promise<RunResult[]> {
  const results: RunResult[] = specs.map((spec) => ({ spec, steps: [], evals: [], summary: undefined, error: undefined }));
  if (specs.length === 0) return results;
  const poolSize = Math.max(1, Math.min(options.workers ?? defaultWorkers(), specs.length));
  const events = options.events ?? {};
  let next = 0;
  let configError: ConfigError | undefined;
  let crashMessage: string | undefined;

  const workerUrl = new URL('./worker.js', import.meta.url);
  const workers: Worker[] = [];

  await new Promise<void>((resolveAll) => {
    let live = 0;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      for (const w of workers) void w.terminate();
      resolveAll();
    };
    const onAbort = (): void => {
      for (const r of results) if (!r.summary && !r.error) r.error = 'interrupted';
      finish();
    };
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    /** The run each worker is working on (-1: none), set when it is sent, so a crash is attributed. */
    const current = new Map<Worker, number>();
    const dispatch = (worker: Worker): void => {
      current.set(worker, -1);
      if (next >= specs.length || finished) {
        worker.postMessage({ type: 'exit' } satisfies ToWorker);
        return;
      }
      const index = next++;
      current.set(worker, index);
      events.started?.(index, specs[index]!);
      worker.postMessage({ type: 'run', index, spec: specs[index]! } satisfies ToWorker);
    };

    for (let w = 0; w < poolSize; w++) {
      const worker = new Worker(workerUrl);
      workers.push(worker);
      live++;
      worker.on('message', (msg: FromWorker) => {
        const r = results[msg.index]!;
        switch (msg.type) {
          case 'records':
            for (const s of msg.steps) r.steps.push(s);
            for (const e of msg.evals) r.evals.push(e);
            break;
          case 'tick':
            events.progress?.(msg.index, msg.step, msg.loss);
            break;
          case 'done':
            r.summary = msg.summary;
            events.finished?.(msg.index, r);
            dispatch(worker);
            break;
          case 'error':
            r.error = msg.message;
            if (msg.configError) configError ??= new ConfigError(msg.message.split('\n'));
            events.finished?.(msg.index, r);
            dispatch(worker);
            break;
        }
      });
      worker.on('error', (err) => {
        const index = current.get(worker) ?? -1;
        if (index >= 0) {
          const r = results[index]!;
          r.error ??= `worker crashed: ${err.message}`;
          events.finished?.(index, r);
        } else crashMessage ??= err.message;
      });
      worker.on('exit', () => {
        live--;
        if (live === 0) {
          options.signal?.removeEventListener('abort', onAbort);
          for (const r of results) if (!r.summary && !r.error) r.error = `not run (the workers exited${crashMessage ? `: ${crashMessage}` : ' early'})`;
          finish();
        }
      });
      dispatch(worker);
    }
  });
  if (configError) throw configError;
  return results;
}
