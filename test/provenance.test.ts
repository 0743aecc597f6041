// Provenance in manifest.json: the git commit and dirty flag of the config's repository (omitted
// outside one, never an error), host, CPU and lockfile hash; and a report header free of script paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, spawnCli } from './helpers.js';
import { gitState, provenance } from '../src/results/provenance.js';

const hasGit = spawnSync('git', ['--version']).status === 0;
const noGit = hasGit ? false : 'git is not installed: the repository cases cannot run here';

const CONFIG = 'name: tiny\nsteps: 3\nmodel: {kind: rosenbrock}\noptimizers: [{kind: sgd, lr: 0.001}]\n';

/** `git ARGS` in `cwd` with a throwaway identity; its trimmed output. */
function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' }).trim();
}

/** A new repository holding exp.yaml and notes.txt, both committed. */
function repoWithConfig(): string {
  const dir = mkdtempSync(join(tmpdir(), 'radam-run-git-'));
  git(dir, 'init', '-q');
  writeFileSync(join(dir, 'exp.yaml'), CONFIG);
  writeFileSync(join(dir, 'notes.txt'), 'notes\n');
  git(dir, 'add', 'exp.yaml', 'notes.txt');
  git(dir, 'commit', '-q', '-m', 'config');
  return dir;
}

test('compare records the commit of the config file\'s repository, clean when nothing differs from it', { skip: noGit }, () => {
  const repo = repoWithConfig();
  const out = join(mkdtempSync(join(tmpdir(), 'radam-run-prov-')), 'out');
  // run from elsewhere: the repository is the config's, not the current directory's
  const r = spawnCli(['compare', join(repo, 'exp.yaml'), '--out', out, '-q'], 60_000, tmpdir());
  assert.equal(r.code, 0, r.stderr);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { provenance: { git?: unknown } };
  assert.deepEqual(manifest.provenance.git, { commit: git(repo, 'rev-parse', 'HEAD'), dirty: false });
});

test('dirty: a changed tracked file, a staged change, or an uncommitted config; an untracked file elsewhere is not', { skip: noGit }, () => {
  const repo = repoWithConfig();
  const config = join(repo, 'exp.yaml');
  writeFileSync(join(repo, 'scratch.txt'), 'not tracked\n');
  assert.equal(gitState(config)?.dirty, false, 'untracked scratch.txt');
  appendFileSync(join(repo, 'notes.txt'), 'more\n');
  assert.equal(gitState(config)?.dirty, true, 'notes.txt modified');
  git(repo, 'add', 'notes.txt');
  assert.equal(gitState(config)?.dirty, true, 'notes.txt staged');
  git(repo, 'commit', '-q', '-m', 'notes');
  assert.deepEqual(gitState(config), { commit: git(repo, 'rev-parse', 'HEAD'), dirty: false });
  copyFileSync(config, join(repo, 'new.yaml'));
  assert.equal(gitState(join(repo, 'new.yaml'))?.dirty, true, 'the config itself is not in the commit');
});

test('outside a repository, or in one without commits, the git fields are omitted and nothing fails', { skip: noGit }, () => {
  const plain = mkdtempSync(join(tmpdir(), 'radam-run-nogit-'));
  writeFileSync(join(plain, 'exp.yaml'), CONFIG);
  assert.equal(gitState(join(plain, 'exp.yaml')), undefined);
  assert.equal('git' in provenance(join(plain, 'exp.yaml')), false);
  const empty = mkdtempSync(join(tmpdir(), 'radam-run-emptygit-'));
  git(empty, 'init', '-q');
  writeFileSync(join(empty, 'exp.yaml'), CONFIG);
  assert.equal(gitState(join(empty, 'exp.yaml')), undefined);
  const out = join(plain, 'out');
  const r = spawnCli(['compare', join(plain, 'exp.yaml'), '--out', out, '-q'], 60_000, plain);
  assert.equal(r.code, 0, r.stderr);
  assert.equal('git' in (JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { provenance: object }).provenance, false);
});

test('host, CPU model and core count (checked against /proc/cpuinfo), lockfile hash (against sha256sum)', () => {
  const p = provenance();
  assert.equal(p.host, hostname());
  if (existsSync('/proc/cpuinfo')) {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const model = /^model name\s*:\s*(.*)$/m.exec(info)?.[1]?.trim();
    if (model !== undefined) assert.equal(p.cpu.model, model);
    // cores the kernel lists as online; affinity is not applied by os.cpus() either
    const online = /^processor\s*:/gm;
    assert.equal(p.cpu.cores, info.match(online)?.length);
  }
  const sum = spawnSync('sha256sum', [join(repoRoot(), 'package-lock.json')], { encoding: 'utf8' });
  if (sum.status === 0) assert.equal(p.lockfile_sha256, sum.stdout.split(' ')[0]);
  else assert.match(p.lockfile_sha256 ?? '', /^[0-9a-f]{64}$/);
});

test('the report header shows the command as typed, not the path of the script that ran it (an npx cache)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'radam-run-header-'));
  mkdirSync(join(dir, 'cfg'));
  writeFileSync(join(dir, 'cfg', 'exp.yaml'), CONFIG);
  const out = join(dir, 'out');
  assert.equal(spawnCli(['compare', join(dir, 'cfg', 'exp.yaml'), '--out', out, '-q'], 60_000, dir).code, 0);
  const manifestPath = join(out, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { command: string[] };
  const npxScript = '/home/u/.npm/_npx/0123abcd/node_modules/radam-run/bin/radam-run.js';
  writeFileSync(manifestPath, JSON.stringify({ ...manifest, command: [npxScript, 'compare', 'lstm', '--out', 'runs/lstm'] }));
  assert.equal(spawnCli(['plot', out], 60_000, dir).code, 0);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.ok(!html.includes('_npx'), 'no npx cache path in the report');
  assert.ok(html.includes('<code>radam-run compare lstm --out runs/lstm</code>'));
});
