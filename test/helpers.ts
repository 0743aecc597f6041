// Shared test helpers: locating the repository (tests run both compiled from dist/test and via tsx
// from test/) and comparing floats.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

/** The repository root: the nearest ancestor of this file holding package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repoRoot: no package.json above the tests');
    dir = up;
  }
  return dir;
}

/** Assert |actual − expected| ≤ atol + rtol·|expected|. */
export function assertClose(actual: number, expected: number, rtol = 1e-6, atol = 0, what = ''): void {
  const tol = atol + rtol * Math.abs(expected);
  assert.ok(
    Math.abs(actual - expected) <= tol,
    `${what ? what + ': ' : ''}expected ${expected} ± ${tol}, got ${actual} (diff ${Math.abs(actual - expected)})`,
  );
}
