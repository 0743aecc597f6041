// Shared test helpers: locating the repository (tests run compiled, from dist/test), comparing floats,
// and running the built CLI.
import { spawnSync } from 'node:child_process';
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

/**
 * Run the built CLI (`node bin/radam-run.js …`) from the repository root (or from `cwd`). A run still
 * going after `timeoutMs` is killed and reported as code -1 with its signal, so a hang fails the test that waits.
 */
export function spawnCli(args: string[], timeoutMs = 60_000, cwd?: string): { code: number; signal: string | null; stdout: string; stderr: string } {
  const root = repoRoot();
  const r = spawnSync(process.execPath, [join(root, 'bin', 'radam-run.js'), ...args], {
    cwd: cwd ?? root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: timeoutMs,
  });
  return { code: r.status ?? -1, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}
