// `radam-run completion bash|zsh|fish`: each script covers every command and option of the program
// (the lists come from the commander program itself), parses, and completes in its shell as expected
// (zsh and fish: where installed; skipped with a message otherwise).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import type { Command } from 'commander';
import { repoRoot, spawnCli } from './helpers.js';
import { buildProgram } from '../src/cli/main.js';

type Shell = 'bash' | 'zsh' | 'fish';

const scripts = new Map<Shell, string>();

/** `radam-run completion SHELL` (run once per shell). */
function script(shell: Shell): string {
  if (!scripts.has(shell)) {
    const r = spawnCli(['completion', shell]);
    assert.equal(r.code, 0, r.stderr);
    scripts.set(shell, r.stdout);
  }
  return scripts.get(shell)!;
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

const missing = (shell: Shell): string | false => (spawnSync(shell, ['--version']).status === 0 ? false : `${shell} is not installed: its script is only checked by content here`);

for (const [shell, args] of [['zsh', ['-n']], ['fish', ['--no-execute']]] as const) {
  test(`${shell} parses the ${shell} script`, { skip: missing(shell) }, () => {
    const file = join(mkdtempSync(join(tmpdir(), 'radam-run-completion-')), `radam-run.${shell}`);
    writeFileSync(file, script(shell));
    const r = spawnSync(shell, [...args, file], { encoding: 'utf8' });
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

/** A directory with two config files, a text file and a sub-directory, to complete in. */
function completionCwd(): string {
  const cwd = mkdtempSync(join(tmpdir(), 'radam-run-completion-'));
  for (const f of ['mine.yaml', 'other.json', 'notes.txt']) writeFileSync(join(cwd, f), '');
  mkdirSync(join(cwd, 'sub'));
  return cwd;
}

/** What each shell should offer, derived from the program and the repository: (words typed, expected). */
function expectations(): [string[], string[]][] {
  const names = buildProgram().commands.map((c) => c.name());
  const shipped = ['configs', 'experiments'].flatMap((d) => readdirSync(join(repoRoot(), d)).map((f) => f.slice(0, -extname(f).length)));
  return [
    [['radam-run', 'co'], names.filter((n) => n.startsWith('co'))],
    [['radam-run', 'compare', '--ker'], ['--kernels']],
    [['radam-run', 'compare', '--kernels', ''], ['js', 'wasm']],
    [['radam-run', 'completion', ''], ['bash', 'fish', 'zsh']],
    // config files and directories of the current directory, and every shipped name; not notes.txt
    [['radam-run', 'compare', ''], ['mine.yaml', 'other.json', 'sub', ...shipped]],
    [['radam-run', 'plot', ''], ['sub']],
  ];
}

/** A sorted set of completions, directories without their trailing slash (zsh and fish add one). */
const normal = (words: string[]): string[] => [...new Set(words.map((w) => w.replace(/\/$/, '')).filter(Boolean))].sort();

test('bash completes commands, options, option values, and config files with the shipped names', () => {
  const cwd = completionCwd();
  for (const [words, expected] of expectations()) assert.deepEqual(normal(bashCompletes(words, cwd)), normal(expected), words.join(' '));
  assert.deepEqual(bashCompletes(['radam-run', 'compare', '--steps', ''], cwd), [], 'a number: nothing to offer');
});

test('fish completes the same', { skip: missing('fish') }, () => {
  const cwd = completionCwd();
  const file = join(cwd, 'radam-run.fish');
  writeFileSync(file, script('fish'));
  for (const [words, expected] of expectations()) {
    const r = spawnSync('fish', ['-c', `source ${file}; complete -C ${JSON.stringify(words.join(' '))}`], { cwd, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    // fish prints "candidate<TAB>description"
    const offered = r.stdout.split('\n').map((l) => l.split('\t')[0]!).filter((w) => w !== 'radam-run.fish');
    assert.deepEqual(normal(offered), normal(expected), words.join(' '));
  }
});

/**
 * zsh offers completions only inside its line editor: an interactive zsh on a zsh/zpty pseudo-terminal
 * gets the words and a TAB; a compadd wrapper appends every match to a file, and a post-completion hook
 * marks the end.
 */
const ZSH_DRIVER = `zmodload zsh/zpty
local dir=$1 out=$2
zpty z zsh -f -i
zpty -w z "fpath=($dir \\$fpath); autoload -U compinit; compinit -u -D"
zpty -w z "compadd () { local -a __hits; builtin compadd -O __hits \\"\\$@\\"; print -l -- \\$__hits >> $out; builtin compadd \\"\\$@\\" }"
zpty -w z "comppostfuncs=( __end ); __end () { print '<EOC>' >> $out }"
zpty -n -w z "$3"$'\\t'
integer i
for (( i = 0; i < 600; i++ )); do
  grep -q '<EOC>' $out 2>/dev/null && break
  sleep 0.05
done
zpty -d z
`;

test('zsh completes the same', { skip: missing('zsh') }, () => {
  const cwd = completionCwd();
  const fpath = mkdtempSync(join(tmpdir(), 'radam-run-zfunc-'));
  writeFileSync(join(fpath, '_radam-run'), script('zsh'));
  writeFileSync(join(fpath, 'driver.zsh'), ZSH_DRIVER);
  for (const [words, expected] of expectations()) {
    const out = join(fpath, 'hits');
    writeFileSync(out, '');
    const r = spawnSync('zsh', ['-f', join(fpath, 'driver.zsh'), fpath, out, words.join(' ')], { cwd, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const hits = readFileSync(out, 'utf8').split('\n');
    assert.ok(hits.includes('<EOC>'), `${words.join(' ')}: the completion finished`);
    assert.deepEqual(normal(hits.filter((h) => h !== '<EOC>')), normal(expected), words.join(' '));
  }
});
