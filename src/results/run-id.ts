// Stable run ids: a short SHA-256 of the canonical JSON (keys sorted) of a fully resolved run spec.
// Changing a value changes exactly the ids of the runs it touches. An id names the run's directory
// in the run store (runs/<id>/), which checks a stored spec against it.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../base/canonical-json.js';

/** Bump when the meaning of a spec changes (so old results are not mistaken for new ones). */
// 2: Adam-family runs log every step of their first ⌈2/(1−β₂)⌉ (train/train.ts denseLogSteps), so a
// run stored by v1 with log_every > 1 holds fewer rows than the same run now: it is redone, not mixed in.
export const SPEC_VERSION = 2;

export function shortHash(value: unknown, length = 12): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, length);
}
