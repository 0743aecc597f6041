// `radam-run completion bash|zsh|fish`: each script covers every command and option of the program
// (the lists come from the commander program itself), the bash one parses and completes as bash runs
// it, and the zsh and fish ones parse where those shells are installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import type { Command } from 'commander';
import { repoRoot, spawnCli } from './helpers.js';
import { buildProgram } from '../src/cli/main.js';

type Shell = 'bash' | 'zsh' | 'fish';

function script(shell: Shell): string {
  const r = spawnCli(['completion', shell]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

/** How a script spells an option flag: `--out`/`-o` in bash and zsh, `-l out`/`-s o` in fish. */
function spelled(shell: Shell, flag: string): string {
  if (shell !== 'fish') return flag;
  return flag.startsWith('--') ? `-l ${flag.slice(2)}` : `-s ${flag.slice(1)}`;
}

const flagsOf = (c: Command): string[] => c.options.flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f)));

for (const shell of ['bash', 'zsh', 'fish'] as const) {
  test(`the ${shell} script names every command, and under each command every option it has`, () => {
    const text = script(shell);
    const program = buildProgram();
    for (const flag of flagsOf(program)) assert.ok(text.includes(spelled(shell, flag)), `${shell}: program option ${flag}`);
    for (const command of program.commands) {
      assert.match(text, new RegExp(`(^|[\\s'"(])${command.name()}[):' ]`, 'm'), `${shell}: command ${command.name()}`);
      const part = commandPart(shell, text, command.name());
      for (const flag of [...flagsOf(command), '--help']) assert.ok(part.includes(spelled(shell, flag)), `${shell}: ${command.name()} ${flag} in\n${part}`);
    }
  });
}

/** The text that completes `command`: from its branch to the next branch (bash, zsh), or its lines (fish). */
function commandPart(shell: Shell, text: string, command: string): string {
  if (shell === 'fish') return text.split('\n').filter((l) => l.includes(`'__fish_seen_subcommand_from ${command}'`)).join('\n');
  const branch = shell === 'bash' ? /^ {4}([a-z-]+)\)/gm : /^ {8}([a-z-]+)\) _arguments/gm;
  const starts = [...text.matchAll(branch)].map((m) => ({ name: m[1]!, at: m.index! }));
  const i = starts.findIndex((s) => s.name === command);
  assert.ok(i >= 0, `${shell}: a branch for ${command}`);
  return text.slice(starts[i]!.at, starts[i + 1]?.at ?? text.length);
}

test('bash -n accepts the bash script', () => {
  const r = spawnSync('bash', ['-n'], { input: script('bash'), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

for (const [shell, args] of [['zsh', ['-n']], ['fish', ['--no-execute']]] as const) {
  const missing = spawnSync(shell, ['--version']).status !== 0;
  test(`${shell} parses the ${shell} script`, { skip: missing ? `${shell} is not installed: its script is only checked by content here` : false }, () => {
    const r = spawnSync(shell, [...args], { input: script(shell), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });
}

/** What bash's completion offers for the words typed so far (the last one being completed), run in `cwd`. */
function bashCompletes(words: string[], cwd: string): string[] {
  // the script arrives on stdin (a socket under spawnSync, which /dev/stdin cannot reopen: hence cat)
  const driver = 'eval "$(cat)"; type _radam_run >/dev/null || exit 3; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _radam_run; printf "%s\\n" "${COMPREPLY[@]}"';
  const r = spawnSync('bash', ['-c', driver, 'bash', ...words], { input: script('bash'), encoding: 'utf8', cwd });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).sort();
}

test('bash completes commands, options, option values, and config files with the shipped names', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'radam-run-completion-'));
  for (const f of ['mine.yaml', 'other.json', 'notes.txt']) writeFileSync(join(cwd, f), '');
  mkdirSync(join(cwd, 'sub'));
  const names = buildProgram().commands.map((c) => c.name());
  assert.deepEqual(bashCompletes(['radam-run', 'co'], cwd), names.filter((n) => n.startsWith('co')).sort());
  assert.deepEqual(bashCompletes(['radam-run', 'compare', '--ker'], cwd), ['--kernels']);
  assert.deepEqual(bashCompletes(['radam-run', 'compare', '--kernels', ''], cwd), ['js', 'wasm']);
  assert.deepEqual(bashCompletes(['radam-run', 'completion', ''], cwd), ['bash', 'fish', 'zsh']);
  const shipped = ['configs', 'experiments'].flatMap((d) => readdirSync(join(repoRoot(), d)).map((f) => f.slice(0, -extname(f).length)));
  // config files and directories of the current directory, and every shipped name; not notes.txt
  assert.deepEqual(bashCompletes(['radam-run', 'compare', ''], cwd), [...new Set(['mine.yaml', 'other.json', 'sub', ...shipped])].sort());
  assert.deepEqual(bashCompletes(['radam-run', 'plot', ''], cwd), ['sub'], 'plot takes a directory');
  assert.deepEqual(bashCompletes(['radam-run', 'compare', '--steps', ''], cwd), [], 'a number: nothing to offer');
});
