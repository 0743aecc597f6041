// Shipped configs and experiments by bare name, as after a global install: every command runs from a
// temporary directory that holds no config, so only the package's configs/ and experiments/ can answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { repoRoot, spawnCli } from './helpers.js';
import { resolveConfigArg } from '../src/cli/shipped.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'radam-run-shipped-'));

/** The names in a folder of the repository, read here from the directory itself. */
function namesIn(folder: string): string[] {
  return readdirSync(join(repoRoot(), folder)).filter((f) => /\.(ya?ml|json)$/.test(f)).map((f) => f.slice(0, -extname(f).length));
}

/** `validate ARG --json` run from `cwd`: the resolved config it prints. */
function validated(arg: string, cwd: string): { name: string } {
  const r = spawnCli(['validate', arg, '--json'], 60_000, cwd);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { name: string };
}

test('a bare name resolves to the shipped config: lstm is configs/lstm.json, mlp is configs/mlp.yaml', () => {
  const cwd = tempDir();
  assert.deepEqual(validated('lstm', cwd), validated(join(repoRoot(), 'configs', 'lstm.json'), cwd));
  assert.deepEqual(validated('mlp', cwd), validated(join(repoRoot(), 'configs', 'mlp.yaml'), cwd));
  assert.deepEqual(validated('mlp.yaml', cwd), validated(join(repoRoot(), 'configs', 'mlp.yaml'), cwd));
});

test('compare runs a shipped config by name from an empty directory and records which file it used', () => {
  const cwd = tempDir();
  const r = spawnCli(['compare', 'rosenbrock', '--steps', '5', '--out', 'out', '-q'], 60_000, cwd);
  assert.equal(r.code, 0, r.stderr);
  const manifest = JSON.parse(readFileSync(join(cwd, 'out', 'manifest.json'), 'utf8')) as { config_file: string };
  assert.equal(manifest.config_file, join(repoRoot(), 'configs', 'rosenbrock.yaml'));
});

test('reproduce looks in experiments/ first, compare in configs/ first (fmnist-2c2d is in both)', () => {
  const pkg = tempDir();
  for (const folder of ['configs', 'experiments']) {
    mkdirSync(join(pkg, folder));
    writeFileSync(join(pkg, folder, 'twin.yaml'), `# ${folder}\n`);
  }
  assert.equal(resolveConfigArg('twin', ['experiments', 'configs'], pkg), join(pkg, 'experiments', 'twin.yaml'));
  assert.equal(resolveConfigArg('twin', ['configs', 'experiments'], pkg), join(pkg, 'configs', 'twin.yaml'));
  // the real folders: an experiment's name finds it with its claims; reproduce of a name only configs/
  // has falls back to it (and says it has no claims)
  const r = spawnCli(['validate', 'warmup-ablation', '--json'], 60_000, tempDir());
  assert.equal(r.code, 0, r.stderr);
  assert.ok((JSON.parse(r.stdout) as { claims?: unknown[] }).claims!.length > 0, 'the experiment with its claims');
  const noClaims = spawnCli(['reproduce', 'rosenbrock'], 60_000, tempDir());
  assert.equal(noClaims.code, 2);
  assert.match(noClaims.stderr, /^radam-run: rosenbrock: expected a claims section for reproduce/);
});

test('a local file of that name wins over the shipped one, with or without its extension', () => {
  const cwd = tempDir();
  const mine = 'name: mine\nsteps: 3\nmodel: {kind: rosenbrock}\noptimizers: [{kind: sgd, lr: 0.001}]\n';
  writeFileSync(join(cwd, 'lstm.yaml'), mine);
  assert.equal(validated('lstm', cwd).name, 'mine');
  assert.equal(validated('lstm.yaml', cwd).name, 'mine');
  assert.equal(validated('lstm.json', cwd).name, 'lstm', 'lstm.json is not a local file here: the shipped one');
});

test('a local directory of that name (an earlier `compare mlp --out mlp`) does not hide the shipped config', () => {
  const cwd = tempDir();
  mkdirSync(join(cwd, 'mlp'));
  assert.equal(validated('mlp', cwd).name, 'mlp');
});

test('an unknown name is one line naming every shipped config and experiment, exit 2', () => {
  const r = spawnCli(['compare', 'no-such-config'], 60_000, tempDir());
  assert.equal(r.code, 2);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^radam-run: no-such-config: /);
  for (const name of [...namesIn('configs'), ...namesIn('experiments')]) assert.ok(lines[0]!.includes(name), `${name} in: ${lines[0]}`);
});

test('a path (with a directory part) is never looked up among the shipped files', () => {
  const r = spawnCli(['validate', 'configs/lstm.json'], 60_000, tempDir());
  assert.equal(r.code, 2);
  assert.match(r.stderr, /configs\/lstm\.json: expected a readable config file, got no such file/);
});

/** What the files say about themselves, read here: a YAML file's first line (a comment in every shipped one), the JSON description. */
function introduction(file: string): string {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.json')) return (JSON.parse(text) as { description: string }).description;
  const first = text.split('\n')[0]!;
  assert.match(first, /^# /, `${file} opens with a comment`);
  return first.slice(2);
}

test('examples lists every shipped config and experiment with its own introduction', () => {
  const r = spawnCli(['examples'], 60_000, tempDir());
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  for (const folder of ['configs', 'experiments']) {
    const block = lines.slice(lines.findIndex((l) => l.startsWith(folder)));
    for (const file of readdirSync(join(repoRoot(), folder))) {
      const name = file.slice(0, -extname(file).length);
      const row = block.find((l) => l.trimStart().startsWith(`${name} `));
      assert.ok(row, `${folder}/${file} listed`);
      const summary = row.trim().slice(name.length).trim();
      assert.ok(summary.length >= 40 && introduction(join(repoRoot(), folder, file)).startsWith(summary), `${folder}/${file}: "${summary}"`);
    }
  }
});

test('examples --json gives each file with its path', () => {
  const r = spawnCli(['examples', '--json'], 60_000, tempDir());
  assert.equal(r.code, 0, r.stderr);
  const entries = JSON.parse(r.stdout) as { folder: string; name: string; file: string }[];
  const expected = ['configs', 'experiments'].flatMap((folder) => readdirSync(join(repoRoot(), folder)).map((f) => join(repoRoot(), folder, f)));
  assert.deepEqual(entries.map((e) => e.file).sort(), expected.sort());
});
