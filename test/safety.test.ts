// Data safety (issue #10): the tool never deletes or overwrites what it did not write, two processes
// cannot both claim one output, path and disk errors are one line naming the path, partial results
// say so in the files, and signals leave nothing half-written behind. Every refusal is checked for
// its exit code, a one-line stderr without a stack trace, and an unchanged directory (hashed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { repoRoot } from './helpers.js';

const bin = join(repoRoot(), 'bin', 'radam-run.js');

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'radam-safety-'));
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** The deadline is a hang guard only: far above what any command here takes on a busy machine. */
function cli(args: string[], cwd: string): Result {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 600_000 });
  assert.equal(r.error, undefined, `radam-run ${args.join(' ')} did not finish: ${String(r.error)}`);
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Exit code `code` and exactly one stderr line matching `pattern`, no stack trace. */
function assertOneLine(r: Result, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one stderr line, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /^\s+at /m);
  assert.doesNotMatch(r.stderr, /internal error/);
  assert.match(lines[0]!, pattern);
}

/** Names, sizes and contents of everything under `dir`, hashed: equal before and after means nothing changed. */
function treeHash(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      h.update(`${p.slice(dir.length)}\0`);
      if (statSync(p).isDirectory()) walk(p);
      else h.update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

/** Every file of a tree, relative, for "what is left behind" checks. */
function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      out.push(join(rel, name));
      if (statSync(p).isDirectory()) walk(p, join(rel, name));
    }
  };
  walk(dir, '');
  return out.sort();
}

const quadratic = {
  name: 'q',
  steps: 30,
  model: { kind: 'quadratic', curvatures: [1, 10], init: [1, 1] },
  optimizers: [{ kind: 'sgd', lr: 0.05 }, { kind: 'adam', lr: 0.1 }, { kind: 'radam', lr: 0.1 }],
};

/** A user's working directory: some source, a config, notes. */
function userDir(): { dir: string; config: string; experiment: string } {
  const dir = tmp();
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'main.ts'), 'export const x = 1;\n');
  writeFileSync(join(dir, 'notes.md'), '# my notes\n');
  const config = join(dir, 'q.yaml');
  writeFileSync(config, stringify(quadratic));
  const experiment = join(dir, 'exp.yaml');
  writeFileSync(experiment, stringify({ ...quadratic, claims: [{ metric: 'final_train_loss', optimizer: 'radam', below: 10 }] }));
  return { dir, config, experiment };
}

test('--force never replaces what radam-run did not write, and an empty --out is refused', () => {
  const { dir, config, experiment } = userDir();
  const ours = join(dir, 'ours');
  assert.equal(cli(['compare', config, '--out', ours, '-q'], dir).code, 0);
  const variance = join(dir, 'var');
  assert.equal(cli(['variance', '--out', variance, '--steps', '20', '--samples', '50'], dir).code, 0);
  const cases: { name: string; args: string[]; pattern: RegExp; setup?: () => void }[] = [
    { name: '--out . --force on a source tree', args: ['compare', config, '--out', '.', '--force', '-q'], pattern: /^radam-run: --out \.: .*not a radam-run result/ },
    { name: '--out "" (unset variable)', args: ['compare', config, '--out', '', '-q'], pattern: /^radam-run: --out: expected a directory path, got an empty string/ },
    { name: '--out "" --force', args: ['compare', config, '--out', '', '--force', '-q'], pattern: /--out: expected a directory path/ },
    { name: 'reproduce --out . --force', args: ['reproduce', experiment, '--out', '.', '--force', '-q'], pattern: /^radam-run: --out \.: .*not a radam-run result/ },
    { name: 'variance --out . --force', args: ['variance', '--out', '.', '--force', '--steps', '10', '--samples', '10'], pattern: /^radam-run: --out \.: .*not a radam-run result/ },
    { name: 'a compare result replaced by variance', args: ['variance', '--out', ours, '--force', '--steps', '10', '--samples', '10'], pattern: /result of `radam-run compare`, not of `variance`/ },
    { name: 'a variance result replaced by compare', args: ['compare', config, '--out', variance, '--force', '-q'], pattern: /result of `radam-run variance`, not of `compare`/ },
    {
      name: 'our result holding a file of the user',
      args: ['compare', config, '--out', ours, '--force', '-q'],
      pattern: /also holds files radam-run did not write \(analysis\.ipynb\)/,
      setup: () => writeFileSync(join(ours, 'analysis.ipynb'), '{}'),
    },
    { name: 'an existing result without --force', args: ['compare', config, '--out', variance, '-q'], pattern: /expected a new or empty directory, got one holding 2 entries/ },
  ];
  for (const c of cases) {
    c.setup?.();
    const before = treeHash(dir);
    const r = cli(c.args, dir);
    assertOneLine(r, 2, c.pattern);
    assert.equal(treeHash(dir), before, `${c.name}: the directory changed`);
  }
});

test('--force replaces a previous result of the same command, and only the files it wrote', () => {
  const { dir, config } = userDir();
  const out = join(dir, 'out');
  assert.equal(cli(['compare', config, '--out', out, '-q'], dir).code, 0);
  assert.equal(cli(['plot', out], dir).code, 0);
  assert.ok(existsSync(join(out, 'report.html')));
  const firstManifest = readFileSync(join(out, 'manifest.json'), 'utf8');
  const r = cli(['compare', config, '--out', out, '--force', '--steps', '12', '-q'], dir);
  assert.equal(r.code, 0, r.stderr);
  // the stale report of the replaced result is gone with it (its live files replaced); the new result is complete
  assert.deepEqual(readdirSync(out).sort(), ['curves.csv', 'live', 'manifest.json', 'summary.csv', 'summary.json', 'trace.csv']);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.notEqual(readFileSync(join(out, 'manifest.json'), 'utf8'), firstManifest);
  assert.equal(manifest.output, 'compare');
  assert.equal(manifest.config.steps, 12);
  assert.deepEqual(manifest.files, ['curves.csv', 'trace.csv', 'summary.csv', 'summary.json', 'live']);
});

test('an output directory held by a live radam-run is refused, naming the holder; a dead holder\'s claim is taken over', () => {
  const { dir, config } = userDir();
  const out = join(dir, 'out');
  mkdirSync(out);
  // this test process stands in for another radam-run writing `out`
  writeFileSync(join(out, '.radam-run.lock'), JSON.stringify({ pid: process.pid, host: hostname(), command: 'compare', started: '2026-01-01T00:00:00.000Z', created: true }));
  const before = treeHash(dir);
  assertOneLine(cli(['compare', config, '--out', out, '-q'], dir), 2, new RegExp(`claimed by \`radam-run compare\` \\(pid ${process.pid}, since 2026-01-01`));
  assert.equal(treeHash(dir), before);
  // a process that has exited: its claim (lock and staging) is stale
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const deadPid = Number(dead.stdout);
  writeFileSync(join(out, '.radam-run.lock'), JSON.stringify({ pid: deadPid, host: hostname(), command: 'compare', started: 'x', created: true }));
  mkdirSync(join(out, `.radam-run.partial-${deadPid}`));
  writeFileSync(join(out, `.radam-run.partial-${deadPid}`, 'curves.csv'), 'run,optim');
  const r = cli(['compare', config, '--out', out, '-q'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(out).sort(), ['curves.csv', 'live', 'manifest.json', 'summary.csv', 'summary.json', 'trace.csv']);
});

test('two processes started into one new --out: exactly one writes it, the other exits 2 and names the cause', async () => {
  const { dir, config } = userDir();
  const out = join(dir, 'out');
  const run = (): Promise<Result> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [bin, 'compare', config, '--out', out, '--steps', '3000', '-q'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  const results = await Promise.all([run(), run()]);
  const codes = results.map((r) => r.code).sort();
  assert.deepEqual(codes, [0, 2], results.map((r) => r.stderr).join('\n'));
  const loser = results.find((r) => r.code === 2)!;
  // whether the loser came while the winner ran or after it finished, it says why, in one line
  assertOneLine(loser, 2, /--out .*out: expected (a directory no other radam-run is writing, got one claimed by `radam-run compare` \(pid \d+|a new or empty directory)/);
  assert.equal(results.filter((r) => /^wrote /m.test(r.stderr)).length, 1);
  assert.deepEqual(readdirSync(out).sort(), ['curves.csv', 'live', 'manifest.json', 'summary.csv', 'summary.json', 'trace.csv']);
});

test('output paths that cannot work are refused before any run starts, in one line naming the path', () => {
  const { dir, config, experiment } = userDir();
  mkdirSync(join(dir, 'adir'));
  const before = treeHash(dir);
  const cases: [string[], RegExp][] = [
    [['compare', config, '--out', 'notes.md/out', '-q'], /^radam-run: --out notes\.md\/out: expected a directory under a directory, got .*notes\.md, which is a file/],
    [['compare', config, '--out', 'notes.md', '-q'], /^radam-run: --out notes\.md: expected a directory, got an existing file/],
    [['compare', config, '--out', '/proc/self/out', '-q'], /^radam-run: --out \/proc\/self\/out: expected a directory outside \/proc, \/sys and \/dev/],
    [['compare', config, '--out', '/sys/kernel/x', '-q'], /outside \/proc, \/sys and \/dev/],
    [['sweep', config, '--out', '/proc/1/x', '--dry-run'], /outside \/proc, \/sys and \/dev/],
    [['reproduce', experiment, '--junit', 'adir', '-q'], /^radam-run: --junit adir: expected a file, got an existing directory/],
    [['reproduce', experiment, '--junit', 'notes.md', '-q'], /^radam-run: --junit notes\.md: expected a new file or a JUnit report written by radam-run, got an existing file it did not write/],
    [['reproduce', experiment, '--junit', 'notes.md/j.xml', '-q'], /^radam-run: --junit notes\.md\/j\.xml: expected a file under a directory/],
    [['reproduce', experiment, '--junit', '/dev/stdout', '-q'], /--junit \/dev\/stdout: expected a file outside \/proc, \/sys and \/dev/],
    [['merge', join(dir, 'adir'), '--out', ''], /expected a sweep output directory|--out: expected a directory path/],
  ];
  // a FIFO as an output file would block the write (kept outside `dir`: hashing it would block too)
  const fifo = join(tmp(), 'fifo');
  if (spawnSync('mkfifo', [fifo]).status === 0) {
    cases.push([['reproduce', experiment, '--junit', fifo, '-q'], /--junit .*fifo: expected a regular file, got a FIFO \(named pipe\)$/]);
    cases.push([['plot', join(dir, 'adir'), '--out', fifo], /--out .*fifo: expected a regular file, got a FIFO \(named pipe\)$/]);
  }
  for (const [args, pattern] of cases) assertOneLine(cli(args, dir), 2, pattern);
  // nothing was created: no default runs/ directory, no output, no temp files
  assert.equal(treeHash(dir), before);
});

/** Run `work` with a tmpfs mounted at a new directory (root only); skip visibly otherwise. */
function withTmpfs(t: { skip(message: string): void }, options: string, work: (mnt: string) => void): void {
  const mnt = tmp();
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', mnt], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    t.skip(`cannot mount a tmpfs here (${(mounted.stderr || 'not root').trim()}); disk-full and read-only cases not run`);
    return;
  }
  try {
    work(mnt);
  } finally {
    spawnSync('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
  }
}

test('a full disk after the runs finished: exit 1, one line saying the results were lost, nothing half-written left', (t) => {
  const { dir, config } = userDir();
  withTmpfs(t, 'size=64k', (mnt) => {
    // 3 optimizers × 3000 logged steps ≈ 600 kB of CSV: does not fit in 64 kB
    const r = cli(['compare', config, '--out', join(mnt, 'out'), '--steps', '3000', '-q'], dir);
    // the live metrics written while the runs ran are what is left (each run's ends with its end line)
    assertOneLine(r, 1, /: could not save the results of 3 finished runs \(no space left on device, ENOSPC\); only the live metrics in .*live\.partial-[^/]+ were kept$/);
    assert.deepEqual(listTree(mnt).filter((p) => !/^out(\/live\.partial-[^/]+(\/.*)?)?$/.test(p)), []);
    // a sweep: the run that cannot be stored stops the sweep, the error says what is kept
    const sweep = join(dir, 'sweep.yaml');
    writeFileSync(sweep, stringify({ ...quadratic, steps: 3000, sweep: { method: 'grid', params: { lr: [0.01, 0.02] } } }));
    const s = cli(['sweep', sweep, '--out', join(mnt, 'sw'), '-q', '--workers', '1'], dir);
    assertOneLine(s, 1, /could not save run [0-9a-f]{12} \(no space left on device, ENOSPC\); the sweep stopped; the runs complete in .* are kept/);
    assert.deepEqual(listTree(mnt).filter((p) => /\.partial-|\.tmp-/.test(p) && !/^out\/live\.partial-/.test(p)), []);
  });
});

test('a disk filled by the live metrics: they are dropped to make room, the finished results are saved whole, and the user is told', (t) => {
  const { dir, config } = userDir();
  withTmpfs(t, 'size=3m', (mnt) => {
    // 3000 steps: ~3.5 MB of live files (they stop when the 3 MB fill up) against ~1.4 MB of results
    const out = join(mnt, 'out');
    const r = cli(['compare', config, '--out', out, '--steps', '3000', '-q'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^radam-run: warning: live metrics incomplete or missing: the live metrics were removed to make room for the results \(no space left on device\)$/m);
    assert.deepEqual(readdirSync(out).sort(), ['curves.csv', 'manifest.json', 'summary.csv', 'summary.json', 'trace.csv']);
    // the result is whole: every step of every run (log_every 1), and the manifest does not list live/
    const curves = readFileSync(join(out, 'curves.csv'), 'utf8').trim().split('\n');
    assert.equal(curves.length, 1 + 3 * 3000);
    assert.ok(!JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).files.includes('live'));
  });
});

test('a read-only output file system is refused up front: exit 2, one line', (t) => {
  const { dir, config, experiment } = userDir();
  withTmpfs(t, 'ro,size=64k', (mnt) => {
    assertOneLine(cli(['compare', config, '--out', join(mnt, 'out'), '-q'], dir), 2, /--out .*\/out: expected a directory radam-run can create and write, got read-only file system, EROFS/);
    const before = treeHash(dir);
    assertOneLine(cli(['reproduce', experiment, '--junit', join(mnt, 'j.xml'), '--out', join(dir, 'r'), '-q'], dir), 2, /--junit .*j\.xml: expected a file in a directory radam-run can create and write, got read-only file system, EROFS/);
    assert.equal(treeHash(dir), before, 'reproduce ran or wrote before checking --junit');
  });
});

const sweepConfig = { ...quadratic, seeds: [0, 1], sweep: { method: 'grid', params: { lr: [0.01, 0.1] } } };

test('merging only some shards exits 1 and the aggregates say they are partial', () => {
  const dir = tmp();
  const file = join(dir, 's.yaml');
  writeFileSync(file, stringify(sweepConfig));
  assert.equal(cli(['sweep', file, '--out', join(dir, 's1'), '--shard', '1/2', '-q'], dir).code, 0);
  const r = cli(['merge', join(dir, 's1'), '--out', join(dir, 'm')], dir);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /the merge is partial: \d+ run\(s\) are in none of the given outputs/);
  const summary = JSON.parse(readFileSync(join(dir, 'm', 'sweep_summary.json'), 'utf8'));
  assert.equal(summary.partial, true);
  assert.ok(summary.runs_complete < summary.runs_planned);
  const runsCsv = readFileSync(join(dir, 'm', 'runs.csv'), 'utf8').trim().split('\n').slice(1);
  assert.equal(runsCsv.length, summary.runs_planned, 'runs.csv lists every planned run');
  assert.equal(runsCsv.filter((l) => l.includes(',missing,')).length, summary.runs_planned - summary.runs_complete);
  // and the report drawn from it says so at the top
  assert.equal(cli(['plot', join(dir, 'm')], dir).code, 0);
  assert.match(readFileSync(join(dir, 'm', 'report.html'), 'utf8'), new RegExp(`id="partial">Partial: ${summary.runs_complete} of ${summary.runs_planned} planned runs are complete`));
  // with the other shard the merge is whole: exit 0, no partial marker, no missing rows
  assert.equal(cli(['sweep', file, '--out', join(dir, 's2'), '--shard', '2/2', '-q'], dir).code, 0);
  const whole = cli(['merge', join(dir, 's1'), join(dir, 's2'), '--out', join(dir, 'm2')], dir);
  assert.equal(whole.code, 0, whole.stderr);
  assert.equal(JSON.parse(readFileSync(join(dir, 'm2', 'sweep_summary.json'), 'utf8')).partial, undefined);
  assert.equal(cli(['plot', join(dir, 'm2')], dir).code, 0);
  assert.doesNotMatch(readFileSync(join(dir, 'm2', 'report.html'), 'utf8'), /id="partial"/);
  assert.doesNotMatch(readFileSync(join(dir, 'm2', 'runs.csv'), 'utf8'), /,missing,/);
});

test("a sweep into another sweep's directory is refused unless --force, which reuses shared runs and deletes nothing", () => {
  const dir = tmp();
  const a = join(dir, 'a.yaml');
  const b = join(dir, 'b.yaml');
  writeFileSync(a, stringify(sweepConfig));
  writeFileSync(b, stringify({ ...sweepConfig, sweep: { method: 'grid', params: { lr: [0.1, 0.3] } } }));
  const out = join(dir, 'out');
  assert.equal(cli(['sweep', a, '--out', out, '-q'], dir).code, 0);
  const before = treeHash(dir);
  assertOneLine(cli(['sweep', b, '--out', out, '-q'], dir), 2, /--out .*out: expected a new directory or the output of this sweep \([0-9a-f]+\), got the output of sweep "q" \([0-9a-f]+\) \(pass --force/);
  assert.equal(treeHash(dir), before);
  const runsBefore = readdirSync(join(out, 'runs')).sort();
  const r = cli(['sweep', b, '--out', out, '--force', '-q'], dir);
  assert.equal(r.code, 0, r.stderr);
  // lr 0.1 is in both sweeps: its runs (same spec, same id) are reused, the lr 0.01 runs kept
  assert.match(r.stderr, /already complete/);
  const runsAfter = readdirSync(join(out, 'runs')).sort();
  for (const id of runsBefore) assert.ok(runsAfter.includes(id), `run ${id} was deleted`);
});

test('resume redoes a run whose files are truncated or altered, and trusts the intact ones', () => {
  const dir = tmp();
  const file = join(dir, 's.yaml');
  writeFileSync(file, stringify(sweepConfig));
  const out = join(dir, 'out');
  assert.equal(cli(['sweep', file, '--out', out, '-q'], dir).code, 0);
  const ids = readdirSync(join(out, 'runs')).sort();
  const [truncated, altered] = ids;
  const curves = join(out, 'runs', truncated!, 'curves.csv');
  const text = readFileSync(curves, 'utf8');
  writeFileSync(curves, text.slice(0, Math.floor(text.length / 2)));
  const trace = join(out, 'runs', altered!, 'trace.csv');
  writeFileSync(trace, readFileSync(trace, 'utf8').replace(/,1,/, ',2,'));
  // a run directory as radam-run 0.1.0 wrote it: no checksums to verify it by
  const legacy = ids[3]!;
  const legacySummary = join(out, 'runs', legacy, 'summary.json');
  const { files: _files, ...withoutChecks } = JSON.parse(readFileSync(legacySummary, 'utf8')) as Record<string, unknown>;
  writeFileSync(legacySummary, JSON.stringify(withoutChecks, null, 2) + '\n');
  const intact = readFileSync(join(out, 'runs', ids[2]!, 'curves.csv'), 'utf8');
  const r = cli(['sweep', file, '--out', out, '-q'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`runs/${truncated}: incomplete or corrupt \\(curves\\.csv has \\d+ rows, summary\\.json records \\d+\\); it will be redone`));
  assert.match(r.stderr, new RegExp(`runs/${altered}: incomplete or corrupt \\(trace\\.csv does not match the checksum in summary\\.json\\)`));
  assert.match(r.stderr, new RegExp(`runs/${legacy}: incomplete or corrupt \\(summary\\.json records no checksum of curves\\.csv`));
  assert.match(r.stderr, new RegExp(`${ids.length - 3} of ${ids.length} runs already complete`));
  assert.equal(readFileSync(curves, 'utf8'), text, 'the redone run reproduces the original bytes');
  assert.equal(readFileSync(join(out, 'runs', ids[2]!, 'curves.csv'), 'utf8'), intact);
  // dry run uses the same rule
  writeFileSync(curves, 'run\n');
  const dry = cli(['sweep', file, '--out', out, '--dry-run'], dir);
  assert.equal(dry.stdout.split('\n').filter((l) => l.includes('(complete)')).length, ids.length - 1);
});

/** Spawn a long command; once `ready(cwd)` holds (polled on the file system, so no timing), send `signal`. */
async function signalWhenReady(args: string[], cwd: string, ready: () => boolean, signal: NodeJS.Signals): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const poll = setInterval(() => {
      if (ready()) {
        clearInterval(poll);
        child.kill(signal);
      }
    }, 20);
    child.on('exit', (code, sig) => {
      clearInterval(poll);
      resolve({ code: code ?? (sig === 'SIGKILL' ? 137 : -1), stdout, stderr });
    });
  });
}

/** A run that cannot finish while a test waits: the LSTM config at ~500 steps/s, for 10⁷ steps. */
const lstm = join(repoRoot(), 'configs', 'lstm.json');
const endless = ['--steps', '10000000', '--set', 'log_every=100000'];

const stagingIn = (dir: string) => (): boolean => existsSync(dir) && readdirSync(dir).some((e) => e.startsWith('.radam-run.partial-'));
/** Staging, and runs that have started writing live metrics (the signal then finds them to keep). */
const liveIn = (dir: string) => (): boolean => stagingIn(dir)() && readdirSync(dir).some((e) => e.startsWith('live.partial-') && readdirSync(join(dir, e)).length > 0);

test('SIGTERM is handled like Ctrl-C: exit 143, a line saying what was kept, no hidden staging left', async () => {
  const { dir, config } = userDir();
  const out = join(dir, 'out');
  const r = await signalWhenReady(['compare', lstm, '--out', out, ...endless, '-q'], dir, liveIn(out), 'SIGTERM');
  assert.equal(r.code, 143, r.stderr);
  assert.match(r.stderr, /radam-run: terminated: no results written \(a compare keeps only the live metrics of its unfinished runs, in .*live\.partial-/);
  // what is left is the live metrics, incomplete (no end line), and no result: no manifest, no CSVs
  assertOnlyUnfinishedLive(out);
  const c = await signalWhenReady(['compare', lstm, '--out', out, ...endless, '-q'], dir, liveIn(out), 'SIGINT');
  assert.equal(c.code, 130, c.stderr);
  assert.match(c.stderr, /radam-run: interrupted: no results written/);
  // the first attempt's leftovers did not stop the second from claiming the directory
  assertOnlyUnfinishedLive(out, 2);
  // nor a finished compare, which commits beside them without deleting them (the tool said it kept them)
  assert.equal(cli(['compare', config, '--out', out, '-q'], dir).code, 0);
  assert.equal(readdirSync(out).filter((e) => e.startsWith('live.partial-')).length, 2);
  assert.ok(existsSync(join(out, 'manifest.json')));
  // --force replaces the directory's contents of ours, those kept live metrics with them
  assert.equal(cli(['compare', config, '--out', out, '-q', '--force'], dir).code, 0);
  assert.deepEqual(readdirSync(out).filter((e) => e.startsWith('live.partial-')), []);
  // a sweep keeps its finished runs and marks the aggregates partial
  const file = join(dir, 's.yaml');
  const lstmConfig = JSON.parse(readFileSync(lstm, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, stringify({ ...lstmConfig, log_every: 100000, sweep: { method: 'grid', params: { steps: [5, 10000000] } } }));
  const sweepOut = join(dir, 'sweep');
  const finished = (): boolean => existsSync(join(sweepOut, 'runs')) && readdirSync(join(sweepOut, 'runs')).filter((e) => !e.startsWith('.')).length > 0;
  const s = await signalWhenReady(['sweep', file, '--out', sweepOut, '-q', '--workers', '1'], dir, finished, 'SIGTERM');
  assert.equal(s.code, 143, s.stderr);
  assert.match(s.stderr, /terminated: \d+\/\d+ runs complete in .* are kept and the aggregates there are marked partial/);
  assert.equal(JSON.parse(readFileSync(join(sweepOut, 'sweep_summary.json'), 'utf8')).partial, true);
  assert.deepEqual(listTree(dir).filter((p) => /\.partial-|\.tmp-|\.radam-run\.lock/.test(p) && !/^out\/live\.partial-/.test(p)), []);
});

/** `out` holds `n` live.partial-* directories and nothing else, whose metrics.jsonl files have a header but no end line. */
function assertOnlyUnfinishedLive(out: string, n = 1): void {
  const entries = readdirSync(out);
  assert.equal(entries.length, n, entries.join(', '));
  for (const e of entries) {
    assert.match(e, /^live\.partial-/);
    for (const run of readdirSync(join(out, e))) {
      const lines = readFileSync(join(out, e, run, 'metrics.jsonl'), 'utf8').trim().split('\n');
      assert.match(lines[0]!, /^\{"tool":"radam-run","file":"metrics.jsonl"/);
      assert.doesNotMatch(lines.at(-1)!, /"type":"end"/);
    }
  }
}

test('after SIGKILL, the next run removes what the killed one left (and nothing else)', async () => {
  const { dir, config } = userDir();
  const runs = join(dir, 'runs');
  const killed = join(runs, 'killed');
  const r = await signalWhenReady(['compare', lstm, '--out', killed, ...endless, '-q'], dir, liveIn(killed), 'SIGKILL');
  assert.equal(r.code, 137);
  assert.ok(readdirSync(killed).some((e) => e.startsWith('.radam-run.partial-')), 'the killed run left its staging directory');
  writeFileSync(join(runs, 'keep.txt'), 'mine');
  assert.equal(cli(['compare', config, '--out', join(runs, 'next'), '-q'], dir).code, 0);
  // its lock and staging are gone; its live metrics (unfinished) are kept
  assert.deepEqual(readdirSync(runs).sort(), ['keep.txt', 'killed', 'next']);
  assertOnlyUnfinishedLive(killed);
});

test('a reader that closes the pipe early: the rest of stdout is dropped quietly and the files are still written', async () => {
  const { dir, config } = userDir();
  const out = join(dir, 'out');
  const r = await new Promise<Result>((resolve) => {
    const child = spawn(process.execPath, [bin, 'compare', config, '--out', out, '-q', '--report'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // closed before the command writes its table: that write meets a closed pipe (EPIPE)
    child.stdout.destroy();
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout: '', stderr }));
  });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /EPIPE|error/i);
  assert.ok(existsSync(join(out, 'report.html')), 'the report after the table was still written');
});

test('stdout redirected onto a full disk: one line saying so, exit 2, the result files still written', (t) => {
  if (!existsSync('/dev/full')) return t.skip('no /dev/full on this system');
  const { dir, config } = userDir();
  const out = join(dir, 'out');
  const r = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" compare "${config}" --out "${out}" -q > /dev/full`], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^radam-run: stdout: could not write \(no space left on device, ENOSPC\)$/m);
  assert.doesNotMatch(r.stderr, /^\s+at /m);
  assert.ok(existsSync(join(out, 'manifest.json')));
});

test("a user's own entries beside and inside our directories are never taken for leftovers", () => {
  const { dir, config } = userDir();
  // next to --out: hidden directories that merely look like staging names of older versions
  mkdirSync(join(dir, '.thesis.partial-99999'));
  writeFileSync(join(dir, '.thesis.partial-99999', 'ch1.tex'), 'chapter 1');
  mkdirSync(join(dir, '.backup.partial-4242.old'));
  const sweep = join(dir, 's.yaml');
  writeFileSync(sweep, stringify(sweepConfig));
  const out = join(dir, 'sw');
  assert.equal(cli(['sweep', sweep, '--out', out, '-q'], dir).code, 0);
  // inside a sweep's directory: hidden files in runs/, names ending in .tmp-<number>
  writeFileSync(join(out, 'runs', '.notes'), 'mine');
  mkdirSync(join(out, 'runs', '.git'));
  writeFileSync(join(out, 'data.tmp-99999'), 'mine');
  mkdirSync(join(out, 'backup.tmp-12345'));
  writeFileSync(join(out, 'backup.tmp-12345', 'f'), 'mine');
  const mine = ['.thesis.partial-99999/ch1.tex', '.backup.partial-4242.old', 'sw/runs/.notes', 'sw/runs/.git', 'sw/data.tmp-99999', 'sw/backup.tmp-12345/f'];
  assert.equal(cli(['sweep', sweep, '--out', out, '-q'], dir).code, 0);
  assert.equal(cli(['compare', config, '--out', join(dir, 'c'), '-q'], dir).code, 0);
  assert.equal(cli(['merge', out, '--out', join(dir, 'm')], dir).code, 0);
  for (const p of mine) assert.ok(existsSync(join(dir, p)), `${p} was removed`);
});

test('--force counts as ours only files with our names and SVGs with our mark; a JUnit report reproduce wrote there is ours', () => {
  const { dir, config, experiment } = userDir();
  const out = join(dir, 'out');
  assert.equal(cli(['compare', config, '--out', out, '-q'], dir).code, 0);
  mkdirSync(join(out, 'plots'));
  writeFileSync(join(out, 'plots', 'mine.svg'), '<svg><text>my chart of radam-run results</text></svg>');
  let before = treeHash(dir);
  assertOneLine(cli(['compare', config, '--out', out, '--force', '-q'], dir), 2, /also holds files radam-run did not write \(plots\)/);
  assert.equal(treeHash(dir), before);
  rmSync(join(out, 'plots'), { recursive: true });
  mkdirSync(join(out, 'claims.json'));
  writeFileSync(join(out, 'claims.json', 'kept'), 'mine');
  before = treeHash(dir);
  assertOneLine(cli(['compare', config, '--out', out, '--force', '-q'], dir), 2, /also holds files radam-run did not write \(claims\.json\)/);
  assert.equal(treeHash(dir), before);
  // reproduce with its JUnit report inside --out, then again with --force
  const rep = join(dir, 'rep');
  assert.equal(cli(['reproduce', experiment, '--out', rep, '--junit', join(rep, 'junit.xml'), '-q'], dir).code, 0);
  const again = cli(['reproduce', experiment, '--out', rep, '--junit', join(rep, 'junit.xml'), '--force', '-q'], dir);
  assert.equal(again.code, 0, again.stderr);
  assert.ok(existsSync(join(rep, 'junit.xml')) && existsSync(join(rep, 'manifest.json')));
  // a JUnit path that is one of the result's own files is refused before anything runs
  assertOneLine(cli(['reproduce', experiment, '--out', join(dir, 'rep2'), '--junit', join(dir, 'rep2', 'manifest.json'), '-q'], dir), 2, /--junit .*manifest\.json: expected a file that is not one of the result's own files in --out/);
  assert.equal(existsSync(join(dir, 'rep2')), false);
});

test('a crashed run is retried when the sweep is rerun; merging a subset into a complete merge keeps it complete', () => {
  const dir = tmp();
  const file = join(dir, 's.yaml');
  writeFileSync(file, stringify(sweepConfig));
  const out = join(dir, 'out');
  assert.equal(cli(['sweep', file, '--out', out, '-q'], dir).code, 0);
  const id = readdirSync(join(out, 'runs')).sort()[0]!;
  const summaryFile = join(out, 'runs', id, 'summary.json');
  const stored = JSON.parse(readFileSync(summaryFile, 'utf8'));
  writeFileSync(summaryFile, JSON.stringify({ ...stored, status: 'failed', error: 'worker crashed: out of memory' }, null, 2) + '\n');
  const r = cli(['sweep', file, '--out', out, '-q'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`runs/${id}: crashed last time \\(worker crashed: out of memory\\); it will be retried`));
  assert.equal(JSON.parse(readFileSync(summaryFile, 'utf8')).status, 'ok');
  // shards merged whole, then one shard merged again into the same directory
  assert.equal(cli(['sweep', file, '--out', join(dir, 's1'), '--shard', '1/2', '-q'], dir).code, 0);
  assert.equal(cli(['sweep', file, '--out', join(dir, 's2'), '--shard', '2/2', '-q'], dir).code, 0);
  const merged = join(dir, 'm');
  assert.equal(cli(['merge', join(dir, 's1'), join(dir, 's2'), '--out', merged], dir).code, 0);
  const whole = readFileSync(join(merged, 'runs.csv'), 'utf8');
  const again = cli(['merge', join(dir, 's2'), '--out', merged], dir);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(readFileSync(join(merged, 'runs.csv'), 'utf8'), whole);
});
