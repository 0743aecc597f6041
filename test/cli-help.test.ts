// --help of the program and of every command ends with worked examples, and each example is a command
// line the program accepts as written; no command at all prints the help to stderr and exits 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { spawnCli } from './helpers.js';
import { buildProgram } from '../src/cli/main.js';
import { resolveConfigArg } from '../src/cli/shipped.js';

test('radam-run with no arguments prints the help to stderr and exits 2', () => {
  const r = spawnCli([]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^Usage: radam-run /);
  for (const command of buildProgram().commands) assert.ok(r.stderr.includes(`\n  ${command.name()} `), `${command.name()} listed`);
});

/** The `$ …` lines of the "Examples:" block that ends a --help text. */
function examplesOf(help: string): string[] {
  const at = help.lastIndexOf('\nExamples:\n');
  assert.ok(at >= 0, `an Examples block in:\n${help}`);
  const block = help.slice(at + '\nExamples:\n'.length);
  // nothing but examples after the heading: "  $ command" lines, each followed by an indented comment
  for (const line of block.trimEnd().split('\n')) assert.match(line, /^ {2}\$ radam-run |^ {6}\S/);
  return block.split('\n').filter((l) => l.startsWith('  $ ')).map((l) => l.slice(4));
}

const commandNames = (): string[] => buildProgram().commands.map((c) => c.name());

const helps = new Map<string, string>();

/** `radam-run [NAME] --help` (run once per command): its stdout. */
function helpOf(name: string): string {
  if (!helps.has(name)) {
    const r = spawnCli(name === '' ? ['--help'] : [name, '--help']);
    assert.equal(r.code, 0, r.stderr);
    helps.set(name, r.stdout);
  }
  return helps.get(name)!;
}

test('the help of the program and of every command ends with 2–3 worked examples of it', () => {
  for (const name of ['', ...commandNames()]) {
    const examples = examplesOf(helpOf(name));
    assert.ok(examples.length >= 2 && examples.length <= 3, `${name || 'radam-run'}: ${examples.length} examples`);
    if (name !== '') for (const e of examples) assert.ok(e.startsWith(`radam-run ${name} `) || e === `radam-run ${name}`, e);
  }
});

/** A fresh program whose commands record their arguments instead of running. */
function dryProgram(): { program: Command; calls: { command: string; args: unknown[] }[] } {
  const program = buildProgram();
  const calls: { command: string; args: unknown[] }[] = [];
  for (const command of program.commands) command.action((...args: unknown[]) => void calls.push({ command: command.name(), args: args.slice(0, -2) }));
  program.configureOutput({ writeOut: () => {}, writeErr: (s) => void calls.push({ command: 'error', args: [s] }) });
  return { program, calls };
}

test('every example is accepted by the program as written, and a config it names without a path is a shipped one', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'radam-run-help-'));
  for (const name of ['', ...commandNames()]) {
    for (const example of examplesOf(helpOf(name))) {
      // the words before a shell redirection; no example quotes anything
      const words = example.split(/\s+/);
      const argv = words.slice(1, words.includes('>') ? words.indexOf('>') : undefined);
      const { program, calls } = dryProgram();
      await program.parseAsync(argv, { from: 'user' });
      assert.equal(calls.length, 1, `${example}: ${JSON.stringify(calls)}`);
      assert.equal(calls[0]!.command, argv[0], example);
      const config = program.commands.find((c) => c.name() === argv[0])!.registeredArguments[0];
      const value = calls[0]!.args[0];
      if (config && /config|experiment/.test(config.name()) && typeof value === 'string' && !/\.(ya?ml|json)$/.test(value)) {
        const previous = process.cwd();
        process.chdir(cwd);
        try {
          assert.doesNotThrow(() => resolveConfigArg(value, ['configs', 'experiments']), example);
        } finally {
          process.chdir(previous);
        }
      }
    }
  }
});
