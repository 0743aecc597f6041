// The npm package: what `npm pack` ships (the built CLI, configs, experiments; no source maps pointing
// at TypeScript sources it does not ship), the registry fields, and a `prepare` script that builds on
// install but not again when `npx radam-run` links the package directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { repoRoot } from './helpers.js';

interface PackageJson {
  repository?: { url?: string };
  homepage?: string;
  bugs?: { url?: string };
  keywords?: string[];
  scripts: Record<string, string>;
}
const pkg = (): PackageJson => JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as PackageJson;

/** The files `npm pack` would put in the tarball (scripts skipped: the tests run on a built tree). */
function packedFiles(): string[] {
  // under `npm test`, npm_execpath is npm's own CLI script; otherwise npm is on PATH
  const npm = process.env.npm_execpath;
  const [cmd, pre] = npm && npm.endsWith('.js') ? [process.execPath, [npm]] : ['npm', []];
  const r = spawnSync(cmd, [...pre, 'pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot(), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
}

test('the tarball has the built CLI, the wasm kernels and every shipped config, and no source maps or sources', () => {
  const files = packedFiles();
  for (const f of ['bin/radam-run.js', 'dist/src/cli/main.js', 'dist/src/index.d.ts', 'dist/src/wasm/kernels.wasm', 'README.md', 'package.json']) assert.ok(files.includes(f), f);
  for (const folder of ['configs', 'experiments']) {
    for (const f of readdirSync(join(repoRoot(), folder))) assert.ok(files.includes(`${folder}/${f}`), `${folder}/${f}`);
  }
  // a .map names ../../src/…ts, which is not shipped: every one would point at nothing
  assert.deepEqual(files.filter((f) => f.endsWith('.map')), []);
  assert.deepEqual(files.filter((f) => /(^|\/)(test|bench)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts'))), []);
});

test('package.json names the repository, home page, issue tracker and keywords', () => {
  const p = pkg();
  assert.match(p.repository?.url ?? '', /github\.com\/radam-run\/radam-run/);
  assert.match(p.homepage ?? '', /^https:\/\//);
  assert.match(p.bugs?.url ?? '', /^https:\/\/.*\/issues$/);
  assert.ok((p.keywords ?? []).includes('radam'));
});

/**
 * Run the `prepare` script as npm would (sh -c, in `cwd`, npm_command set as npm sets it) with a stand-in
 * `npm` first on PATH that only records its arguments; what it was asked to do, or undefined.
 */
function prepareRuns(npmCommand: string, cwd: string): string | undefined {
  const fake = mkdtempSync(join(tmpdir(), 'radam-run-fake-npm-'));
  const record = join(fake, 'called');
  writeFileSync(join(fake, 'npm'), `#!/bin/sh\necho "$@" > '${record}'\n`);
  chmodSync(join(fake, 'npm'), 0o755);
  const env = { ...process.env, npm_command: npmCommand, PATH: [fake, dirname(process.execPath), process.env.PATH].join(delimiter) };
  const r = spawnSync('sh', ['-c', pkg().scripts.prepare!], { cwd, env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return existsSync(record) ? readFileSync(record, 'utf8').trim() : undefined;
}

test('prepare builds on npm install and npm ci, and not when npx links an already built package directory', () => {
  assert.ok(existsSync(join(repoRoot(), 'dist', 'src', 'cli', 'main.js')), 'the tests run on a built tree');
  assert.equal(prepareRuns('install', repoRoot()), 'run build');
  assert.equal(prepareRuns('ci', repoRoot()), 'run build');
  assert.equal(prepareRuns('pack', repoRoot()), 'run build', 'a tarball is always built fresh');
  // npx radam-run in the repository installs it into the npx cache as a link to this directory and
  // runs its prepare script with npm_command=exec: the build from npm install is already there
  assert.equal(prepareRuns('exec', repoRoot()), undefined);
  assert.equal(prepareRuns('exec', mkdtempSync(join(tmpdir(), 'radam-run-unbuilt-'))), 'run build', 'nothing built yet: build');
});

test('prepare under npx rebuilds a build older than the sources (an edit or a git pull since npm install)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'radam-run-stale-'));
  mkdirSync(join(dir, 'dist', 'src', 'cli'), { recursive: true });
  mkdirSync(join(dir, 'src', 'cli'), { recursive: true });
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(repoRoot(), 'bin', 'dist-is-current.cjs'), join(dir, 'bin', 'dist-is-current.cjs'));
  writeFileSync(join(dir, 'package.json'), '{}\n');
  writeFileSync(join(dir, 'dist', 'src', 'cli', 'main.js'), '');
  writeFileSync(join(dir, 'src', 'cli', 'main.ts'), '');
  const [past, later] = [new Date(2020, 0, 1), new Date(2021, 0, 1)];
  utimesSync(join(dir, 'package.json'), past, past);
  utimesSync(join(dir, 'dist', 'src', 'cli', 'main.js'), later, later);
  utimesSync(join(dir, 'src', 'cli', 'main.ts'), past, past);
  assert.equal(prepareRuns('exec', dir), undefined, 'build newer than every source: no rebuild');
  const edited = new Date(2022, 0, 1);
  utimesSync(join(dir, 'src', 'cli', 'main.ts'), edited, edited);
  assert.equal(prepareRuns('exec', dir), 'run build', 'a source edited after the build: rebuild');
});
