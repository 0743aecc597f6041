// A sweep's learning-rate robustness curve (lr_robustness.csv): final train loss against lr on a log
// axis, one line per optimizer; a learning rate at which every point diverged is a cross at the top.
import type { TopLevelSpec } from 'vega-lite';
import { LOG_AXIS, colorScale, frame, seriesChannels, type Chart, wantsLog } from './common.js';
import type { RobustnessRow } from '../../results/aggregate.js';

const OK = 'final loss';
const DIVERGED = 'every run diverged';

export function robustnessChart(rows: RobustnessRow[], opts: { logY?: boolean } = {}): Chart {
  const optimizers = [...new Set(rows.map((r) => r.optimizer))];
  const finite = rows.filter((r) => r.final_train_loss_mean !== null && Number.isFinite(r.final_train_loss_mean));
  const losses = finite.map((r) => r.final_train_loss_mean!);
  const logY = wantsLog(losses, opts.logY) && losses.every((x) => x > 0);
  // diverged learning rates sit just above the highest finite loss, where the eye looks for "worse"
  const hi = losses.length ? Math.max(...losses) : 1;
  const lo = losses.length ? Math.min(...losses) : 1;
  const top = logY ? hi * 3 : hi + 0.1 * (hi - lo || Math.abs(hi) || 1);
  const values = [
    ...finite.map((r) => ({ series: r.optimizer, lr: r.lr, loss: r.final_train_loss_mean!, outcome: OK, points: r.points, diverged_points: r.diverged_points })),
    ...rows.filter((r) => !finite.includes(r)).map((r) => ({ series: r.optimizer, lr: r.lr, loss: top, outcome: DIVERGED, points: r.points, diverged_points: r.diverged_points })),
  ];
  const x = { field: 'lr', type: 'quantitative', title: 'learning rate', ...LOG_AXIS };
  const y = { field: 'loss', type: 'quantitative', title: 'final train loss (mean over seeds)', ...(logY ? LOG_AXIS : { scale: { zero: false } }) };
  const color = { field: 'series', type: 'nominal', title: 'optimizer', scale: colorScale(optimizers) };
  const shape = { field: 'outcome', type: 'nominal', title: 'at this lr', scale: { domain: [OK, DIVERGED], range: ['circle', 'cross'] } };
  const spec = {
    ...frame('Learning-rate robustness', ['final train loss of the best point at each learning rate, averaged over seeds', `× ${DIVERGED} (drawn above the highest finite loss)`]),
    data: { values },
    encoding: { x, y, color },
    layer: [
      { transform: [{ filter: `datum.outcome === '${OK}'` }], mark: { type: 'line', strokeWidth: 1.6 }, encoding: seriesChannels(optimizers) },
      { mark: { type: 'point', filled: true, size: 60 }, encoding: { shape } },
    ],
  } as unknown as TopLevelSpec;
  return { name: 'lr-robustness', title: 'Learning-rate robustness', spec };
}
