// `radam-run plot DIR`: charts (SVG) and a self-contained report.html from any output directory.
import { dirname, relative } from 'node:path';
import { writeReport } from '../report/report.js';

export interface PlotFlags {
  out?: string;
  metric?: 'loss' | 'accuracy';
  smooth?: number;
  logY?: boolean;
}

export async function plotCommand(dir: string, flags: PlotFlags): Promise<void> {
  const { html, svgs } = await writeReport(dir, { out: flags.out, metric: flags.metric, smooth: flags.smooth, logY: flags.logY });
  const where = svgs.length > 0 ? ` and ${svgs.length} chart${svgs.length === 1 ? '' : 's'} in ${relative(process.cwd(), dirname(svgs[0]!)) || '.'}/` : '';
  process.stderr.write(`wrote ${relative(process.cwd(), html)}${where}\n`);
}
