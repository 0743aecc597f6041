// `radam-run examples`: the shipped configs and experiments, each with the line that introduces it
// (its first comment line, or a JSON config's description), read from the files themselves.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import chalk from 'chalk';
import { shippedFiles, type ShippedFile } from './shipped.js';

/** What a shipped file says about itself: its first `#` comment line, or a JSON config's first sentence of `description`. */
export function fileSummary(path: string): string {
  const text = readFileSync(path, 'utf8');
  if (extname(path) === '.json') {
    try {
      const description = (JSON.parse(text) as { description?: unknown }).description;
      if (typeof description === 'string') return description.split(/(?<=\.)\s/)[0]!.trim();
    } catch {
      return ''; // a broken shipped file is reported by the command that loads it, not here
    }
    return '';
  }
  const comment = text.split('\n').find((line) => /^\s*#/.test(line));
  return comment?.replace(/^\s*#+\s?/, '').trim() ?? '';
}

/** One line: NAME padded to `width`, its summary, cut to `columns` with "…" when given. */
function line(file: ShippedFile, width: number, columns: number | undefined): string {
  const text = `  ${file.name.padEnd(width)}  ${fileSummary(file.path)}`;
  return columns !== undefined && text.length > columns ? `${text.slice(0, columns - 1)}…` : text;
}

export async function examplesCommand(flags: { json?: boolean }): Promise<void> {
  const groups: [string, ShippedFile[]][] = [
    ['configs (radam-run compare NAME; with a sweep section, radam-run sweep NAME)', shippedFiles('configs')],
    ['experiments (radam-run reproduce NAME)', shippedFiles('experiments')],
  ];
  const all = groups.flatMap(([, files]) => files);
  if (flags.json) {
    process.stdout.write(JSON.stringify(all.map((f) => ({ folder: f.folder, name: f.name, file: f.path, summary: fileSummary(f.path) })), null, 2) + '\n');
    return;
  }
  // on a terminal each entry stays on its line; into a pipe the whole line is kept
  const columns = process.stdout.isTTY ? process.stdout.columns : undefined;
  const width = Math.max(...all.map((f) => f.name.length));
  const blocks = groups.map(([title, files]) => [chalk.bold(title), ...files.map((f) => line(f, width, columns))].join('\n'));
  process.stdout.write(blocks.join('\n\n') + '\n');
  process.stderr.write('a local file of the same name wins over a shipped one; `radam-run validate NAME` prints one in full\n');
}
