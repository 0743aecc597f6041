// `radam-run plot DIR`: charts (SVG) and a self-contained report.html from any output directory;
// also the `--report` step of compare, sweep and reproduce.
import { dirname, relative } from 'node:path';
import { writeReport } from '../report/report.js';

export interface PlotFlags {
  out?: string;
  metric?: 'loss' | 'accuracy';
  smooth?: number;
  logY?: boolean;
}

/** A path as the user would type it: relative to the working directory unless that climbs out of it. */
export function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

export async function plotCommand(dir: string, flags: PlotFlags): Promise<void> {
  await writeReportAndSay(dir, flags);
}

/** Write the report of an output directory and say where it went (stderr). */
export async function writeReportAndSay(dir: string, flags: PlotFlags = {}): Promise<void> {
  const { html, svgs } = await writeReport(dir, { out: flags.out, metric: flags.metric, smooth: flags.smooth, logY: flags.logY });
  const where = svgs.length > 0 ? ` and ${svgs.length} chart${svgs.length === 1 ? '' : 's'} in ${shown(dirname(svgs[0]!))}/` : '';
  process.stderr.write(`wrote ${shown(html)}${where}\n`);
}
