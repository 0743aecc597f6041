// The training stream shared by every dataset: batch `step` is the step-th draw from one sequential
// Rng(seed, 'data/train'). Validation batch `index` is drawn from its own Rng(seed, 'data/val/<index>'),
// so it is the same batch every time it is asked for and independent of the training stream.
import { Rng } from '../base/rng.js';

/** Draws one batch from `rng` into `out` (no allocation). */
export type DrawBatch<B> = (rng: Rng, out: B) => void;

/**
 * fillTrain(step, out) for a dataset. Sequential calls (1, 2, 3, …) cost one draw each and allocate
 * nothing; any other order replays the stream from the start, so batch `step` never depends on the
 * call pattern (resumed or re-run steps see the same data).
 */
export function trainStream<B>(seed: number, draw: DrawBatch<B>): (step: number, out: B) => void {
  let rng = new Rng(seed, 'data/train');
  let next = 1;
  return (step, out) => {
    if (!Number.isInteger(step) || step < 1) throw new Error(`fillTrain: expected an integer step ≥ 1, got ${step}`);
    if (step < next) {
      rng = new Rng(seed, 'data/train');
      next = 1;
    }
    for (; next <= step; next++) draw(rng, out);
  };
}

/** fillVal(index, out): a fixed validation set, batch `index` drawn from its own stream. */
export function valBatches<B>(seed: number, draw: DrawBatch<B>): (index: number, out: B) => void {
  return (index, out) => {
    if (!Number.isInteger(index) || index < 0) throw new Error(`fillVal: expected an integer index ≥ 0, got ${index}`);
    draw(new Rng(seed, `data/val/${index}`), out);
  };
}

/** Asserts a batch buffer has the length the dataset fills (a caller bug otherwise). */
export function checkLength(name: string, buffer: ArrayLike<number>, expected: number): void {
  if (buffer.length !== expected) throw new Error(`batch buffer ${name}: expected length ${expected}, got ${buffer.length}`);
}
