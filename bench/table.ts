// Plain-text tables for `npm run bench` (no colours: the output is pasted into README and issues).

export interface Table {
  title: string;
  /** Column headers; a column whose header starts with '<' is left-aligned (the '<' is dropped). */
  columns: string[];
  rows: string[][];
  notes?: string[];
}

export function renderTable(t: Table): string {
  const left = t.columns.map((c) => c.startsWith('<'));
  const headers = t.columns.map((c) => (c.startsWith('<') ? c.slice(1) : c));
  const widths = headers.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (left[i] ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [`## ${t.title}`, '', line(headers), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of t.rows) out.push(line(headers.map((_, i) => row[i] ?? '')));
  for (const note of t.notes ?? []) out.push(`  ${note}`);
  return out.join('\n') + '\n';
}

/** 3 significant digits, no exponent for the ranges printed here. */
export function num(x: number | undefined, digits = 3): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  if (x === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(x)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return x.toFixed(Math.min(decimals, 6));
}

/** A ratio as "2.41×". */
export function times(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '–' : `${num(x)}×`;
}

/** 10⁴-style parameter counts. */
export function count(n: number): string {
  const e = Math.log10(n);
  if (Number.isInteger(e)) return `10${superscript(e)}`;
  return n.toLocaleString('en-US');
}

function superscript(e: number): string {
  const map = '⁰¹²³⁴⁵⁶⁷⁸⁹';
  return String(e)
    .split('')
    .map((d) => map[Number(d)]!)
    .join('');
}
