// What the charts need of each optimizer of a compare: its kind, and for RAdam the threshold and the
// first step that applied the rectified update (from manifest.json, summary.csv and trace.csv).
import type { Manifest } from '../../results/output-dir.js';
import type { CompareData } from '../../results/output-data.js';
import { minOf } from './common.js';

/** What the charts need of each optimizer of a compare (from manifest.json `config.optimizers[]`). */
export interface OptimizerInfo {
  name: string;
  kind: string;
  /** RAdam: rectify when ρ_t > rhoThreshold (schema default 5). */
  rhoThreshold: number | undefined;
  /** RAdam: the first step that applied the rectified update, or null if none did. */
  firstRectifiedStep: number | null;
  /** Steps 1…freezeSteps move only v_t ("Adam-2k"): no update (0 when unknown). */
  freezeSteps?: number;
}

/** Optimizers in the order they first appear (the order colorFor uses), with RAdam's threshold. */
export function optimizerInfo({ curves, trace, summaryRows: summary }: CompareData, manifest: Manifest | undefined): OptimizerInfo[] {
  const specs = manifest?.config?.optimizers ?? [];
  const names = [...new Set([...specs.map((s) => s.name ?? s.kind), ...curves.map((c) => c.optimizer), ...trace.map((t) => t.optimizer)])];
  return names.map((name) => {
    const spec = specs.find((s) => (s.name ?? s.kind) === name);
    const kind = spec?.kind ?? summary.find((r) => r.optimizer === name)?.kind ?? (trace.some((t) => t.optimizer === name && !Number.isNaN(t.rhoT)) ? 'radam' : name);
    // summary.csv's first_adaptive_step is exact whatever log_every was; the trace only sees logged steps
    const fromSummary = summary.filter((r) => r.optimizer === name).map((r) => r.first_adaptive_step).filter((x) => !Number.isNaN(x));
    const fromTrace = trace.filter((t) => t.optimizer === name && t.adaptive && !Number.isNaN(t.rhoT)).map((t) => t.step);
    const firsts = fromSummary.length > 0 ? fromSummary : fromTrace;
    return {
      name,
      kind,
      rhoThreshold: kind === 'radam' ? (spec?.rho_threshold ?? 5) : undefined,
      firstRectifiedStep: kind === 'radam' && firsts.length > 0 ? minOf(firsts) : null,
      freezeSteps: typeof spec?.freeze_steps === 'number' ? spec.freeze_steps : 0,
    };
  });
}
