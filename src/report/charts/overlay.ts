// `plot DIR DIR …`: several output directories as one, every run and optimizer labelled by its
// directory ("lstm-a/radam"), so two compares, or a compare and a sweep's best points, share the charts.
// A sweep contributes its best point per optimizer as curves, and its robustness rows.
import { basename, resolve, sep } from 'node:path';
import { ConfigError } from '../../base/errors.js';
import { bestLabel } from './curves.js';
import { optimizerInfo, type OptimizerInfo } from './optimizers.js';
import type { CompareData, OutputData, SweepData } from '../../results/output-data.js';
import type { Table } from '../../results/read.js';

/** Output data with the optimizers (names, kinds, RAdam marks) decided before the merge renamed them. */
export interface ReportData extends OutputData {
  optimizers?: OptimizerInfo[];
  /** An overlay's directories, by the label their runs carry. */
  overlay?: { label: string; dir: string }[];
}

/**
 * One label per directory: its name, or as many trailing path components as tell it apart from the
 * others ("a/out" and "b/out"), with a number as the last resort (the same directory given twice).
 */
export function dirLabels(dirs: string[]): string[] {
  const parts = dirs.map((d) => resolve(d).split(sep).filter(Boolean));
  for (let n = 1; n <= Math.max(...parts.map((p) => p.length)); n++) {
    const labels = parts.map((p) => p.slice(-n).join('/') || basename(resolve('/')));
    if (new Set(labels).size === labels.length) return labels;
  }
  return dirs.map((d, k) => `${basename(resolve(d))}#${k + 1}`);
}

/** A table with the directory's label as its first column, so merged rows say where they came from. */
function withDir(tables: { label: string; table: Table }[]): Table | undefined {
  if (tables.length === 0) return undefined;
  const columns = ['dir', ...new Set(tables.flatMap((t) => t.table.columns))];
  return { columns, rows: tables.flatMap(({ label, table }) => table.rows.map((r) => ({ dir: label, ...r }))) };
}

/** A compare's rows, runs and optimizers renamed `label/name`; its optimizers' infos likewise. */
function renamedCompare(label: string, data: OutputData): { compare: CompareData; optimizers: OptimizerInfo[] } {
  const c = data.compare!;
  const name = (s: string): string => `${label}/${s}`;
  return {
    compare: {
      curves: c.curves.map((r) => ({ ...r, run: name(r.run), optimizer: name(r.optimizer) })),
      trace: c.trace.map((r) => ({ ...r, run: name(r.run), optimizer: name(r.optimizer) })),
      summary: c.summary,
      summaryRows: c.summaryRows.map((r) => ({ ...r, run: name(r.run), optimizer: name(r.optimizer) })),
    },
    optimizers: optimizerInfo(c, data.manifest).map((o) => ({ ...o, name: name(o.name) })),
  };
}

/** A sweep's best points as compare series `label/optimizer · point` (curves only: sweeps keep no trace). */
function sweepAsCompare(label: string, sweep: SweepData): { compare: CompareData; optimizers: OptimizerInfo[] } {
  const best = sweep.best.filter((b) => b.curves.length > 0);
  const names = best.map((b) => `${label}/${bestLabel(b)}`);
  return {
    compare: {
      curves: best.flatMap((b, k) => b.curves.map((r) => ({ ...r, run: `${label}/${r.run}`, optimizer: names[k]! }))),
      trace: [],
      summary: { columns: [], rows: [] },
      summaryRows: [],
    },
    // the kind is read off the optimizer's name (sweep.json does not record it): enough for its dash
    optimizers: best.map((b, k) => ({ name: names[k]!, kind: b.optimizer, rhoThreshold: undefined, firstRectifiedStep: null })),
  };
}

function mergedSweep(parts: { label: string; sweep: SweepData }[]): SweepData | undefined {
  if (parts.length === 0) return undefined;
  const params = parts[0]!.sweep.params;
  const sameParams = parts.every((p) => p.sweep.params.join('\u0000') === params.join('\u0000'));
  return {
    name: parts.map((p) => p.sweep.name).join(' + '),
    params: sameParams ? params : [],
    robustness: parts.flatMap(({ label, sweep }) => sweep.robustness.map((r) => ({ ...r, optimizer: `${label}/${r.optimizer}` }))),
    // drawn with the compares' curves instead
    best: [],
    points: withDir(parts.map(({ label, sweep }) => ({ label, table: { ...sweep.points, rows: sweep.points.rows.map((r) => ({ ...r, optimizer: `${label}/${r.optimizer}` })) } })))!,
    plan: Object.fromEntries(parts.map(({ label, sweep }) => [label, sweep.plan])),
    partial: undefined,
  };
}

/** Several output directories (already read) as one report's data. Variance outputs are plotted alone. */
export function overlayData(datas: OutputData[]): ReportData {
  const labels = dirLabels(datas.map((d) => d.dir));
  const variance = datas.find((d) => d.variance);
  if (variance) throw new ConfigError(`${variance.dir}: expected the output of compare, reproduce or sweep to overlay, got a variance output (plot it on its own)`);
  const parts = datas.flatMap((d, k) => [
    ...(d.compare ? [renamedCompare(labels[k]!, d)] : []),
    ...(d.sweep ? [sweepAsCompare(labels[k]!, d.sweep)] : []),
  ]);
  const summaries = datas.flatMap((d, k) => (d.compare ? [{ label: labels[k]!, table: d.compare.summary }] : []));
  const compare: CompareData = {
    curves: parts.flatMap((p) => p.compare.curves),
    trace: parts.flatMap((p) => p.compare.trace),
    summary: withDir(summaries) ?? { columns: [], rows: [] },
    summaryRows: parts.flatMap((p) => p.compare.summaryRows),
  };
  return {
    dir: datas.map((d) => d.dir).join(', '),
    name: labels.join(' + '),
    compare: compare.curves.length > 0 ? compare : undefined,
    sweep: mergedSweep(datas.flatMap((d, k) => (d.sweep ? [{ label: labels[k]!, sweep: d.sweep }] : []))),
    claims: withDir(datas.flatMap((d, k) => (d.claims ? [{ label: labels[k]!, table: d.claims }] : []))),
    variance: undefined,
    manifest: undefined,
    optimizers: parts.flatMap((p) => p.optimizers),
    overlay: datas.map((d, k) => ({ label: labels[k]!, dir: d.dir })),
  };
}
