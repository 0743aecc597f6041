// Run a list of RunSpecs on a pool of worker threads (at most one per core), collecting each run's
// records in memory and reporting progress events. Results come back in spec order, whatever order
// the workers finish in, so outputs are identical for any worker count. When fewer runs go at once
// than there are cores, each run splits its large products across the cores left to it (RunSpec.threads,
// bit-identical to one thread), so one big run uses the whole machine.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { RunSpec } from '../train/train.js';
import { ConfigError } from '../base/errors.js';
import type { RunEvents, RunResult } from '../results/run-result.js';
import type { FromWorker, ToWorker } from './messages.js';

export interface ExecuteOptions {
  /** Maximum concurrent workers (default: available cores). */
  workers?: number;
  /** Threads per run (default: the cores divided among the runs that go at once; see poolShape). */
  threads?: number;
  events?: RunEvents;
  /** Abort: terminate workers; unfinished runs come back with error "interrupted". */
  signal?: AbortSignal;
}

/**
 * How many of `runs` runs go at once (workers: `workers`, default one per core, never more than the
 * runs) and how many threads each gets (`threads`, default the cores ÷ the runs at once, at least 1).
 */
export function poolShape(runs: number, options: { workers?: number; threads?: number }, cores = availableParallelism()): { workers: number; threads: number } {
  const workers = Math.max(1, Math.min(options.workers ?? cores, runs));
  return { workers, threads: options.threads ?? Math.max(1, Math.floor(cores / workers)) };
}

export async function executeRuns(specs: RunSpec[], options: ExecuteOptions = {}): Promise<RunResult[]> {
  const results: RunResult[] = specs.map((spec) => ({ spec, steps: [], evals: [], summary: undefined, error: undefined }));
  if (specs.length === 0) return results;
  const { workers, threads } = poolShape(specs.length, options);
  const pool = new Pool(specs, threads, results, options.events ?? {}, options.signal);
  await pool.run(workers);
  if (pool.configError) throw pool.configError;
  return results;
}

const WORKER_URL = new URL('./worker.js', import.meta.url);

/** One executeRuns call: its workers, which run each is working on, and when all are done. */
class Pool {
  private next = 0;
  private live = 0;
  private finished = false;
  private readonly workers: Worker[] = [];
  /** The run each worker is working on (-1: none), set when it is sent, so a crash is attributed. */
  private readonly current = new Map<Worker, number>();
  private crashMessage: string | undefined;
  private resolveAll: () => void = () => {};
  /** The first run that failed on bad input: the whole call is a ConfigError. */
  configError: ConfigError | undefined;

  constructor(
    private readonly specs: RunSpec[],
    /** Threads of each run whose spec does not say. */
    private readonly threads: number,
    private readonly results: RunResult[],
    private readonly events: RunEvents,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Start `size` workers; resolves when every run is done, or at once on abort. */
  run(size: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.resolveAll = resolve;
      if (this.signal?.aborted) return this.abort();
      this.signal?.addEventListener('abort', this.abort, { once: true });
      for (let w = 0; w < size; w++) this.spawn();
    });
  }

  private readonly abort = (): void => {
    for (const r of this.results) if (!r.summary && !r.error) r.error = 'interrupted';
    this.finish();
  };

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    for (const w of this.workers) void w.terminate();
    this.resolveAll();
  }

  private spawn(): void {
    const worker = new Worker(WORKER_URL);
    this.workers.push(worker);
    this.live++;
    worker.on('message', (msg: FromWorker) => this.received(worker, msg));
    worker.on('error', (err) => this.crashed(worker, err));
    worker.on('exit', () => this.exited());
    this.dispatch(worker);
  }

  /** Send the worker the next run, or tell it to exit when there is none. */
  private dispatch(worker: Worker): void {
    this.current.set(worker, -1);
    if (this.next >= this.specs.length || this.finished) {
      worker.postMessage({ type: 'exit' } satisfies ToWorker);
      return;
    }
    const index = this.next++;
    this.current.set(worker, index);
    this.events.started?.(index, this.specs[index]!);
    const spec = this.specs[index]!;
    worker.postMessage({ type: 'run', index, spec: { ...spec, threads: spec.threads ?? this.threads } } satisfies ToWorker);
  }

  private received(worker: Worker, msg: FromWorker): void {
    const r = this.results[msg.index]!;
    switch (msg.type) {
      case 'records':
        for (const s of msg.steps) r.steps.push(s);
        for (const e of msg.evals) r.evals.push(e);
        break;
      case 'tick':
        this.events.progress?.(msg.index, msg.step, msg.loss);
        break;
      case 'done':
        r.summary = msg.summary;
        this.events.finished?.(msg.index, r);
        this.dispatch(worker);
        break;
      case 'error':
        r.error = msg.message;
        if (msg.configError) this.configError ??= new ConfigError(msg.message.split('\n'));
        this.events.finished?.(msg.index, r);
        this.dispatch(worker);
        break;
    }
  }

  /** A worker died (not a run's error: those arrive as messages); its run, if any, failed. */
  private crashed(worker: Worker, err: Error): void {
    const index = this.current.get(worker) ?? -1;
    if (index >= 0) {
      const r = this.results[index]!;
      r.error ??= `worker crashed: ${err.message}`;
      this.events.finished?.(index, r);
    } else this.crashMessage ??= err.message;
  }

  private exited(): void {
    this.live--;
    if (this.live > 0) return;
    this.signal?.removeEventListener('abort', this.abort);
    for (const r of this.results) if (!r.summary && !r.error) r.error = `not run (the workers exited${this.crashMessage ? `: ${this.crashMessage}` : ' early'})`;
    this.finish();
  }
}
