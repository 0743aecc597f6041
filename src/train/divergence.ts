// What "diverged" means: a run diverged when its loss or gradient is not finite, when its loss has
// exploded far above where it started, or when an update threw the parameters out of float32 range.
// Pure functions over numbers the train loop computes anyway (loss, ‖g‖, ‖Δθ‖): no extra pass.

/**
 * A loss above EXPLOSION_FACTOR × max(|initial loss|, LOSS_FLOOR) is an explosion. Generous on purpose:
 * a loss may rise early and recover (SGD with momentum at a large lr, Adam's first steps), but not by
 * four orders of magnitude — past that a run is spending its steps on overflow, not on training. The
 * largest rise in the shipped configs and experiments, sweep points included, is 2.9× the first loss
 * (configs/lr-sweep.yaml, Adam at lr 0.1, step 5).
 */
const EXPLOSION_FACTOR = 1e4;
/**
 * The initial loss can be 0 or tiny (an analytic objective started at its minimum, a regression with
 * small targets), which would make any rise an "explosion". Below LOSS_FLOOR the threshold is
 * EXPLOSION_FACTOR × LOSS_FLOOR instead. A classifier starts near ln(classes) ≥ ln 2 ≈ 0.69 nats, so
 * there the floor raises the threshold by at most 1.44×; it matters for objectives that start near 0.
 */
const LOSS_FLOOR = 1;

/**
 * Why the loss and gradient of step t — both measured at θ_{t−1}, before update t — show the run
 * diverged, or undefined. `initialLoss` is the loss of step 1. Checked before the update is applied.
 */
export function lossDivergence(loss: number, gradNorm: number, initialLoss: number): string | undefined {
  if (!Number.isFinite(loss)) return `loss is ${loss}`;
  if (!Number.isFinite(gradNorm)) return `gradient norm is ${gradNorm}`;
  const scale = Math.max(Math.abs(initialLoss), LOSS_FLOOR);
  if (loss > EXPLOSION_FACTOR * scale) {
    const start = Math.abs(initialLoss) >= LOSS_FLOOR ? `initial ${short(initialLoss)}` : `floor ${short(LOSS_FLOOR)} (initial ${short(initialLoss)})`;
    return `loss ${short(loss)} > ${short(EXPLOSION_FACTOR)} × ${start}`;
  }
  return undefined;
}

/**
 * Why update t diverged, or undefined: ‖θ_t − θ_{t−1}‖ is not finite when a parameter overflowed float32
 * (or, with the wasm kernels, whose squares are float32, when one coordinate moved by more than ~1e19
 * in one step). Checked after the update; without it a run whose last update overflowed would pass.
 */
export function updateDivergence(updateNorm: number): string | undefined {
  return Number.isFinite(updateNorm) ? undefined : `update norm is ${updateNorm}`;
}

/** Three significant digits, exponent without "+": 33668.2 → "3.37e4", 2.07 → "2.07". */
function short(x: number): string {
  const r = Number(x.toPrecision(3));
  const a = Math.abs(r);
  return a >= 1e4 || (a !== 0 && a < 1e-3) ? r.toExponential().replace('e+', 'e') : String(r);
}
