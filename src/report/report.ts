// The report of an output directory: every chart as an SVG file (Vega-Lite → Vega → SVG, headless, no
// canvas) and one self-contained report.html with the charts inline, the claims' outcome, the summary
// tables and the resolved config. Nothing in the page refers to the network, so it opens offline.
// Both carry radam-run's mark, and only files carrying it (or new ones) are ever replaced.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { stringify as yamlStringify } from 'yaml';
import { ConfigError } from '../base/errors.js';
import { toolVersion } from '../base/version.js';
import { carriesMark, CHART_MARK, checkOutputPath, existingAncestor, REPORT_MARK } from '../results/paths.js';
import { unusableOutput } from '../results/fs-errors.js';
import { writeFileAtomic } from '../results/atomic.js';
import { buildCharts, type Chart, type ChartOptions } from './charts/index.js';
import { readOutputDir, type OutputData } from '../results/output-data.js';
import type { Table } from '../results/read.js';

export interface ReportOptions extends ChartOptions {
  /** The HTML file to write (default DIR/report.html); the SVGs go to plots/ beside it. */
  out?: string;
}

/** Paths written: the HTML report and one SVG per chart. */
export interface ReportFiles {
  html: string;
  svgs: string[];
}

/**
 * Vega-Lite → Vega → SVG string, in Node. vega and vega-lite are imported on first use so that
 * importing this module (e.g. by a command that may write a report) costs nothing.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * An SVG for inlining in HTML: the HTML parser puts <svg> in the SVG namespace by itself, so the
 * xmlns declarations (the only URLs in Vega's output) are dropped to keep the page free of URLs.
 */
function inlineSvg(svg: string): string {
  return svg.replace(/\s+xmlns(:xlink)?="[^"]*"/g, '');
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const isNumber = (text: string): boolean => text.trim() !== '' && !Number.isNaN(Number(text));

/** A cell for people: integers as they are, other numbers to 5 significant digits, text escaped. */
function formatCell(text: string): string {
  if (!isNumber(text) || /^-?\d+$/.test(text)) return escapeHtml(text);
  const x = Number(text);
  const a = Math.abs(x);
  return !Number.isFinite(x) ? String(x) : a !== 0 && (a < 1e-3 || a >= 1e6) ? x.toExponential(3) : String(Number(x.toPrecision(5)));
}

/** An HTML table of a CSV, leaving out columns that are empty in every row. */
function htmlTable(table: Table, rowClass: (row: Record<string, string>) => string = () => ''): string {
  const columns = table.columns.filter((c) => table.rows.some((r) => (r[c] ?? '') !== ''));
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = table.rows
    .map((r) => {
      const cls = rowClass(r);
      const cells = columns.map((c) => `<td${isNumber(r[c] ?? '') ? ' class="num"' : ''}>${formatCell(r[c] ?? '')}</td>`).join('');
      return `<tr${cls ? ` class="${cls}"` : ''}>${cells}</tr>`;
    })
    .join('\n');
  return `<div class="table"><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

/** A section of the page: its anchor, its entry in the navigation, its HTML. */
interface Section {
  id: string;
  label: string;
  html: string;
}

function claimsSection(claims: Table): Section {
  const passed = claims.rows.filter((r) => r.status?.toUpperCase() === 'PASS').length;
  const failed = claims.rows.length - passed;
  const verdict = `${passed} of ${claims.rows.length} claim${claims.rows.length === 1 ? '' : 's'} hold${failed > 0 ? ` — ${failed} failed` : ''}`;
  return {
    id: 'claims',
    label: 'Claims',
    html: `<p class="verdict ${failed > 0 ? 'fail' : 'pass'}">${verdict}</p>\n${htmlTable(claims, (r) => (r.status?.toUpperCase() === 'PASS' ? 'pass' : 'fail'))}`,
  };
}

function chartsSection(charts: { chart: Chart; svg: string }[]): Section {
  const figures = charts.map(({ chart, svg }) => `<figure id="chart-${chart.name}" class="chart" aria-label="${escapeHtml(chart.title)}">\n${inlineSvg(svg)}\n</figure>`);
  return { id: 'charts', label: 'Charts', html: figures.join('\n') };
}

function tablesSection(data: OutputData): Section | undefined {
  const parts: string[] = [];
  if (data.compare?.summary) parts.push(`<h3>Runs (summary.csv)</h3>\n${htmlTable(data.compare.summary)}`);
  if (data.sweep) {
    const robustness: Table = {
      columns: ['optimizer', 'lr', 'final_train_loss_mean', 'points', 'diverged_points'],
      rows: data.sweep.robustness.map((r) => ({ optimizer: r.optimizer, lr: String(r.lr), final_train_loss_mean: r.final_train_loss_mean === null ? 'diverged' : String(r.final_train_loss_mean), points: String(r.points), diverged_points: String(r.diverged_points) })),
    };
    parts.push(`<h3>Learning-rate robustness (lr_robustness.csv)</h3>\n${htmlTable(robustness)}`);
    if (data.sweep.points) parts.push(`<h3>Sweep points (sweep_summary.csv)</h3>\n${htmlTable(data.sweep.points)}`);
  }
  return parts.length > 0 ? { id: 'tables', label: 'Summary', html: parts.join('\n') } : undefined;
}

/** Bookkeeping fields of manifest.json that are not settings (shown in the header instead). */
const MANIFEST_BOOKKEEPING = ['tool', 'version', 'node', 'command', 'config_file', 'provenance', 'started', 'finished', 'runs', 'files'];

function configSection(data: OutputData): Section | undefined {
  const { manifest, sweep } = data;
  // a compare's resolved experiment; else a sweep's plan; else the settings a command such as
  // `variance` recorded in its manifest
  const [config, what] =
    manifest?.config !== undefined
      ? [manifest.config, 'manifest.json <code>config</code>, every default filled in']
      : sweep
        ? [sweep.plan, 'sweep.json']
        : manifest
          ? [Object.fromEntries(Object.entries(manifest).filter(([k]) => !MANIFEST_BOOKKEEPING.includes(k))), 'manifest.json']
          : [undefined, ''];
  if (config === undefined) return undefined;
  return { id: 'config', label: 'Configuration', html: `<p class="meta">${what}</p><pre>${escapeHtml(yamlStringify(config))}</pre>` };
}

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 980px; padding: 1.5rem; color: #222; }
h1 { font-size: 1.5rem; margin-bottom: 0.2rem; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; margin-top: 2rem; }
.meta { color: #666; font-size: 0.85rem; } nav a { margin-right: 1rem; }
figure { margin: 1.5rem 0; } figure svg { max-width: 100%; height: auto; }
.table { overflow-x: auto; } table { border-collapse: collapse; font-size: 0.8rem; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid #eee; text-align: left; white-space: nowrap; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.pass td:last-child { color: #1a7f37; font-weight: 600; } tr.fail td:last-child { color: #cf222e; font-weight: 600; }
.verdict { font-weight: 600; } .verdict.pass { color: #1a7f37; } .verdict.fail { color: #cf222e; }
pre { background: #f6f8fa; padding: 0.8rem; overflow-x: auto; font-size: 0.8rem; }`;

/**
 * The command line of a manifest as the user typed it: `radam-run` and the arguments. The recorded
 * argv[1] is the path of the script that ran, under npx a cache path meaningless to a reader.
 */
function commandLine(command: string[]): string {
  return ['radam-run', ...command.slice(1)].join(' ');
}

/** The report page: claims, charts (their SVG given, in chart order), tables, config. */
function reportHtml(data: OutputData, charts: { chart: Chart; svg: string }[]): string {
  const m = data.manifest;
  const meta = [`radam-run ${escapeHtml(m?.version ?? toolVersion())}`, `from ${escapeHtml(data.dir)}`];
  if (m?.started) meta.push(`run started ${escapeHtml(m.started)}`);
  const sections = [data.claims && claimsSection(data.claims), charts.length > 0 && chartsSection(charts), tablesSection(data), configSection(data)].filter((s): s is Section => Boolean(s));
  const nav = sections.map((s) => `<a href="#${s.id}">${s.label}</a>`).join('');
  const command = m?.command ? `<p class="meta"><code>${escapeHtml(commandLine(m.command))}</code></p>` : '';
  const partial = data.sweep?.partial
    ? `<p class="verdict fail" id="partial">Partial: ${data.sweep.partial.complete} of ${data.sweep.partial.planned} planned runs are complete; the tables, best points and charts cover only those (runs.csv lists the missing ones).</p>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="generator" content="radam-run ${escapeHtml(toolVersion())}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(data.name)} — radam-run report</title>
<style>${STYLE}
</style>
</head>
<body>
<header><h1>${escapeHtml(data.name)}</h1><p class="meta">${meta.join(' · ')}</p>${command}<nav>${nav}</nav>${partial}</header>
${sections.map((s) => `<section id="${s.id}"><h2>${s.label}</h2>\n${s.html}</section>`).join('\n')}
</body>
</html>
`;
}

/** A chart's SVG with radam-run's mark (CHART_MARK) just inside its root element. */
function markSvg(svg: string): string {
  return svg.replace(/^<svg\b[^>]*>/, (root) => `${root}<metadata>generator: radam-run ${escapeHtml(toolVersion())}</metadata>`);
}

/**
 * `file` (shown to the user as `label`) may be written: it is new, or a `what` radam-run wrote. Never
 * a directory, and never a file of the user's, such as their own plots/ next to `--out ~/notes/x.html`.
 */
function checkTarget(file: string, label: string, what: 'report' | 'chart', mark: RegExp): void {
  if (!existsSync(file)) return;
  if (statSync(file).isDirectory()) throw new ConfigError(`${label}: expected a file to write the ${what} to, got a directory`);
  if (!carriesMark(file, mark)) throw new ConfigError(`${label}: expected a new file or a ${what} written by radam-run, got an existing file it did not write`);
}

/** `dir` exists as a directory or can be made one: its nearest existing ancestor is a directory. */
function checkMakeable(dir: string, label: string): void {
  const d = existingAncestor(dir);
  if (!statSync(d).isDirectory()) throw new ConfigError(`${label}: expected a path through directories, got one through the file ${d}`);
}

/** writeFileAtomic, with a file system's refusal (permissions, a read-only disk…) as a ConfigError. */
function writeOrSay(file: string, label: string, content: string): void {
  try {
    writeFileAtomic(file, content);
  } catch (err) {
    throw unusableOutput(err, label, 'a location radam-run can write to');
  }
}

/**
 * Read DIR, write plots/*.svg and report.html (or opts.out). Throws ConfigError on bad input: every
 * check (the output directory's files, the files to be replaced) comes before the first write.
 */
export async function writeReport(dir: string, opts: ReportOptions = {}): Promise<ReportFiles> {
  if (opts.out !== undefined) checkOutputPath('--out', opts.out, 'file');
  const data = readOutputDir(dir);
  const charts = buildCharts(data, opts);
  // paths as the user gave them, for messages
  const htmlShown = opts.out ?? join(dir, 'report.html');
  const plotsShown = join(dirname(htmlShown), 'plots');
  const html = resolve(htmlShown);
  const plotsDir = join(dirname(html), 'plots');
  const htmlLabel = opts.out !== undefined ? `--out ${opts.out}` : htmlShown;
  checkMakeable(dirname(html), htmlLabel);
  checkTarget(html, htmlLabel, 'report', REPORT_MARK);
  if (charts.length > 0) checkMakeable(plotsDir, plotsShown);
  for (const chart of charts) checkTarget(join(plotsDir, `${chart.name}.svg`), join(plotsShown, `${chart.name}.svg`), 'chart', CHART_MARK);

  const rendered: { chart: Chart; svg: string }[] = [];
  for (const chart of charts) rendered.push({ chart, svg: markSvg(await renderSvg(chart.spec)) });
  const svgs: string[] = [];
  for (const { chart, svg } of rendered) {
    const file = join(plotsDir, `${chart.name}.svg`);
    writeOrSay(file, join(plotsShown, `${chart.name}.svg`), svg);
    svgs.push(file);
  }
  writeOrSay(html, htmlLabel, reportHtml(data, rendered));
  return { html, svgs };
}
