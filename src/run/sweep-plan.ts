// Planning a sweep: expand `sweep.params` into points (grid or seeded random draws), apply each point
// to the config (to every optimizer, to one by name, or to an experiment-level field), validate it,
// and expand optimizers × seeds into runs with stable ids. Runs whose resolved specs coincide (a
// parameter that does not touch an optimizer) share one id and are run once.
import { relative } from 'node:path';
import type { LoadedExperiment } from '../config/load.js';
import { setPath as applyValue, validateExperiment } from '../config/load.js';
import { ConfigError } from '../base/errors.js';
import { Experiment } from '../config/schema.js';
import { OptimizerSpec } from '../config/optimizers.js';
import type { SweepSpec, SweepValues } from '../config/sweep.js';
import { closest } from '../config/format.js';
import { formatCount } from '../config/data.js';
import { sizeChecker } from '../models/size.js';
import { Rng } from '../base/rng.js';
import type { RunSpec } from '../train/train.js';
import { resolveKernels } from '../wasm/kernels.js';
import type { PlanOptions } from './plan.js';
import { canonicalJson } from '../base/canonical-json.js';
import { SPEC_VERSION, shortHash } from '../results/run-id.js';

/**
 * Most runs a sweep may plan, counted as points × seeds × optimizers before runs that coincide are
 * merged (what planning enumerates and validates). A sweep directory holds a folder per run, and 10⁵
 * runs of even a few seconds each is days of CPU: a larger plan is a typo or a grid that multiplied.
 */
const MAX_SWEEP_RUNS = 100_000;

export interface PlannedRun {
  /** Stable id: hash of the resolved spec. Also the run's label in its CSVs. */
  id: string;
  spec: RunSpec;
  optimizer: string;
  seed: number;
  /** The swept values that apply to this run, by path as written in `sweep.params`. */
  point: Record<string, unknown>;
  /** What the id hashes (stored as runs/<id>/spec.json): the spec, with file paths relative to the config. */
  body: unknown;
}

export interface SweepPlan {
  name: string;
  /** Hash of the ordered run ids: two outputs with the same sweepId hold shards of the same sweep. */
  sweepId: string;
  method: 'grid' | 'random';
  params: string[];
  points: number;
  runs: PlannedRun[];
}

export interface Shard {
  /** 1-based index. */
  index: number;
  count: number;
}

type Scope = { kind: 'experiment' } | { kind: 'one'; optimizer: string } | { kind: 'all'; optimizers: string[] };

const TOP_LEVEL = Object.keys(Experiment.in.shape);
const NOT_SWEEPABLE = new Set(['name', 'description', 'seeds', 'sweep', 'optimizers']);

/** One line naming a run for people: `<id> <optimizer> seed=<s> <path>=<value> …`. */
export function describeRun(run: PlannedRun): string {
  const point = Object.entries(run.point).map(([k, v]) => ` ${k}=${typeof v === 'object' ? canonicalJson(v) : String(v)}`);
  return `${run.id} ${run.optimizer} seed=${run.seed}${point.join('')}`;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m || Number(m[2]) < 1 || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) {
    throw new ConfigError(`--shard: expected K/N with 1 ≤ K ≤ N (e.g. 2/4), got "${text}"`);
  }
  return { index: Number(m[1]), count: Number(m[2]) };
}

/** The runs of shard K/N: every N-th run of the plan starting at the K-th (balanced, deterministic). */
export function shardRuns(plan: SweepPlan, shard: Shard | undefined): PlannedRun[] {
  if (!shard) return plan.runs;
  if (shard.count > plan.runs.length) {
    throw new ConfigError(`--shard ${shard.index}/${shard.count}: expected at most ${plan.runs.length} shards (the sweep has ${plan.runs.length} runs), got ${shard.count}`);
  }
  return plan.runs.filter((_, i) => i % shard.count === shard.index - 1);
}

export function planRuns(loaded: LoadedExperiment, options: PlanOptions = {}): SweepPlan {
  const exp = loaded.experiment;
  const kernels = options.kernels ?? resolveKernels('wasm').kernels;
  const sweep: SweepSpec = exp.sweep ?? { method: 'grid', seed: 0, params: {} };
  const paths = Object.keys(sweep.params);
  const optimizerKinds = new Map(exp.optimizers.map((o) => [o.name, o.kind]));
  const scopes = new Map(paths.map((p) => [p, scopeOf(p, optimizerKinds)]));
  const seeds = sweep.seeds ?? exp.seeds;
  checkPlanSize(sweep, seeds.length, exp.optimizers.length);
  const points = expandPoints(sweep);
  const checkSizes = sizeChecker();
  const baseRaw = structuredClone(loaded.raw) as Record<string, unknown>;
  // each point is validated as a plain experiment: without the sweep itself, and without the claims
  // (which judge the sweep as a whole and may refer to it)
  delete baseRaw.sweep;
  delete baseRaw.claims;
  const baseDir = loaded.baseDir;

  const runs: PlannedRun[] = [];
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const point of points) {
    const raw = structuredClone(baseRaw);
    for (const path of paths) applyToScope(raw, path, scopes.get(path)!, point[path]);
    raw.seeds = seeds;
    let resolved;
    try {
      resolved = validateExperiment(raw, baseDir);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      for (const p of err.problems) problems.push(`sweep point ${canonicalJson(point)}: ${p}`);
      continue;
    }
    const tooLarge = checkSizes(resolved.optimizers.map((optimizer) => ({ model: resolved.model, data: resolved.data, optimizer })));
    for (const p of tooLarge) problems.push(`sweep point ${canonicalJson(point)}: ${p}`);
    for (const optimizer of resolved.optimizers) {
      const own: Record<string, unknown> = {};
      for (const path of paths) if (touches(scopes.get(path)!, optimizer.name)) own[path] = point[path];
      for (const seed of seeds) {
        // a data file enters the id by its path relative to the config, so shards on machines with
        // different checkout locations agree on the ids
        const data = resolved.data && 'path' in resolved.data && resolved.data.path !== undefined ? { ...resolved.data, path: relative(baseDir, resolved.data.path) } : resolved.data;
        const body = { v: SPEC_VERSION, seed, optimizer, steps: resolved.steps, logEvery: resolved.log_every, model: resolved.model, data, eval: resolved.eval, kernels };
        const id = shortHash(body);
        if (seen.has(id)) continue;
        seen.add(id);
        const spec: RunSpec = { run: id, seed, optimizer, steps: resolved.steps, logEvery: resolved.log_every, model: resolved.model, data: resolved.data, eval: resolved.eval, kernels };
        runs.push({ id, spec, optimizer: optimizer.name, seed, point: own, body });
      }
    }
    if (problems.length >= 20) break;
  }
  if (problems.length) throw new ConfigError(problems);
  return { name: exp.name, sweepId: shortHash(runs.map((r) => r.id)), method: sweep.method, params: paths, points: points.length, runs };
}

function scopeOf(path: string, optimizers: Map<string, string>): Scope {
  const [head, second] = path.split('.');
  if (head === 'optimizers') {
    if (second === undefined || !optimizers.has(second)) {
      const names = [...optimizers.keys()];
      const hint = second ? closest(second, names) : undefined;
      throw new ConfigError(`sweep.params."${path}": expected optimizers.<name>.<option> with <name> one of ${names.map((n) => `"${n}"`).join(', ')}, got "${second ?? ''}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
    }
    if (path.split('.').length < 3) throw new ConfigError(`sweep.params."${path}": expected an option after the optimizer name (e.g. optimizers.${second}.lr)`);
    return { kind: 'one', optimizer: second };
  }
  if (TOP_LEVEL.includes(head!)) {
    if (NOT_SWEEPABLE.has(head!)) {
      throw new ConfigError(`sweep.params."${path}": expected a sweepable path, got "${head}" (${head === 'seeds' ? 'use sweep.seeds' : 'it names the experiment or its structure'})`);
    }
    return { kind: 'experiment' };
  }
  const accepting = [...optimizers].filter(([, kind]) => optionKeys(kind).has(head!)).map(([name]) => name);
  if (accepting.length === 0) {
    const vocabulary = [...TOP_LEVEL, ...new Set([...optimizers.values()].flatMap((k) => [...optionKeys(k)]))];
    const hint = closest(head!, vocabulary);
    throw new ConfigError(
      `sweep.params."${path}": expected a config path (an optimizer option like lr, optimizers.<name>.<option>, or a field like steps or model.<option>), got an unknown "${head}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
    );
  }
  return { kind: 'all', optimizers: accepting };
}

function optionKeys(kind: string): Set<string> {
  const option = OptimizerSpec.options.find((o) => o.shape.kind.value === kind);
  return new Set(option ? Object.keys(option.shape).filter((k) => k !== 'kind' && k !== 'name') : []);
}

function touches(scope: Scope, optimizer: string): boolean {
  return scope.kind === 'experiment' || (scope.kind === 'one' && scope.optimizer === optimizer) || (scope.kind === 'all' && scope.optimizers.includes(optimizer));
}

function applyToScope(raw: Record<string, unknown>, path: string, scope: Scope, value: unknown): void {
  if (scope.kind !== 'all') {
    const problem = applyValue(raw, path, value);
    if (problem) throw new ConfigError(`sweep.params."${path}": ${problem}`);
    return;
  }
  for (const item of raw.optimizers as Record<string, unknown>[]) {
    const name = (item.name ?? item.kind) as string;
    if (!scope.optimizers.includes(name)) continue;
    const problem = applyValue(item, path, value);
    if (problem) throw new ConfigError(`sweep.params."${path}": ${problem}`);
  }
}

/** Refuses a plan of more than MAX_SWEEP_RUNS runs, counted without enumerating it. */
function checkPlanSize(sweep: SweepSpec, seeds: number, optimizers: number): void {
  const values = Object.values(sweep.params).map((v) => (Array.isArray(v) ? v.length : 'choice' in v ? v.choice.length : 1));
  const points = sweep.method === 'random' ? (sweep.samples ?? 0) : values.reduce((a, b) => a * b, 1);
  const runs = points * seeds * optimizers;
  if (runs <= MAX_SWEEP_RUNS) return;
  const what = sweep.method === 'random' ? `${formatCount(points)} samples` : `${formatCount(points)} grid points (${values.join(' × ')} values)`;
  throw new ConfigError(
    `${sweep.method === 'random' ? 'sweep.samples' : 'sweep.params'}: expected a sweep of at most ${MAX_SWEEP_RUNS} runs (points × seeds × optimizers), ` +
      `got ${formatCount(runs)}: ${what} × ${seeds} seed(s) × ${optimizers} optimizer(s)`,
  );
}

/** Points in plan order: a grid's last parameter varies fastest; random points are seeded draws. */
function expandPoints(sweep: SweepSpec): Record<string, unknown>[] {
  const entries = Object.entries(sweep.params);
  if (sweep.method === 'random') {
    const rng = new Rng(sweep.seed, 'sweep/random');
    return Array.from({ length: sweep.samples ?? 0 }, () => Object.fromEntries(entries.map(([path, values]) => [path, draw(values, rng)])));
  }
  let points: Record<string, unknown>[] = [{}];
  for (const [path, values] of entries) {
    const list = Array.isArray(values) ? values : 'choice' in values ? values.choice : [];
    points = points.flatMap((p) => list.map((v) => ({ ...p, [path]: v })));
  }
  return points;
}

function draw(values: SweepValues, rng: Rng): unknown {
  if (Array.isArray(values)) return values[rng.int(values.length)];
  if ('choice' in values) return values.choice[rng.int(values.choice.length)];
  if ('log_uniform' in values) {
    const [lo, hi] = values.log_uniform;
    return Math.exp(Math.log(lo) + rng.uniform() * (Math.log(hi) - Math.log(lo)));
  }
  if ('uniform' in values) {
    const [lo, hi] = values.uniform;
    return lo + rng.uniform() * (hi - lo);
  }
  const [lo, hi] = values.int_uniform;
  return lo + rng.int(hi - lo + 1);
}
