// Colour on and off: NO_COLOR, FORCE_COLOR and --no-color, checked on a real pseudo-terminal (util-linux
// `script`) and through a pipe, plus the precedence rule itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './helpers.js';
import { colourLevel } from '../src/cli/colour.js';

/** An SGR sequence (colour, bold, dim): what chalk writes and NO_COLOR forbids. */
const SGR = /\x1b\[[0-9;]*m/;

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
const noScript = hasScript ? false : 'util-linux `script` is not installed: the pseudo-terminal colour tests cannot run here';

/** The environment of a colour terminal with no colour settings of its own; `extra` adds some. */
function terminalEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', ...extra };
  // CI makes chalk's detection answer "no colour" on most CI services; a colour setting of the caller
  // must not leak into the test either
  for (const name of ['CI', 'NO_COLOR', 'FORCE_COLOR', 'COLORTERM']) if (!(name in extra)) delete env[name];
  return env;
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** `radam-run ARGS` with stdout and stderr on a pseudo-terminal; what the terminal received. */
function onPty(args: string[], extra: Record<string, string> = {}): string {
  const command = [process.execPath, join(repoRoot(), 'bin', 'radam-run.js'), ...args].map(quote).join(' ');
  const r = spawnSync('script', ['-qfec', command, '/dev/null'], { encoding: 'utf8', env: terminalEnv(extra), timeout: 60_000 });
  assert.equal(r.status, 0, `script -c ${command}: ${r.stderr}`);
  assert.match(r.stdout, /experiment \(top level\)/, 'the command ran and its output came through the terminal');
  return r.stdout;
}

/** `radam-run ARGS` with stdout a pipe. */
function onPipe(args: string[], extra: Record<string, string> = {}): string {
  const r = spawnSync(process.execPath, [join(repoRoot(), 'bin', 'radam-run.js'), ...args], { encoding: 'utf8', env: terminalEnv(extra) });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('on a terminal, output is coloured by default', { skip: noScript }, () => {
  assert.match(onPty(['list']), SGR);
});

test('NO_COLOR=1 turns colour off on a terminal', { skip: noScript }, () => {
  assert.doesNotMatch(onPty(['list'], { NO_COLOR: '1' }), SGR);
});

test('an empty NO_COLOR does not count (no-color.org: "present and not an empty string")', { skip: noScript }, () => {
  assert.match(onPty(['list'], { NO_COLOR: '' }), SGR);
});

test('--no-color turns colour off on a terminal, after the command or before it', { skip: noScript }, () => {
  assert.doesNotMatch(onPty(['list', '--no-color']), SGR);
  assert.doesNotMatch(onPty(['--no-color', 'list']), SGR);
});

test('into a pipe there is no colour, unless FORCE_COLOR=1', () => {
  assert.doesNotMatch(onPipe(['list']), SGR);
  assert.match(onPipe(['list'], { FORCE_COLOR: '1' }), SGR);
});

test('--no-color beats FORCE_COLOR', () => {
  assert.doesNotMatch(onPipe(['list', '--no-color'], { FORCE_COLOR: '1' }), SGR);
});

test('precedence: --no-color, then FORCE_COLOR (already in the detected level), then a non-empty NO_COLOR, then detection', () => {
  assert.equal(colourLevel(false, { FORCE_COLOR: '3' }, 3), 0);
  assert.equal(colourLevel(true, { FORCE_COLOR: '1', NO_COLOR: '1' }, 1), 1);
  assert.equal(colourLevel(true, { NO_COLOR: '1' }, 2), 0);
  assert.equal(colourLevel(true, { NO_COLOR: '' }, 2), 2);
  assert.equal(colourLevel(true, {}, 0), 0);
});
